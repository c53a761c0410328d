import Foundation

/// Bytes of a file read in fixed-size chunks (or of an in-memory buffer), one at a time.
final class ByteInput {
    enum Failure: Error { case readError }

    private var file: UnsafeMutablePointer<FILE>?
    private(set) var buffer: [UInt8]
    private var position = 0
    private var count: Int
    private let chunkSize: Int
    private var exhausted: Bool

    /// Opens `path` for reading; `nil` when it cannot be opened.
    init?(path: String, chunkSize: Int) {
        guard let handle = fopen(path, "rb") else { return nil }
        file = handle
        self.chunkSize = max(chunkSize, 16)
        buffer = [UInt8](repeating: 0, count: self.chunkSize)
        count = 0
        exhausted = false
    }

    /// Reads from memory.
    init(bytes: [UInt8]) {
        file = nil
        buffer = bytes
        count = bytes.count
        chunkSize = bytes.count
        exhausted = true
    }

    deinit { close() }

    func close() {
        if let file { fclose(file) }
        file = nil
    }

    /// Loads the next chunk; `false` at the end of the input.
    private func refill() throws(Failure) -> Bool {
        guard !exhausted, let file else { return false }
        let read = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, chunkSize, file) }
        if read == 0 {
            if ferror(file) != 0 { throw .readError }
            exhausted = true
            return false
        }
        position = 0
        count = read
        return true
    }

    /// The next byte, `nil` at the end.
    @inline(__always)
    func next() throws(Failure) -> UInt8? {
        if position == count {
            guard try refill() else { return nil }
        }
        let byte = buffer[position]
        position += 1
        return byte
    }

    /// The next byte without consuming it.
    @inline(__always)
    func peek() throws(Failure) -> UInt8? {
        if position == count {
            guard try refill() else { return nil }
        }
        return buffer[position]
    }

    enum ScanResult { case found, end, overLimit }

    /// Moves past the next `delimiter`, appending the bytes before it to `out` when `keep` is on (memchr over the
    /// buffer, chunk after chunk). `.end` when the input ends first; `.overLimit` when `out` grows past `limit`.
    func scan(until delimiter: UInt8, into out: inout [UInt8], keep: Bool, limit: Int) throws(Failure) -> ScanResult {
        while true {
            if position == count {
                guard try refill() else { return .end }
            }
            let start = position
            let available = count - start
            let offset: Int? = buffer.withUnsafeBufferPointer { pointer -> Int? in
                guard let base = pointer.baseAddress else { return nil }
                guard let hit = memchr(base + start, Int32(delimiter), available) else { return nil }
                return UnsafeRawPointer(hit) - UnsafeRawPointer(base + start)
            }
            let stop = start + (offset ?? available)
            if keep {
                out.append(contentsOf: buffer[start..<stop])
                if out.count > limit { return .overLimit }
            }
            position = stop
            if offset != nil {
                position += 1
                return .found
            }
        }
    }

    /// The bytes currently buffered and not yet consumed (loads the first chunk if none is).
    func buffered() throws(Failure) -> ArraySlice<UInt8> {
        if position == count { _ = try refill() }
        return buffer[position..<count]
    }

    /// Consumes `n` buffered bytes.
    func skipBuffered(_ n: Int) { position = min(position + n, count) }
}
