import Foundation
import LienthongCore
import XCTest

final class BankDirectoryTests: XCTestCase {
    /// The number of rows in REFERENCE.md's BIN table.
    private let referenceRowCount = 55

    func testSeedMatchesReferenceTable() {
        XCTAssertEqual(BankDirectory.seed.count, referenceRowCount)
        XCTAssertEqual(Set(BankDirectory.seed.map(\.bin)).count, referenceRowCount)
        for bank in BankDirectory.seed {
            XCTAssertNoThrow(try BankDirectory.validateBIN(bank.bin), bank.bin)
            XCTAssertFalse(bank.shortName.isEmpty)
            XCTAssertFalse(bank.name.isEmpty)
            if let swift = bank.swift { XCTAssertEqual(swift.utf8.count, 8, bank.bin) }
        }
        XCTAssertEqual(BankDirectory.seed.map(\.bin), BankDirectory.seed.map(\.bin).sorted())
    }

    func testVietcombankAndOtherKnownRows() {
        XCTAssertEqual(BankDirectory.bank(bin: "970436"),
                       Bank(bin: "970436", shortName: "Vietcombank", name: "Ngân hàng TMCP Ngoại Thương Việt Nam", swift: "BFTVVNVX"))
        XCTAssertEqual(BankDirectory.bank(bin: "970418")?.shortName, "BIDV")
        XCTAssertEqual(BankDirectory.bank(bin: "970405")?.swift, "VBAAVNVX")
        XCTAssertEqual(BankDirectory.bank(bin: "422589")?.shortName, "CIMB")
        XCTAssertEqual(BankDirectory.bank(bin: "970463")?.shortName, "KookminHCM")
        XCTAssertNil(BankDirectory.bank(bin: "546034")?.swift)
        XCTAssertEqual(BankDirectory.bank(bin: "970455")?.shortName, "IBK HN")
        XCTAssertNil(BankDirectory.bank(bin: "970999"))
    }

    func testValidateBIN() {
        XCTAssertNoThrow(try BankDirectory.validateBIN("970436"))
        for text in ["97043", "9704361", ""] {
            XCTAssertThrowsError(try BankDirectory.validateBIN(text)) { XCTAssertEqual(($0 as? IdentifierError)?.code, .wrongLength) }
        }
        for text in ["97043a", " 970436", "９７０４３６"] {
            XCTAssertThrowsError(try BankDirectory.validateBIN(text)) { error in
                XCTAssertEqual((error as? IdentifierError)?.code, .notDigits)
                XCTAssertEqual((error as? IdentifierError)?.field, "bin")
            }
        }
    }

    func testCatalogIsConfigurable() throws {
        XCTAssertEqual(BankCatalog.standard.banks.count, referenceRowCount)
        XCTAssertEqual(BankCatalog.standard.bank(bin: "970436")?.swift, "BFTVVNVX")
        let vbsp = Bank(bin: "999999", shortName: "VBSP", name: "Ngân hàng Chính sách xã hội")
        let renamed = Bank(bin: "970418", shortName: "BID", name: "Ngân hàng TMCP Đầu tư và Phát triển Việt Nam", swift: "BIDVVNVX")
        let catalog = try BankCatalog.standard.merging([vbsp, renamed])
        XCTAssertEqual(catalog.banks.count, referenceRowCount + 1)
        XCTAssertEqual(catalog.bank(bin: "999999"), vbsp)
        XCTAssertEqual(catalog.bank(bin: "970418")?.shortName, "BID")
        XCTAssertEqual(catalog.bank(bin: "422589")?.shortName, "CIMB")
        XCTAssertNil(catalog.bank(bin: "000000"))
        XCTAssertThrowsError(try BankCatalog.standard.merging([vbsp, vbsp])) { XCTAssertEqual(($0 as? IdentifierError)?.code, .invalidFormat) }
        XCTAssertThrowsError(try BankCatalog([Bank(bin: "12345", shortName: "X", name: "X")])) {
            XCTAssertEqual(($0 as? IdentifierError)?.code, .wrongLength)
        }
    }

    func testCoding() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let cake = try XCTUnwrap(BankDirectory.bank(bin: "546034"))
        XCTAssertEqual(String(decoding: try encoder.encode(cake), as: UTF8.self),
                       #"{"bin":"546034","name":"Ngân hàng số CAKE by VPBank","shortName":"CAKE"}"#)
        let catalog = try JSONDecoder().decode(BankCatalog.self, from: try encoder.encode(BankCatalog.standard))
        XCTAssertEqual(catalog, BankCatalog.standard)
        let duplicate = Data(#"[{"bin":"970436","shortName":"A","name":"A"},{"bin":"970436","shortName":"B","name":"B"}]"#.utf8)
        XCTAssertThrowsError(try JSONDecoder().decode(BankCatalog.self, from: duplicate))
    }
}
