import Foundation

/// The one normaliser for Vietnamese names in the product (REFERENCE.md "Vietnamese names").
///
/// Three forms, each for one job:
/// - ``normalized(_:)`` for storage: NFC, trimmed, inner whitespace collapsed, `Ð` (U+00D0) → `Đ`;
///   case and tone marks as written. Never "corrects" a name.
/// - ``comparisonKey(_:)`` for matching a name against a register: the normalized form, lower-cased, with
///   tone marks placed in one style (the *modern* style, ``ToneMarkStyle/modern``: `hoà`, `khoẻ`, `thuý`, `uỷ`),
///   so `Hòa` and `Hoà` match. i/y spellings stay distinct (`Lý` ≠ `Lí`): they are different names.
/// - ``asciiKey(_:)`` for bank account names, which are upper-case ASCII: no diacritics, `đ` → `D`.
///
/// ```swift
/// VietnameseName.normalized("  Nguyễn   Thị  Hoà ")             // "Nguyễn Thị Hoà"
/// VietnameseName.sameName("NGUYỄN THỊ HÒA", "Nguyễn Thị Hoà")   // true
/// VietnameseName.sameName("Lý Văn An", "Lí Văn An")             // false
/// VietnameseName.asciiKey("Đặng Thị Thuý")                      // "DANG THI THUY"
/// VietnameseName.sameBankName("NGUYEN THI HOA", "Nguyễn Thị Hoà") // true
/// ```
///
/// Input may be NFC, NFD or a mix. Text made of Vietnamese letters, ASCII and whitespace is handled in one
/// pass over its Unicode scalars without Foundation or regular expressions; any other character sends the
/// result through Foundation's canonical composition (or decomposition, for ``asciiKey(_:)``), so the output
/// is always NFC.
public enum VietnameseName {
    /// Where the tone mark goes in the open syllables with the clusters `oa`, `oe`, `uy`.
    ///
    /// With a final consonant (`hoàng`, `khoét`, `huỳnh`) both styles put the mark on the second vowel;
    /// the clusters `uy` after `q` (`quý`) and longer vowel groups (`ngoài`, `khuya`) are the same in both.
    public enum ToneMarkStyle: Sendable, Hashable, CaseIterable {
        /// On the second vowel: `hoà`, `khoẻ`, `thuý`, `uỷ` ("kiểu mới"); the style of ``VietnameseName/comparisonKey(_:)``.
        case modern
        /// On the first vowel: `hòa`, `khỏe`, `thúy`, `ủy` ("kiểu cũ").
        case traditional
    }

    /// The storage form: NFC, leading and trailing whitespace removed, every inner run of whitespace
    /// replaced by one space, `Ð` (U+00D0, a look-alike) → `Đ` (U+0110) and `ð` (U+00F0) → `đ` (U+0111).
    /// Case and tone-mark placement are kept as written.
    public static func normalized(_ s: String) -> String {
        if isCleanASCII(s, caseRequirement: .any) { return s }
        return NameEngine.run(s, .init(caseMode: .keep, style: nil, stripDiacritics: false))
    }

    /// The comparison key: ``normalized(_:)``, lower-cased, with tone marks in the ``ToneMarkStyle/modern``
    /// style (`hòa` → `hoà`, `thúy` → `thuý`, `ủy` → `uỷ`, `khỏe` → `khoẻ`). i and y are not merged.
    ///
    /// Use it to index and compare names; never show or store it in place of the name.
    public static func comparisonKey(_ s: String) -> String {
        if isCleanASCII(s, caseRequirement: .lower) { return s }
        return NameEngine.run(s, .init(caseMode: .lower, style: .modern, stripDiacritics: false))
    }

    /// The diacritic-free key for bank account names: decomposed, combining marks dropped, `đ`/`Đ`/`Ð` → `D`
    /// (đ has no decomposition, so this is explicit), upper-cased, whitespace trimmed and collapsed.
    public static func asciiKey(_ s: String) -> String {
        if isCleanASCII(s, caseRequirement: .upper) { return s }
        if let fast = NameEngine.runIfVietnamese(s, .init(caseMode: .upper, style: nil, stripDiacritics: true)) {
            return fast
        }
        return NameEngine.asciiKeyGeneral(s)
    }

