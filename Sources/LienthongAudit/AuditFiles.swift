import Crypto
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// File-system helpers for archives, backups and restores: durable writes, renames, hashing, and the check
/// that no other process has an SQLite database open.
enum AuditFiles {
    /// Flushes a file (or directory) to stable storage.
    static func fsync(path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw AuditError(code: .ioFailure, detail: "\(path): cannot open for fsync (errno \(errno))") }
        defer { close(fd) }
        #if canImport(Darwin)
        let rc = fcntl(fd, F_FULLFSYNC)
        #else
        let rc = Glibc.fsync(fd)
        #endif
        guard rc == 0 else { throw AuditError(code: .ioFailure, detail: "\(path): fsync failed (errno \(errno))") }
    }

    /// Renames `from` to `to` (atomically replacing `to` if it exists) and flushes the directory of `to`.
    static func durableRename(from: String, to: String) throws {
        guard rename(from, to) == 0 else {
            throw AuditError(code: .ioFailure, detail: "cannot rename \(from) to \(to) (errno \(errno))")
        }
        try fsync(path: (to as NSString).deletingLastPathComponent.isEmpty ? "." : (to as NSString).deletingLastPathComponent)
    }

    /// Lowercase hex SHA-256 of a file's bytes, read 1 MiB at a time.
    static func sha256(of url: URL) throws -> String {
        let handle: FileHandle
        do {
            handle = try FileHandle(forReadingFrom: url)
        } catch {
            throw AuditError(code: .ioFailure, detail: "\(url.path): cannot open")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            let chunk: Data?
            do {
                chunk = try handle.read(upToCount: 1 << 20)
            } catch {
                throw AuditError(code: .ioFailure, detail: "\(url.path): read failed")
            }
            guard let chunk, !chunk.isEmpty else { break }
            hasher.update(data: chunk)
        }
        return Hex.encode(hasher.finalize())
    }

    /// Whether another process has the WAL-mode SQLite database at `path` open.
    ///
    /// Every connection to a WAL database holds a shared POSIX lock on the "dead man switch" byte of the
    /// `-shm` file (offset 128, SQLite's unix VFS) for as long as it is open. `F_GETLK` asks whether an exclusive
    /// lock there would conflict. POSIX locks belong to processes: connections of the calling process are not
    /// seen, so call this from a process that has not opened the database.
    static func isOpenByAnotherProcess(databasePath path: String) -> Bool {
        let shm = path + "-shm"
        guard FileManager.default.fileExists(atPath: shm) else { return false }
        let fd = open(shm, O_RDWR)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var lock = flock()
        lock.l_type = Int16(F_WRLCK)
        lock.l_whence = Int16(SEEK_SET)
        lock.l_start = 128
        lock.l_len = 1
        guard fcntl(fd, F_GETLK, &lock) == 0 else { return false }
        return lock.l_type != Int16(F_UNLCK)
    }
}
