public import Foundation

extension UUID {
    /// A random (version 4) UUID from the system's generator: `UUID.random(using:)` with a
    /// `SystemRandomNumberGenerator`.
    ///
    /// The gateway names every request with one of these. It does not use `UUID()` there: on Linux,
    /// swift-foundation's `UUID()` opens `/dev/urandom`, reads 16 bytes and closes it again, three system calls on the
    /// event loop for every request. `SystemRandomNumberGenerator` reads the kernel's generator with `getrandom(2)`
    /// and opens no file.
    ///
    /// ```swift
    /// let id = UUID.systemRandom().uuidString.lowercased()   // "3f2b…-…-4…-[89ab]…-…"
    /// ```
    public static func systemRandom() -> UUID {
        var generator = SystemRandomNumberGenerator()
        return UUID.random(using: &generator)
    }
}