    /// Whether two names are the same name: equal ``comparisonKey(_:)``.
    public static func sameName(_ a: String, _ b: String) -> Bool {
        comparisonKey(a) == comparisonKey(b)
    }

    /// Whether two names match the way a bank holds them: equal ``asciiKey(_:)``.
    public static func sameBankName(_ a: String, _ b: String) -> Bool {
        asciiKey(a) == asciiKey(b)
    }

    /// `s` written in the other tone-mark style (hoà ↔ hòa, thuý ↔ thúy), `nil` when both styles write it the same.
    public static func inOtherToneMarkStyle(_ s: String) -> String? {
        for style in ToneMarkStyle.allCases {
            let other = placingToneMarks(s, style: style)
            if other != s { return other }
        }
        return nil
    }

    /// ``normalized(_:)`` with the tone marks of `oa`, `oe`, `uy` open syllables moved to `style`, case kept.
    ///
    /// For converting display text between styles; matching should use ``comparisonKey(_:)``.
    public static func placingToneMarks(_ s: String, style: ToneMarkStyle) -> String {
        NameEngine.run(s, .init(caseMode: .keep, style: style, stripDiacritics: false))
    }

    enum CaseRequirement { case any, lower, upper }

    /// Whether `s` is ASCII without control characters, without leading, trailing or doubled spaces, and
    /// already in the required case: then every form equals `s`.
    static func isCleanASCII(_ s: String, caseRequirement: CaseRequirement) -> Bool {
        var previousWasSpace = true
        for byte in s.utf8 {
            guard byte >= 0x20, byte < 0x7F else { return false }
            if byte == 0x20 {
                if previousWasSpace { return false }
                previousWasSpace = true
                continue
            }
            previousWasSpace = false
            switch caseRequirement {
            case .any: break
            case .lower: if byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") { return false }
            case .upper: if byte >= UInt8(ascii: "a"), byte <= UInt8(ascii: "z") { return false }
            }
        }
        return !previousWasSpace || s.utf8.isEmpty
    }
}

/// The single-pass scalar engine behind ``VietnameseName``.
enum NameEngine {
    enum CaseMode { case keep, lower, upper }

    struct Options {
        var caseMode: CaseMode
        var style: VietnameseName.ToneMarkStyle?
        var stripDiacritics: Bool
    }

    /// Vowel bases, by index: a ă â e ê i o ô ơ u ư y.
    enum Vowel {
        static let a: Int8 = 0, aBreve: Int8 = 1, aCircumflex: Int8 = 2, e: Int8 = 3, eCircumflex: Int8 = 4
        static let i: Int8 = 5, o: Int8 = 6, oCircumflex: Int8 = 7, oHorn: Int8 = 8, u: Int8 = 9, uHorn: Int8 = 10
        static let y: Int8 = 11
        static let count = 12
        /// The ASCII letter each vowel base loses its diacritics to (lower case).
        static let plain: [UInt8] = Array("aaaeeiooouuy".utf8)
    }

    /// Tones, by index: 0 none (ngang), 1 grave (huyền), 2 acute (sắc), 3 tilde (ngã), 4 hook above (hỏi),
    /// 5 dot below (nặng).
    static let toneCount = 6
    static let dotBelow: UInt8 = 5

