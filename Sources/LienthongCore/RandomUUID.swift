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
    /// let id = UUID.systemRandom().lowercasedString   // "3f2b…-…-4…-[89ab]…-…"
    /// ```
    public static func systemRandom() -> UUID {
        var generator = SystemRandomNumberGenerator()
        return UUID.random(using: &generator)
    }

    /// The UUID in its 36-character form with lowercase hex digits, as SPEC's ids and `X-Request-Id` are written
    /// (the same text as `uuidString.lowercased()`, formatted once).
    public var lowercasedString: String {
        let digits: StaticString = "0123456789abcdef"
        return withUnsafeBytes(of: uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { out in
                var at = 0
                for (index, byte) in bytes.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        out[at] = UInt8(ascii: "-")
                        at += 1
                    }
                    out[at] = digits.utf8Start[Int(byte >> 4)]
                    out[at + 1] = digits.utf8Start[Int(byte & 0x0F)]
                    at += 2
                }
                return at
            }
        }
    }
}
