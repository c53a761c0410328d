import Foundation
import LienthongCore
import XCTest

final class VietnameseNameTests: XCTestCase {
    private func nfd(_ s: String) -> String { s.decomposedStringWithCanonicalMapping }
    private func nfc(_ s: String) -> String { s.precomposedStringWithCanonicalMapping }

    /// Byte-level equality: Swift's `==` would hide NFC/NFD differences.
    private func assertBytes(_ actual: String, _ expected: String, _ message: String = "",
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(Array(actual.utf8), Array(expected.utf8),
                       "\(message) got \(actual.unicodeScalars.map { String($0.value, radix: 16) }) expected \(expected.unicodeScalars.map { String($0.value, radix: 16) })",
                       file: file, line: line)
    }

    // MARK: normalized

    func testNormalizedTrimsCollapsesAndComposes() {
        assertBytes(VietnameseName.normalized("  Nguyễn   Thị\tHoà \n"), "Nguyễn Thị Hoà")
        assertBytes(VietnameseName.normalized(nfd("Trần Văn Đức")), nfc("Trần Văn Đức"))
        assertBytes(VietnameseName.normalized("Lê\u{00A0}\u{3000}Văn\u{2003}An"), "Lê Văn An")
        assertBytes(VietnameseName.normalized("\u{00D0}ặng Thị \u{00F0}ào"), "Đặng Thị đào")
        assertBytes(VietnameseName.normalized("   "), "")
        assertBytes(VietnameseName.normalized(""), "")
        assertBytes(VietnameseName.normalized("Nguyen Van A"), "Nguyen Van A")
    }

    func testNormalizedKeepsCaseAndToneStyle() {
        for name in ["Hòa", "Hoà", "HOÀ", "thủy", "thuỷ", "Lý", "Lí", "Khỏe", "Khoẻ", "nguyễn"] {
            assertBytes(VietnameseName.normalized(name), nfc(name))
            assertBytes(VietnameseName.normalized(nfd(name)), nfc(name))
        }
    }

    // MARK: comparison key

    func testToneMarkStylePairsShareAKey() {
        let pairs = [("hoà", "hòa"), ("thuý", "thúy"), ("uỷ", "ủy"), ("khoẻ", "khỏe"),
                     ("Hoà", "Hòa"), ("HOÀ", "HÒA"), ("Thuỵ", "Thụy"), ("Khoẻ", "Khỏe"), ("UỶ BAN", "ỦY BAN")]
        for (modern, traditional) in pairs {
            XCTAssertTrue(VietnameseName.sameName(modern, traditional), "\(modern) / \(traditional)")
            assertBytes(VietnameseName.comparisonKey(traditional), nfc(modern.lowercased()))
            assertBytes(VietnameseName.comparisonKey(modern), nfc(modern.lowercased()))
        }
    }

    func testAllFiveTonesOfEachClusterInEveryCase() {
        // (modern, traditional) spellings built from base + combining tone, then composed.
        let tones = ["\u{0300}", "\u{0301}", "\u{0303}", "\u{0309}", "\u{0323}"]
        let clusters: [(initial: String, first: String, second: String)] = [("h", "o", "a"), ("kh", "o", "e"), ("th", "u", "y"), ("", "u", "y"), ("x", "o", "a")]
        for cluster in clusters {
            for tone in tones {
                let modern = nfc(cluster.initial + cluster.first + cluster.second + tone)
                let traditional = nfc(cluster.initial + cluster.first + tone + cluster.second)
                XCTAssertNotEqual(Array(modern.utf8), Array(traditional.utf8))
                let transforms: [(String) -> String] = [{ $0 }, { $0.capitalized }, { $0.uppercased() }]
                for transform in transforms {
                    let m = transform(modern), t = transform(traditional)
                    for (a, b) in [(m, t), (nfd(m), t), (m, nfd(t)), (nfd(m), nfd(t))] {
                        assertBytes(VietnameseName.comparisonKey(a), modern, "\(a)")
                        assertBytes(VietnameseName.comparisonKey(b), modern, "\(b)")
                    }
                    assertBytes(VietnameseName.placingToneMarks(t, style: .modern), m)
                    assertBytes(VietnameseName.placingToneMarks(m, style: .traditional), t)
                }
            }
        }
    }

