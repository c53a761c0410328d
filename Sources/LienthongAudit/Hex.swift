/// Lowercase hexadecimal encoding by table (no per-byte formatting).
enum Hex {
    /// Two ASCII bytes per input byte, indexed by `byte * 2`.
    static let table: [UInt8] = {
        let digits = Array("0123456789abcdef".utf8)
        var table = [UInt8](repeating: 0, count: 512)
        for byte in 0..<256 {
            table[byte * 2] = digits[byte >> 4]
            table[byte * 2 + 1] = digits[byte & 0x0F]
        }
        return table
    }()

    /// The lowercase hex string of `bytes` (only the first `prefix` bytes when given).
    static func encode(_ bytes: some Sequence<UInt8>, prefix: Int = .max) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        var count = 0
        for byte in bytes {
            if count == prefix { break }
            out.append(table[Int(byte) &* 2])
            out.append(table[Int(byte) &* 2 &+ 1])
            count += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether `hex` is exactly the lowercase hex encoding of `bytes`.
    static func equals(_ bytes: UnsafeRawBufferPointer, _ hex: String) -> Bool {
        var hex = hex
        return hex.withUTF8 { utf8 in
            guard utf8.count == bytes.count * 2 else { return false }
            for i in 0..<bytes.count {
                let byte = Int(bytes[i])
                if utf8[i &* 2] != table[byte &* 2] || utf8[i &* 2 &+ 1] != table[byte &* 2 &+ 1] { return false }
            }
            return true
        }
    }
}
