import Foundation
import LienthongCore
import LienthongSimulators
import XCTest

/// The simulated bank's deterministic rules, ids and request parsing.
final class BankRulesTests: XCTestCase {
    static let today = try! CalendarDate(iso: "2026-11-29")
    static let adultID = PersonalID.make(provinceCode: "75", birthYear: 1990, sex: .male, serial: 12)

    func request(ref: String = "R-1", born: String = "1990-01-01", authorised: Bool = false) throws -> AccountOpeningRequest {
        AccountOpeningRequest(
            requestRef: ref, bin: "970436", personalID: Self.adultID, dateOfBirth: try CalendarDate(iso: born), hasAuthorisedPerson: authorised)
    }

    func testDecisionsFollowTheRulesInOrder() throws {
        func decide(_ r: AccountOpeningRequest, duplicate: Bool = false, kyc: Double = 0) -> BankRules.Decision {
            BankRules.decide(r, today: Self.today, isDuplicatePerson: duplicate, seed: 1, kycFailureShare: kyc)
        }
        XCTAssertEqual(decide(try request()), .open(accountID: BankRules.accountID(bin: "970436", requestRef: "R-1")))
        XCTAssertEqual(decide(try request(born: "2011-11-30")), .reject(.minor), "one day short of 15")
        XCTAssertEqual(decide(try request(born: "2011-11-29")), .open(accountID: BankRules.accountID(bin: "970436", requestRef: "R-1")), "15 today")
        XCTAssertEqual(decide(try request(born: "2016-01-01", authorised: true)), .open(accountID: BankRules.accountID(bin: "970436", requestRef: "R-1")))
        XCTAssertEqual(decide(try request(born: "2016-01-01"), duplicate: true), .reject(.minor), "MINR before DUPL")
        XCTAssertEqual(decide(try request(), duplicate: true), .reject(.duplicate))
        XCTAssertEqual(decide(try request(), kyc: 1), .reject(.kycFailed))
        XCTAssertEqual(BankRules.Rejection.all.map(\.code), ["MINR", "DUPL", "KYCF"])
        XCTAssertTrue(BankRules.Rejection.all.allSatisfy { $0.code.count <= 8 && $0.text.count <= 200 })
    }

    func testKYCFailuresAreASeededShareIndependentOfOrder() throws {
        let refs = (0..<2000).map { "REF-\($0)" }
        func failures(seed: UInt64) throws -> [String] {
            try refs.filter {
                BankRules.decide(try request(ref: $0), today: Self.today, isDuplicatePerson: false, seed: seed, kycFailureShare: 0.05)
                    == .reject(.kycFailed)
            }
        }
        let first = try failures(seed: 7)
        XCTAssertEqual(first, try failures(seed: 7), "same seed, same requests refused")
        XCTAssertNotEqual(first, try failures(seed: 8))
        XCTAssertTrue((40...160).contains(first.count), "about 5 % of 2000, got \(first.count)")
    }

    func testAccountNumbersAndResultIdsAreDeterministic() {
        let account = BankRules.accountID(bin: "970436", requestRef: "R-1")
        XCTAssertEqual(account.count, 12)
        XCTAssertTrue(account.allSatisfy(\.isASCII) && account.allSatisfy(\.isNumber))
        XCTAssertEqual(account, BankRules.accountID(bin: "970436", requestRef: "R-1"))
        XCTAssertNotEqual(account, BankRules.accountID(bin: "970418", requestRef: "R-1"))
        XCTAssertNotEqual(account, BankRules.accountID(bin: "970436", requestRef: "R-2"))

        let request = UUID()
        let ids = AccountOpeningOutcome.allCases.map { BankRules.resultMessageID(requestMessageID: request, outcome: $0) }
        XCTAssertEqual(Set(ids).count, 4, "one id per outcome")
        XCTAssertEqual(ids, AccountOpeningOutcome.allCases.map { BankRules.resultMessageID(requestMessageID: request, outcome: $0) })
        XCTAssertNotEqual(ids[0], BankRules.resultMessageID(requestMessageID: UUID(), outcome: .acknowledged))
        for id in ids {
            let text = id.uuidString.lowercased()
            XCTAssertEqual(Array(text)[14], "8", "version 8")
            XCTAssertTrue("89ab".contains(Array(text)[19]), "RFC 9562 variant")
        }
    }