    func testSyllablesWithFinalConsonantOrOtherGroupsAreUnchanged() {
        let unchanged = ["hoàng", "thuyết", "huỳnh", "khoét", "toán", "hoạch", "quý", "quỳnh", "ngoài", "khuya",
                         "khuỷu", "thuở", "giữa", "người", "nguyễn", "xoáy", "hoè", "quà"]
        for word in unchanged {
            assertBytes(VietnameseName.comparisonKey(word), nfc(word), word)
            assertBytes(VietnameseName.comparisonKey(nfd(word.uppercased())), nfc(word), word)
            for style in VietnameseName.ToneMarkStyle.allCases where word != "hoè" {
                assertBytes(VietnameseName.placingToneMarks(word, style: style), nfc(word), "\(word) \(style)")
            }
        }
        // A misplaced mark before a final consonant is moved to the second vowel in the key.
        assertBytes(VietnameseName.comparisonKey("Hòang"), "hoàng")
    }

    func testIAndYAreKeptDistinct() {
        XCTAssertFalse(VietnameseName.sameName("Lý Văn An", "Lí Văn An"))
        XCTAssertFalse(VietnameseName.sameName("Kỷ", "Kỉ"))
        XCTAssertFalse(VietnameseName.sameName("Thúy", "Thúi"))
        XCTAssertTrue(VietnameseName.sameName("LÝ VĂN AN", "lý văn an"))
        // Tones and letters still matter.
        XCTAssertFalse(VietnameseName.sameName("Hòa", "Hóa"))
        XCTAssertFalse(VietnameseName.sameName("Hoà", "Hoa"))
        XCTAssertFalse(VietnameseName.sameName("Dũng", "Đũng"))
    }

    func testDStrokeVariantsAndNFDInput() {
        let forms = ["Đặng Văn Đức", "đặng văn đức", "ĐẶNG VĂN ĐỨC", "\u{00D0}ặng Văn \u{00D0}ức", "\u{00F0}ặng văn \u{00F0}ức"]
        for form in forms {
            assertBytes(VietnameseName.comparisonKey(form), "đặng văn đức", form)
            assertBytes(VietnameseName.comparisonKey(nfd(form)), "đặng văn đức", form)
        }
        XCTAssertTrue(VietnameseName.sameName(nfd("Nguyễn Thị Thủy"), "nguyễn thị thuỷ"))
    }

    func testWhitespaceIsTrimmedAndCollapsedInKeys() {
        XCTAssertTrue(VietnameseName.sameName("  Nguyễn  Văn\t\tAn ", "Nguyễn Văn An"))
        assertBytes(VietnameseName.comparisonKey("\n Trần\u{00A0}\u{00A0}Thị   Mai \r\n"), "trần thị mai")
        XCTAssertFalse(VietnameseName.sameName("Nguyễn Văn An", "NguyễnVăn An"))
    }

    func testTonesAttachWhateverTheMarkOrder() {
        // ệ as e + dot below + circumflex (canonical order) and e + circumflex + dot below.
        assertBytes(VietnameseName.comparisonKey("Nghe\u{0323}\u{0302}"), "nghệ")
        assertBytes(VietnameseName.comparisonKey("Nghe\u{0302}\u{0323}"), "nghệ")
        assertBytes(VietnameseName.comparisonKey("Dươ\u{0300}ng"), "dường")
        assertBytes(VietnameseName.comparisonKey("Du\u{031B}o\u{0300}\u{031B}ng"), "dường")
        // The deprecated tone marks U+0340/U+0341 are canonically U+0300/U+0301.
        assertBytes(VietnameseName.comparisonKey("Ho\u{0341}a"), "hoá")
    }

    // MARK: ASCII (bank) key