    /// Every vowel base in every tone, lower case then upper case: index `(upper·12 + vowel)·6 + tone`.
    /// Generated from the Unicode Character Database (NFC of base + U+0300/0301/0303/0309/0323).
    static let composed: [Unicode.Scalar] = Array([
        "\u{0061}\u{00E0}\u{00E1}\u{00E3}\u{1EA3}\u{1EA1}",  // a à á ã ả ạ
        "\u{0103}\u{1EB1}\u{1EAF}\u{1EB5}\u{1EB3}\u{1EB7}",  // ă ằ ắ ẵ ẳ ặ
        "\u{00E2}\u{1EA7}\u{1EA5}\u{1EAB}\u{1EA9}\u{1EAD}",  // â ầ ấ ẫ ẩ ậ
        "\u{0065}\u{00E8}\u{00E9}\u{1EBD}\u{1EBB}\u{1EB9}",  // e è é ẽ ẻ ẹ
        "\u{00EA}\u{1EC1}\u{1EBF}\u{1EC5}\u{1EC3}\u{1EC7}",  // ê ề ế ễ ể ệ
        "\u{0069}\u{00EC}\u{00ED}\u{0129}\u{1EC9}\u{1ECB}",  // i ì í ĩ ỉ ị
        "\u{006F}\u{00F2}\u{00F3}\u{00F5}\u{1ECF}\u{1ECD}",  // o ò ó õ ỏ ọ
        "\u{00F4}\u{1ED3}\u{1ED1}\u{1ED7}\u{1ED5}\u{1ED9}",  // ô ồ ố ỗ ổ ộ
        "\u{01A1}\u{1EDD}\u{1EDB}\u{1EE1}\u{1EDF}\u{1EE3}",  // ơ ờ ớ ỡ ở ợ
        "\u{0075}\u{00F9}\u{00FA}\u{0169}\u{1EE7}\u{1EE5}",  // u ù ú ũ ủ ụ
        "\u{01B0}\u{1EEB}\u{1EE9}\u{1EEF}\u{1EED}\u{1EF1}",  // ư ừ ứ ữ ử ự
        "\u{0079}\u{1EF3}\u{00FD}\u{1EF9}\u{1EF7}\u{1EF5}",  // y ỳ ý ỹ ỷ ỵ
        "\u{0041}\u{00C0}\u{00C1}\u{00C3}\u{1EA2}\u{1EA0}",  // A À Á Ã Ả Ạ
        "\u{0102}\u{1EB0}\u{1EAE}\u{1EB4}\u{1EB2}\u{1EB6}",  // Ă Ằ Ắ Ẵ Ẳ Ặ
        "\u{00C2}\u{1EA6}\u{1EA4}\u{1EAA}\u{1EA8}\u{1EAC}",  // Â Ầ Ấ Ẫ Ẩ Ậ
        "\u{0045}\u{00C8}\u{00C9}\u{1EBC}\u{1EBA}\u{1EB8}",  // E È É Ẽ Ẻ Ẹ
        "\u{00CA}\u{1EC0}\u{1EBE}\u{1EC4}\u{1EC2}\u{1EC6}",  // Ê Ề Ế Ễ Ể Ệ
        "\u{0049}\u{00CC}\u{00CD}\u{0128}\u{1EC8}\u{1ECA}",  // I Ì Í Ĩ Ỉ Ị
        "\u{004F}\u{00D2}\u{00D3}\u{00D5}\u{1ECE}\u{1ECC}",  // O Ò Ó Õ Ỏ Ọ
        "\u{00D4}\u{1ED2}\u{1ED0}\u{1ED6}\u{1ED4}\u{1ED8}",  // Ô Ồ Ố Ỗ Ổ Ộ
        "\u{01A0}\u{1EDC}\u{1EDA}\u{1EE0}\u{1EDE}\u{1EE2}",  // Ơ Ờ Ớ Ỡ Ở Ợ
        "\u{0055}\u{00D9}\u{00DA}\u{0168}\u{1EE6}\u{1EE4}",  // U Ù Ú Ũ Ủ Ụ
        "\u{01AF}\u{1EEA}\u{1EE8}\u{1EEE}\u{1EEC}\u{1EF0}",  // Ư Ừ Ứ Ữ Ử Ự
        "\u{0059}\u{1EF2}\u{00DD}\u{1EF8}\u{1EF6}\u{1EF4}",  // Y Ỳ Ý Ỹ Ỷ Ỵ
    ].joined().unicodeScalars)