    func testTodayIsVietnamTime() {
        // 2026-11-29 16:59:59 UTC is 23:59:59 in Vietnam; one second later it is the 30th there.
        let before = Date(timeIntervalSince1970: 1_795_971_599)
        XCTAssertEqual(BankRules.today(now: before).iso, "2026-11-29")
        XCTAssertEqual(BankRules.today(now: before.addingTimeInterval(1)).iso, "2026-11-30")
    }

    func testRequestParsingChecksTheContractAndHidesPersonalData() throws {
        let text = #"{"requestRef":"R-9","bank":{"bin":"970436"},"person":{"fullName":"Lê Văn Cường","personalId":"\#(Self.adultID.digits)","dateOfBirth":"1990-01-01"},"authorisedPerson":null}"#
        let parsed = try AccountOpeningRequest(payload: try JSONValue(parsing: text))
        XCTAssertEqual(parsed.requestRef, "R-9")
        XCTAssertEqual(parsed.bin, "970436")
        XCTAssertEqual(parsed.personalID, Self.adultID)
        XCTAssertFalse(parsed.hasAuthorisedPerson, "null is absent")
        XCTAssertFalse("\(parsed)".contains(Self.adultID.digits))
        XCTAssertThrowsError(try AccountOpeningRequest(payload: try JSONValue(parsing: #"{"requestRef":"R-9","bank":{"bin":"97043"}}"#))) { error in
            XCTAssertEqual((error as? MessagePayloads.Problem)?.path, "payload.bank.bin")
        }
    }

    func testConfigurationRefusesABadBIN() {
        XCTAssertThrowsError(try BankSimulator.Configuration(
            bin: "97043x", gatewayURL: "https://127.0.0.1:8443", certificateFile: "a", keyFile: "b", caFile: "c"))
        XCTAssertEqual(try BankSimulator.Configuration.examplePKI(bin: "970436", gatewayURL: "https://g", certificateDirectory: "/certs").memberID, "bank.970436")
    }

    func testContractExamplesMatchTheImplementation() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let examples = root.appendingPathComponent("Contracts/upstream/examples")
        func example(_ name: String) throws -> JSONValue {
            try JSONValue(parsing: Array(try Data(contentsOf: examples.appendingPathComponent(name))))
        }
        for name in ["bank-request.json", "bank-request-minor-with-guardian.json"] {
            let request = try AccountOpeningRequest(payload: try example(name))
            XCTAssertEqual(request.bin, "970436", name)
        }
        XCTAssertTrue(try AccountOpeningRequest(payload: try example("bank-request-minor-with-guardian.json")).hasAuthorisedPerson)
        for name in [
            "bank-result-acknowledged.json", "bank-result-opened.json", "bank-result-card-delivered.json",
            "bank-result-rejected-minor.json", "bank-result-rejected-duplicate.json", "bank-result-rejected-kyc.json",
        ] {
            XCTAssertNoThrow(try MessagePayloads.validate(type: AccountOpeningMessageType.result, payload: try example(name)), name)
        }
        // The documented derivations, with the examples' values.
        let requestID = try XCTUnwrap(UUID(uuidString: "7d0c5c0e-8f2a-4d6b-9a51-3c1e2f4b6a70"))
        guard case .object(let envelope) = try JSONValue(parsing: Array(try Data(contentsOf: examples
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("examples/MessageEnvelope-bank-result-opened.json")))), case .string(let id)? = envelope["id"],
              case .object(let payload)? = envelope["payload"], case .string(let account)? = payload["accountId"] else {
            return XCTFail("envelope example unreadable")
        }
        XCTAssertEqual(BankRules.resultMessageID(requestMessageID: requestID, outcome: .opened).uuidString.lowercased(), id)
        XCTAssertEqual(BankRules.accountID(bin: "970436", requestRef: "LD-2026-000123"), account)
        // The acknowledgement example is what the push endpoint encodes.
        let answer = BankSimulator.PushAnswer(BankDesk.Receipt(messageID: requestID, requestRef: "LD-2026-000123", duplicate: false))
        let encoded = try JSONValue(parsing: Array(try JSONEncoder().encode(answer)))
        XCTAssertEqual(encoded, try example("bank-acknowledgement.json"))
        for (name, reason) in [
            ("bank-result-rejected-minor.json", BankRules.Rejection.minor), ("bank-result-rejected-duplicate.json", .duplicate),
            ("bank-result-rejected-kyc.json", .kycFailed),
        ] {
            guard case .object(let members) = try example(name) else { return XCTFail(name) }
            XCTAssertEqual(members["reasonCode"], .string(reason.code), name)
            XCTAssertEqual(members["reason"], .string(reason.text), name)
        }
    }
}