    func testASCIIKeyForBankNames() {
        assertBytes(VietnameseName.asciiKey("Nguyễn Thị Hoà"), "NGUYEN THI HOA")
        assertBytes(VietnameseName.asciiKey(nfd("  Đặng   Thị Thuý ")), "DANG THI THUY")
        assertBytes(VietnameseName.asciiKey("\u{00D0}ỗ \u{00F0}ức"), "DO DUC")
        assertBytes(VietnameseName.asciiKey("Trương Ưng Ơn Ắt Ậu"), "TRUONG UNG ON AT AU")
        assertBytes(VietnameseName.asciiKey("NGUYEN THI HOA"), "NGUYEN THI HOA")
        XCTAssertTrue(VietnameseName.sameBankName("NGUYEN THI HOA", "Nguyễn Thị Hoà"))
        XCTAssertTrue(VietnameseName.sameBankName("NGUYEN THI HOA", nfd("Nguyễn Thị Hòa")))
        XCTAssertTrue(VietnameseName.sameBankName("LY VAN AN", "Lý Văn An"))
        XCTAssertFalse(VietnameseName.sameBankName("NGUYEN THI HOA", "Nguyễn Thị Hoài"))
        // Characters outside Vietnamese go through full decomposition.
        assertBytes(VietnameseName.asciiKey("Müller-Çelik Ñuñez"), "MULLER-CELIK NUNEZ")
        assertBytes(VietnameseName.asciiKey("ǎ"), "A")
    }

    // MARK: properties

    /// SplitMix64: a small seeded generator so every run sees the same cases.
    private struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Syllables as (modern, traditional) spelling; most are the same in both styles.
    private let syllables: [(String, String)] = [
        ("Nguyễn", "Nguyễn"), ("Trần", "Trần"), ("Lê", "Lê"), ("Phạm", "Phạm"), ("Hoàng", "Hoàng"), ("Huỳnh", "Huỳnh"),
        ("Phan", "Phan"), ("Vũ", "Vũ"), ("Võ", "Võ"), ("Đặng", "Đặng"), ("Bùi", "Bùi"), ("Đỗ", "Đỗ"), ("Hồ", "Hồ"),
        ("Ngô", "Ngô"), ("Dương", "Dương"), ("Lý", "Lý"), ("Lí", "Lí"), ("Thị", "Thị"), ("Văn", "Văn"), ("Quý", "Quý"),
        ("Quỳnh", "Quỳnh"), ("Thuyết", "Thuyết"), ("Ngoài", "Ngoài"), ("Khuya", "Khuya"), ("Hương", "Hương"),
        ("Hoà", "Hòa"), ("Hoá", "Hóa"), ("Hoả", "Hỏa"), ("Hoạ", "Họa"), ("Xoà", "Xòa"), ("Toả", "Tỏa"),
        ("Khoẻ", "Khỏe"), ("Khoé", "Khóe"), ("Hoè", "Hòe"), ("Loè", "Lòe"),
        ("Thuý", "Thúy"), ("Thuỷ", "Thủy"), ("Thuỳ", "Thùy"), ("Thuỵ", "Thụy"), ("Uỷ", "Ủy"), ("Tuý", "Túy"),
        ("Luỹ", "Lũy"), ("Huy", "Huy"), ("Hoa", "Hoa"), ("Mai", "Mai"), ("An", "An"), ("Đức", "Đức"), ("Ánh", "Ánh"),
    ]

    private let spaces = [" ", "  ", "\t", "\u{00A0}", " \u{3000}", "\n"]

    private func referenceNormalized(_ s: String) -> String {
        var output = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in nfc(s).unicodeScalars {
            if scalar.properties.isWhitespace {
                pendingSpace = !output.isEmpty
                continue
            }
            if pendingSpace { output.append(" "); pendingSpace = false }
            switch scalar {
            case "\u{00D0}": output.append("\u{0110}")
            case "\u{00F0}": output.append("\u{0111}")
            default: output.append(scalar)
            }
        }
        return String(output)
    }

    private func referenceASCIIKey(_ s: String) -> String {
        var output = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in nfd(s).unicodeScalars {
            if scalar.properties.isWhitespace {
                pendingSpace = !output.isEmpty
                continue
            }
            if scalar.properties.generalCategory == .nonspacingMark { continue }
            if pendingSpace { output.append(" "); pendingSpace = false }
            switch scalar {
            case "\u{0110}", "\u{0111}", "\u{00D0}", "\u{00F0}": output.append("D")
            default: output.append(contentsOf: String(scalar).uppercased().unicodeScalars)
            }
        }
        return nfc(String(output))
    }