    /// Reverse of ``composed`` for scalars up to U+1EF9: 0 when the scalar is not a Vietnamese vowel letter,
    /// otherwise 1 + its index in ``composed``.
    static let decomposition: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 0x1EFA)
        for (index, scalar) in composed.enumerated() where scalar.value >= 0x80 {
            table[Int(scalar.value)] = UInt8(index + 1)
        }
        return table
    }()

    /// A word's letter: a vowel (base index, case, tone), a consonant letter, or an opaque scalar
    /// (anything else that belongs to the word: other letters, marks that do not combine here).
    struct Entry {
        var scalar: Unicode.Scalar
        var vowel: Int8
        var upper: Bool
        var tone: UInt8
        var opaque: Bool

        static func vowel(_ vowel: Int8, upper: Bool, tone: UInt8) -> Entry {
            Entry(scalar: " ", vowel: vowel, upper: upper, tone: tone, opaque: false)
        }
        static func consonant(_ scalar: Unicode.Scalar) -> Entry {
            Entry(scalar: scalar, vowel: -1, upper: false, tone: 0, opaque: false)
        }
        static func opaque(_ scalar: Unicode.Scalar) -> Entry {
            Entry(scalar: scalar, vowel: -1, upper: false, tone: 0, opaque: true)
        }
    }

    /// Runs the engine; the result is NFC.
    static func run(_ s: String, _ options: Options) -> String {
        var state = State(options: options, capacity: s.utf8.count)
        for scalar in s.unicodeScalars { state.consume(scalar) }
        state.flush()
        if state.needsComposition { return state.result.precomposedStringWithCanonicalMapping }
        return state.result
    }

    /// Runs the engine and returns `nil` when `s` holds a character outside Vietnamese letters, ASCII and
    /// whitespace (for ``VietnameseName/asciiKey(_:)``, which must then decompose everything).
    static func runIfVietnamese(_ s: String, _ options: Options) -> String? {
        var state = State(options: options, capacity: s.utf8.count)
        for scalar in s.unicodeScalars {
            state.consume(scalar)
            if state.needsComposition { return nil }
        }
        state.flush()
        return state.needsComposition ? nil : state.result
    }

    /// The general diacritic-free key, for any text: NFD, drop non-spacing marks, `đ`/`Đ`/`Ð`/`ð` → `D`,
    /// upper-case, trim and collapse whitespace, NFC.
    static func asciiKeyGeneral(_ s: String) -> String {
        var output = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in s.decomposedStringWithCanonicalMapping.unicodeScalars {
            if isWhitespace(scalar) {
                pendingSpace = !output.isEmpty
                continue
            }
            if scalar.properties.generalCategory == .nonspacingMark { continue }
            if pendingSpace { output.append(" "); pendingSpace = false }
            switch scalar.value {
            case 0x0110, 0x0111, 0x00D0, 0x00F0: output.append("D")
            case 0x61...0x7A: output.append(Unicode.Scalar(UInt8(scalar.value) - 0x20))
            case 0..<0x80: output.append(scalar)
            default: output.append(contentsOf: scalar.properties.uppercaseMapping.unicodeScalars)
            }
        }
        return String(output).precomposedStringWithCanonicalMapping
    }

    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x20, 0x09...0x0D: true
        case 0..<0x80: false
        default: scalar.properties.isWhitespace
        }
    }

    struct State {
        let options: Options
        /// UTF-8 of the result (appending bytes is cheaper than appending scalars to a `String`).
        var output: [UInt8] = []
        var word: [Entry] = []
        var pendingSpace = false
        /// Set when an opaque scalar was written: the output then needs Foundation's NFC.
        var needsComposition = false

        init(options: Options, capacity: Int) {
            self.options = options
            output.reserveCapacity(capacity + 8)
            word.reserveCapacity(16)
        }

        var result: String { String(decoding: output, as: UTF8.self) }

        mutating func append(_ scalar: Unicode.Scalar) {
            let value = scalar.value
            switch value {
            case 0..<0x80:
                output.append(UInt8(value))
            case 0x80..<0x800:
                output.append(UInt8(0xC0 | (value >> 6)))
                output.append(UInt8(0x80 | (value & 0x3F)))
            case 0x800..<0x10000:
                output.append(UInt8(0xE0 | (value >> 12)))
                output.append(UInt8(0x80 | ((value >> 6) & 0x3F)))
                output.append(UInt8(0x80 | (value & 0x3F)))
            default:
                output.append(UInt8(0xF0 | (value >> 18)))
                output.append(UInt8(0x80 | ((value >> 12) & 0x3F)))
                output.append(UInt8(0x80 | ((value >> 6) & 0x3F)))
                output.append(UInt8(0x80 | (value & 0x3F)))
            }
        }

        mutating func consume(_ scalar: Unicode.Scalar) {
            let value = scalar.value
            if value < 0x80 {
                switch value {
                case 0x41...0x5A, 0x61...0x7A:
                    let lower = UInt8(value) | 0x20
                    let upper = value < 0x61
                    switch lower {
                    case UInt8(ascii: "a"): word.append(.vowel(Vowel.a, upper: upper, tone: 0))
                    case UInt8(ascii: "e"): word.append(.vowel(Vowel.e, upper: upper, tone: 0))
                    case UInt8(ascii: "i"): word.append(.vowel(Vowel.i, upper: upper, tone: 0))
                    case UInt8(ascii: "o"): word.append(.vowel(Vowel.o, upper: upper, tone: 0))
                    case UInt8(ascii: "u"): word.append(.vowel(Vowel.u, upper: upper, tone: 0))
                    case UInt8(ascii: "y"): word.append(.vowel(Vowel.y, upper: upper, tone: 0))
                    default: word.append(.consonant(scalar))
                    }
                case 0x20, 0x09...0x0D:
                    whitespace()
                default:
                    // Digits, punctuation and controls end a word and are copied as they are.
                    flush()
                    writePendingSpace()
                    append(scalar)
                }
                return
            }
            if value < 0x1EFA {
                let entry = NameEngine.decomposition[Int(value)]
                if entry != 0 {
                    let index = Int(entry) - 1
                    let tone = UInt8(index % NameEngine.toneCount)
                    let base = index / NameEngine.toneCount
                    word.append(.vowel(Int8(base % Vowel.count), upper: base >= Vowel.count, tone: tone))
                    return
                }
            }
            switch value {
            case 0x0110, 0x00D0:
                word.append(.consonant("\u{0110}"))
                return
            case 0x0111, 0x00F0:
                word.append(.consonant("\u{0111}"))
                return
            case 0x0300, 0x0340: if attachTone(1) { return }
            case 0x0301, 0x0341: if attachTone(2) { return }
            case 0x0303: if attachTone(3) { return }
            case 0x0309: if attachTone(4) { return }
            case 0x0323: if attachTone(NameEngine.dotBelow) { return }
            case 0x0306, 0x0302, 0x031B: if attachModifier(value) { return }
            default: break
            }
            if NameEngine.isWhitespace(scalar) {
                whitespace()
                return
            }
            needsComposition = true
            switch scalar.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
                 .nonspacingMark, .spacingMark, .enclosingMark:
                word.append(.opaque(scalar))
            default:
                flush()
                writePendingSpace()
                writeOpaque(scalar)
            }
        }

        /// Puts a tone on the word's last letter when it is a vowel without one; false otherwise.
        mutating func attachTone(_ tone: UInt8) -> Bool {
            guard let last = word.indices.last, !word[last].opaque, word[last].vowel >= 0, word[last].tone == 0 else {
                return false
            }
            word[last].tone = tone
            return true
        }

        /// Applies a breve, circumflex or horn to the word's last letter when that gives a Vietnamese vowel
        /// canonically equivalent to the sequence read so far; false otherwise.
        mutating func attachModifier(_ mark: UInt32) -> Bool {
            guard let last = word.indices.last, !word[last].opaque, word[last].vowel >= 0 else { return false }
            // Breve and circumflex have combining class 230 like the tone marks above the letter: after such
            // a tone they are not canonically reorderable, so they do not combine. The horn (216) and the
            // dot below (220) reorder freely.
            if mark != 0x031B, word[last].tone != 0, word[last].tone != NameEngine.dotBelow { return false }
            let modified: Int8
            switch (word[last].vowel, mark) {
            case (Vowel.a, 0x0306): modified = Vowel.aBreve
            case (Vowel.a, 0x0302): modified = Vowel.aCircumflex
            case (Vowel.e, 0x0302): modified = Vowel.eCircumflex
            case (Vowel.o, 0x0302): modified = Vowel.oCircumflex
            case (Vowel.o, 0x031B): modified = Vowel.oHorn
            case (Vowel.u, 0x031B): modified = Vowel.uHorn
            default: return false
            }
            word[last].vowel = modified
            return true
        }

        mutating func whitespace() {
            flush()
            if !output.isEmpty { pendingSpace = true }
        }

        mutating func writePendingSpace() {
            if pendingSpace {
                append(" ")
                pendingSpace = false
            }
        }

        mutating func flush() {
            guard !word.isEmpty else { return }
            if let style = options.style { NameEngine.placeTone(in: &word, style: style) }
            writePendingSpace()
            for entry in word { write(entry) }
            word.removeAll(keepingCapacity: true)
        }

        mutating func write(_ entry: Entry) {
            if entry.opaque {
                writeOpaque(entry.scalar)
                return
            }
            if entry.vowel >= 0 {
                let upper: Bool
                switch options.caseMode {
                case .keep: upper = entry.upper
                case .lower: upper = false
                case .upper: upper = true
                }
                if options.stripDiacritics {
                    let plain = Vowel.plain[Int(entry.vowel)]
                    append(Unicode.Scalar(upper ? plain - 0x20 : plain))
                } else {
                    let index = ((upper ? Vowel.count : 0) + Int(entry.vowel)) * NameEngine.toneCount + Int(entry.tone)
                    append(NameEngine.composed[index])
                }
                return
            }
            let value = entry.scalar.value
            if value == 0x0110 || value == 0x0111 {
                let upper: Bool
                switch options.caseMode {
                case .keep: upper = value == 0x0110
                case .lower: upper = false
                case .upper: upper = true
                }
                if options.stripDiacritics {
                    append(upper ? "D" : "d")
                } else {
                    append(upper ? "\u{0110}" : "\u{0111}")
                }
                return
            }
            // An ASCII consonant letter.
            let byte = UInt8(truncatingIfNeeded: value)
            switch options.caseMode {
            case .keep: append(entry.scalar)
            case .lower: append(Unicode.Scalar(byte | 0x20))
            case .upper: append(Unicode.Scalar(byte & ~0x20))
            }
        }

        mutating func writeOpaque(_ scalar: Unicode.Scalar) {
            switch options.caseMode {
            case .keep: append(scalar)
            case .lower: for mapped in scalar.properties.lowercaseMapping.unicodeScalars { append(mapped) }
            case .upper: for mapped in scalar.properties.uppercaseMapping.unicodeScalars { append(mapped) }
            }
        }
    }

    /// Moves the tone mark of a one-syllable word whose vowel group is exactly `oa`, `oe` or `uy` to where
    /// `style` puts it. Words with opaque scalars, several tone marks or several vowel groups are left alone.
    static func placeTone(in word: inout [Entry], style: VietnameseName.ToneMarkStyle) {
        var toned = -1
        for index in word.indices {
            if word[index].opaque { return }
            if word[index].tone != 0 {
                if toned >= 0 { return }
                toned = index
            }
        }
        guard toned >= 0 else { return }
        let count = word.count
        var start = 0
        while start < count, word[start].vowel < 0 { start += 1 }
        guard start < count else { return }
        if start > 0 {
            let previous = word[start - 1].scalar.value | 0x20
            if previous == UInt32(UInt8(ascii: "q")), word[start].vowel == Vowel.u {
                start += 1  // "qu": the u belongs to the initial consonant (quý).
            } else if previous == UInt32(UInt8(ascii: "g")), word[start].vowel == Vowel.i,
                      start + 1 < count, word[start + 1].vowel >= 0 {
                start += 1  // "gi" before a vowel: the i belongs to the initial consonant.
            }
        }
        var end = start
        while end < count, word[end].vowel >= 0 { end += 1 }
        for index in end..<count where word[index].vowel >= 0 { return }
        guard end - start == 2, toned == start || toned == start + 1 else { return }
        switch (word[start].vowel, word[start + 1].vowel) {
        case (Vowel.o, Vowel.a), (Vowel.o, Vowel.e), (Vowel.u, Vowel.y): break
        default: return
        }
        let target = (style == .modern || end < count) ? start + 1 : start
        guard target != toned else { return }
        word[target].tone = word[toned].tone
        word[toned].tone = 0
    }
}
