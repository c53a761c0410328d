import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Atomic file writes: a temporary file in the same directory, created with the final mode (so a key is
/// never readable by others, whatever the umask), flushed, then renamed over the destination.
enum AtomicFile {
    static func write(_ bytes: [UInt8], to url: URL, mode: mode_t) throws {
        let path = url.path
        let directory = url.deletingLastPathComponent().path
        let suffix = String(UInt64.random(in: .min ... .max), radix: 16)
        let temporary = directory + "/." + url.lastPathComponent + ".tmp-" + suffix

        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, mode)
        guard fd >= 0 else {
            throw PKIError(code: .fileUnwritable, reason: "temporary file cannot be created", file: path)
        }
        var ok = fchmod(fd, mode) == 0
        if ok {
            ok = bytes.withUnsafeBytes { buffer -> Bool in
                var offset = 0
                while offset < buffer.count {
                    let written = Glibc_write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        return false
                    }
                    offset += written
                }
                return true
            }
        }
        if ok { ok = fsync(fd) == 0 }
        ok = (close(fd) == 0) && ok
        if ok { ok = rename(temporary, path) == 0 }
        guard ok else {
            unlink(temporary)
            throw PKIError(code: .fileUnwritable, reason: "file cannot be written", file: path)
        }
    }

    static func write(_ text: String, to url: URL, mode: mode_t) throws {
        try write(Array(text.utf8), to: url, mode: mode)
    }
}

@inline(__always)
private func Glibc_write(_ fd: Int32, _ pointer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, pointer, count)
    #elseif canImport(Musl)
    return Musl.write(fd, pointer, count)
    #else
    return Darwin.write(fd, pointer, count)
    #endif
}