    func testPropertyRandomSpellingsOfOneNameShareTheKey() {
        var random = SplitMix64(state: 0x4C69_656E_7468_6F6E)
        for _ in 0..<3000 {
            let count = Int.random(in: 2...5, using: &random)
            let picked = (0..<count).map { _ in syllables[Int.random(in: 0..<syllables.count, using: &random)] }
            let expectedKey = nfc(picked.map { $0.0 }.joined(separator: " ").lowercased())
            func variant(_ random: inout SplitMix64) -> String {
                var text = Bool.random(using: &random) ? spaces[Int.random(in: 0..<spaces.count, using: &random)] : ""
                for (index, syllable) in picked.enumerated() {
                    if index > 0 { text += spaces[Int.random(in: 0..<spaces.count, using: &random)] }
                    var word = Bool.random(using: &random) ? syllable.0 : syllable.1
                    switch Int.random(in: 0..<3, using: &random) {
                    case 0: word = word.lowercased()
                    case 1: word = word.uppercased()
                    default: break
                    }
                    text += Bool.random(using: &random) ? nfd(word) : nfc(word)
                }
                if Bool.random(using: &random) { text += spaces[Int.random(in: 0..<spaces.count, using: &random)] }
                return text
            }
            let a = variant(&random)
            let b = variant(&random)
            assertBytes(VietnameseName.comparisonKey(a), expectedKey, "key of \(a.debugDescription)")
            XCTAssertTrue(VietnameseName.sameName(a, b))
            assertBytes(VietnameseName.normalized(a), referenceNormalized(a), "normalized \(a.debugDescription)")
            assertBytes(VietnameseName.asciiKey(a), referenceASCIIKey(a), "asciiKey \(a.debugDescription)")
            XCTAssertTrue(VietnameseName.sameBankName(a, b))
            XCTAssertTrue(VietnameseName.sameBankName(VietnameseName.asciiKey(a), b))
            // The key is stable under the other operations.
            assertBytes(VietnameseName.comparisonKey(VietnameseName.normalized(a)), expectedKey)
            assertBytes(VietnameseName.comparisonKey(expectedKey), expectedKey)
            for style in VietnameseName.ToneMarkStyle.allCases {
                assertBytes(VietnameseName.comparisonKey(VietnameseName.placingToneMarks(a, style: style)), expectedKey)
            }
        }
    }

    func testPropertyNormalizedAndASCIIKeyAgreeWithFoundationOnArbitraryText() {
        // A mix of Vietnamese letters, stray and foreign combining marks, foreign letters, singleton
        // decompositions (U+212B, U+0340), Hangul jamo, whitespace and punctuation.
        let vietnamese = Array("aàáãảạăằắẵẳặâầấẫẩậeèéẽẻẹêềếễểệiìíĩỉịoòóõỏọôồốỗổộơờớỡởợuùúũủụưừứữửựyỳýỹỷỵ"
            .precomposedStringWithCanonicalMapping.unicodeScalars)
        var alphabet: [String] = vietnamese.map { String($0) } + vietnamese.map { String($0).uppercased() }
        alphabet += ["q", "g", "h", "k", "n", "t", "Q", "G", "D", "đ", "Đ", "\u{00D0}", "\u{00F0}"]
        alphabet += ["\u{0300}", "\u{0301}", "\u{0303}", "\u{0309}", "\u{0323}", "\u{0306}", "\u{0302}", "\u{031B}",
                     "\u{0340}", "\u{0341}", "\u{0308}", "\u{0328}", "\u{030A}", "\u{0327}"]
        alphabet += ["ü", "Ü", "ß", "ç", "ñ", "ǎ", "\u{212B}", "中", "\u{1100}", "\u{1161}", "İ", "ø"]
        alphabet += [" ", " ", "\t", "\u{00A0}", "\u{3000}", "\n", "-", "'", ".", "1", "\u{2013}"]
        var random = SplitMix64(state: 2025)
        for _ in 0..<5000 {
            let length = Int.random(in: 0...12, using: &random)
            var text = ""
            for _ in 0..<length { text += alphabet[Int.random(in: 0..<alphabet.count, using: &random)] }
            let normalized = VietnameseName.normalized(text)
            assertBytes(normalized, referenceNormalized(text), "normalized \(text.unicodeScalars.map { String($0.value, radix: 16) })")
            assertBytes(VietnameseName.asciiKey(text), referenceASCIIKey(text), "asciiKey \(text.unicodeScalars.map { String($0.value, radix: 16) })")
            let key = VietnameseName.comparisonKey(text)
            assertBytes(key, nfc(key), "key is NFC")
            assertBytes(VietnameseName.comparisonKey(nfd(text)), key, "NFD input")
            assertBytes(VietnameseName.comparisonKey(normalized), key, "key of normalized")
        }
    }
}
