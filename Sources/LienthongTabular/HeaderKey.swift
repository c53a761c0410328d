import LienthongCore

/// Header matching that ignores case, diacritics, punctuation and spacing: `"Ngày sinh"`, `"NGAY SINH"`,
/// `"ngay_sinh"` and `"Ngày  sinh"` all give `"ngaysinh"`.
public enum HeaderKey {
    /// The key: NFD with combining marks dropped, `đ`/`Đ` → `d`, lower case, only ASCII letters and digits kept
    /// (other letters are kept as they are).
    public static func normalize(_ header: some StringProtocol) -> String {
        let ascii = VietnameseName.asciiKey(String(header))
        var key = ""
        key.unicodeScalars.reserveCapacity(ascii.unicodeScalars.count)
        for scalar in ascii.unicodeScalars {
            switch scalar.value {
            case 0x41...0x5A: key.unicodeScalars.append(Unicode.Scalar(scalar.value + 32) ?? scalar)
            case 0x61...0x7A, 0x30...0x39: key.unicodeScalars.append(scalar)
            default:
                if scalar.properties.isAlphabetic, !scalar.properties.isDiacritic {
                    key += String(scalar).lowercased()
                }
            }
        }
        return key
    }
}

/// A column the caller looks for: its display name (used in errors) and the other spellings officers use.
public struct ColumnSpec: Sendable, Hashable {
    /// The name shown in errors, e.g. `"Ngày sinh"`; it is also matched.
    public var name: String
    /// Other headers that mean this column, e.g. `["Date of birth", "NS"]`.
    public var aliases: [String]
    /// Whether a file without it is refused.
    public var required: Bool

    /// Creates a column spec.
    public init(_ name: String, aliases: [String] = [], required: Bool = true) {
        self.name = name
        self.aliases = aliases
        self.required = required
    }

    /// The normalised keys of the name and aliases.
    public var keys: Set<String> { Set(([name] + aliases).map(HeaderKey.normalize)) }
}

/// Where each wanted column is in a header row, matched by ``HeaderKey`` in any order.
public struct ColumnMap: Sendable, Hashable {
    /// 0-based index of each matched column, by ``ColumnSpec/name``.
    public private(set) var indices: [String: Int]
    /// 0-based indices of headers no spec matched.
    public private(set) var unmatched: [Int]

    /// Matches `headers` against `specs`.
    ///
    /// - Throws: ``TabularError/Code/missingColumn`` naming the first required column not found (row
    ///   `headerRow`, column = its display name); ``TabularError/Code/malformed`` when two headers match the same
    ///   column. When aliases of two specs overlap, the first spec wins.
    public init(headers: [String], specs: [ColumnSpec], file: String, headerRow: Int = 1) throws(TabularError) {
        var owner: [String: String] = [:]
        for spec in specs {
            for key in spec.keys where owner[key] == nil { owner[key] = spec.name }
        }
        var indices: [String: Int] = [:]
        var unmatched: [Int] = []
        for (index, header) in headers.enumerated() {
            let key = HeaderKey.normalize(header)
            guard !key.isEmpty, let name = owner[key] else {
                unmatched.append(index)
                continue
            }
            if let first = indices[name] {
                throw TabularError(.malformed, file: file, row: headerRow, column: name,
                                   reason: "the column appears twice (columns \(ColumnLetters.letters(first)) and \(ColumnLetters.letters(index)))")
            }
            indices[name] = index
        }
        for spec in specs where spec.required && indices[spec.name] == nil {
            throw TabularError(.missingColumn, file: file, row: headerRow, column: spec.name,
                               reason: "required column is missing")
        }
        self.indices = indices
        self.unmatched = unmatched
    }

    /// The index of the column named `name` (a spec's display name), `nil` when the file does not have it.
    public subscript(name: String) -> Int? { indices[name] }
}
