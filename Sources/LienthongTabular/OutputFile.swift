import Foundation

/// A buffered output file written in chunks.
final class OutputFile {
    private var handle: UnsafeMutablePointer<FILE>?
    private var buffer: [UInt8] = []
    private let chunkSize: Int
    let path: String
    private(set) var bytesWritten: Int64 = 0

    init?(path: String, chunkSize: Int = 64 * 1024) {
        guard let handle = fopen(path, "wb") else { return nil }
        self.handle = handle
        self.path = path
        self.chunkSize = chunkSize
        buffer.reserveCapacity(chunkSize + 1024)
    }

    deinit {
        if let handle { fclose(handle) }
    }

    func write(_ text: String) -> Bool {
        buffer.append(contentsOf: text.utf8)
        return buffer.count < chunkSize || flush()
    }

    func write(bytes: [UInt8]) -> Bool {
        buffer.append(contentsOf: bytes)
        return buffer.count < chunkSize || flush()
    }

    func flush() -> Bool {
        guard let handle else { return false }
        let written = buffer.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, handle) }
        bytesWritten += Int64(written)
        let ok = written == buffer.count
        buffer.removeAll(keepingCapacity: true)
        return ok
    }

    /// Flushes and closes; `false` when anything failed.
    func close() -> Bool {
        guard let handle else { return false }
        let flushed = flush()
        let closed = fclose(handle) == 0
        self.handle = nil
        return flushed && closed
    }

    /// A unique path next to `url` (same directory, so a rename replaces the file atomically).
    static func sibling(of url: URL, suffix: String) -> String {
        url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).\(suffix)").path
    }

    /// A unique path in the temporary directory.
    static func temporary(suffix: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("lienthong-\(UUID().uuidString).\(suffix)").path
    }
}

/// XML text escaping.
enum XMLEscape {
    static func text(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">")
            || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\r") }) else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count + 16)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\r": out += "&#13;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
