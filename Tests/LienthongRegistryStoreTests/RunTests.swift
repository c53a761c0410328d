import Foundation
import LienthongCore
import LienthongRegistry
import LienthongRegistryStore
import LienthongTabular
import XCTest

final class RegistryRunTests: XCTestCase {
    static let childID = Synthetic.id(year: 2016, sex: .male, serial: 55)

    /// Imports the fixture and verifies it: A matched, B mismatch (name and date), the child assigned a number,
    /// C matched.
    static func verifiedBatch(_ store: RegistryStore, _ dir: TempDir) throws -> String {
        let batch = try store.importList(url: try Fixture.csv(in: dir), name: "ds.csv", importedBy: "o",
                                         referenceDate: Synthetic.referenceDate)
        try store.recordVerification(batch: batch.id, row: 2, status: .matched)
        try store.recordVerification(batch: batch.id, row: 3, status: .mismatch([
            FieldDifference(field: .fullName, registered: "Trần Thị Hòa Bình"),
            FieldDifference(field: .dateOfBirth, registered: "1955-01-12"),
        ]))
        try store.recordVerification(batch: batch.id, row: 6, status: .numberAssigned(childID))
        try store.recordVerification(batch: batch.id, row: 7, status: .matched)
        return batch.id
    }

    func testVerificationStateTransitionsAndResumption() throws {
        let dir = try TempDir()
        let (store, _) = try Fixture.store(in: dir)
        let batch = try store.importList(url: try Fixture.csv(in: dir), name: "ds.csv", importedBy: "o",
                                         referenceDate: Synthetic.referenceDate).id
        XCTAssertEqual(try store.pendingVerifications(batch: batch, limit: 2).map(\.row), [2, 3])
        try store.recordVerification(batch: batch, row: 2, status: .matched)
        // Resumption: the next run starts where the results stop.
        XCTAssertEqual(try store.pendingVerifications(batch: batch, limit: 2).map(\.row), [3, 6])
        XCTAssertEqual(try store.batch(id: batch).status, .verifying)
        // Idempotent for the same status; another status is a conflict.
        try store.recordVerification(batch: batch, row: 2, status: .matched)
        XCTAssertEqual(storeError { try store.recordVerification(batch: batch, row: 2, status: .notFound) }?.code, .conflict)
        // Returned rows and unknown rows.
        XCTAssertEqual(storeError { try store.recordVerification(batch: batch, row: 4, status: .matched) }?.code, .conflict)
        XCTAssertEqual(storeError { try store.recordVerification(batch: batch, row: 99, status: .matched) }?.code, .notFound)
        XCTAssertEqual(storeError { _ = try store.pendingVerifications(batch: "nope", limit: 1) }?.code, .notFound)
        // A number can only be assigned to a request row.
        XCTAssertEqual(storeError { try store.recordVerification(batch: batch, row: 3, status: .numberAssigned(Self.childID)) }?.code, .conflict)

        let mismatch = VerificationStatus.mismatch([FieldDifference(field: .fullName, registered: "Trần Thị Hòa Bình"),
                                                    FieldDifference(field: .dateOfBirth, registered: "1955-01-12")])
        try store.recordVerification(batch: batch, row: 3, status: mismatch)
        try store.recordVerification(batch: batch, row: 3, status: mismatch)
        let row3 = try store.row(batch: batch, row: 3)
        XCTAssertEqual(row3.effective.fullName, "Trần Thị Hòa Bình")
        XCTAssertEqual(row3.effective.dateOfBirth.value?.text, "1955-01-12")
        XCTAssertEqual(row3.submitted.dateOfBirth.value?.text, "1955-01-02")

        XCTAssertFalse(try store.contains(personalID: Self.childID))
        try store.recordVerification(batch: batch, row: 6, status: .numberAssigned(Self.childID))
        XCTAssertEqual(try store.row(batch: batch, row: 6).effective.effectivePersonalID, Self.childID)
        XCTAssertTrue(try store.contains(personalID: Self.childID))

        var progress = try store.verificationProgress(batch: batch)
        XCTAssertEqual(progress.total, 4)
        XCTAssertEqual(progress.done, 3)
        XCTAssertEqual(progress.pending, 1)
        XCTAssertEqual(progress.returnedToCommune, 2)
        XCTAssertEqual(progress.byStatus, ["matched": 1, "mismatch": 1, "number_assigned": 1])
        try store.recordVerification(batch: batch, row: 7, status: .notFound)
        progress = try store.verificationProgress(batch: batch)
        XCTAssertEqual(progress.pending, 0)
        XCTAssertEqual(try store.pendingVerifications(batch: batch, limit: 10), [])
        XCTAssertEqual(try store.batch(id: batch).status, .verified)
    }

    func testSeveralResultsAreRecordedTogetherOrNotAtAll() throws {
        let dir = try TempDir()
        let (store, _) = try Fixture.store(in: dir)
        let batch = try store.importList(url: try Fixture.csv(in: dir), name: "ds.csv", importedBy: "o",
                                         referenceDate: Synthetic.referenceDate).id
        try store.recordVerification(batch: batch, row: 2, status: .matched)
        // Row 2 already has another result: the whole set is refused, row 3 stays pending.
        XCTAssertEqual(storeError { try store.recordVerifications(batch: batch, results: [(3, .matched), (2, .notFound)]) }?.code, .conflict)
        XCTAssertEqual(try store.pendingVerifications(batch: batch, limit: 1).map(\.row), [3])
        try store.recordVerifications(batch: batch, results: [(3, .matched), (6, .notFound)])
        XCTAssertFalse(try store.pendingVerifications(batch: batch, limit: 10).map(\.row).contains(3))
        XCTAssertFalse(try store.pendingVerifications(batch: batch, limit: 10).map(\.row).contains(6))
    }

    func testAccountChecksPerPeriodAndPaymentDecisions() throws {
        let dir = try TempDir()
        let (store, _) = try Fixture.store(in: dir)
        let batch = try Self.verifiedBatch(store, dir)
        XCTAssertEqual(storeError { _ = try store.pendingAccountChecks(batch: batch, period: "2026-5", limit: 10) }?.code, .invalidArgument)
        let checks = try store.pendingAccountChecks(batch: batch, period: "2026-05", limit: 10)
        XCTAssertEqual(checks.map(\.row), [2])
        XCTAssertEqual(checks[0].bin, "970436")
        XCTAssertEqual(checks[0].accountNumber, "0071000123456")
        XCTAssertEqual(checks[0].holderName, "Nguyễn Văn An")
        XCTAssertEqual(checks[0].holderPersonalID, Fixture.idA)

        var decisions = Dictionary(uniqueKeysWithValues: try store.paymentDecisions(batch: batch, period: "2026-05").map { ($0.row, $0) })
        XCTAssertEqual(decisions.keys.sorted(), [2, 3, 6, 7])
        XCTAssertEqual(decisions[2]?.decision.status, .awaitingVerification)
        XCTAssertEqual(decisions[3]?.decision.status, .needsAccount)
        XCTAssertEqual(decisions[3]?.bankBIN, "970405")   // the default bank
        XCTAssertEqual(decisions[6]?.decision.status, .needsAccount)   // the assigned number identifies the child
        XCTAssertEqual(decisions[7]?.decision.status, .cashPostOffice)
        XCTAssertEqual(decisions[7]?.decision.reason, .noCapacityWithoutGuardian)

        try store.recordAccountCheck(batch: batch, row: 2, period: "2026-05", result: .verified, registeredName: "NGUYEN VAN AN")
        try store.recordAccountCheck(batch: batch, row: 2, period: "2026-05", result: .verified, registeredName: "NGUYEN VAN AN")
        XCTAssertEqual(try store.pendingAccountChecks(batch: batch, period: "2026-05", limit: 10), [])
        // Another period needs its own check.
        XCTAssertEqual(try store.pendingAccountChecks(batch: batch, period: "2026-06", limit: 10).map(\.row), [2])
        decisions = Dictionary(uniqueKeysWithValues: try store.paymentDecisions(batch: batch, period: "2026-05").map { ($0.row, $0) })
        XCTAssertEqual(decisions[2]?.decision.status, .readyCashless)
        XCTAssertEqual(decisions[2]?.accountCheck, .verified)
        XCTAssertEqual(try store.paymentDecisions(batch: batch, period: "2026-06").first { $0.row == 2 }?.decision.status,
                       .awaitingVerification)
        try store.recordAccountCheck(batch: batch, row: 2, period: "2026-06", result: .nameMismatch, registeredName: "NGUYEN VAN ANH")
        XCTAssertEqual(try store.paymentDecisions(batch: batch, period: "2026-06").first { $0.row == 2 }?.decision.status, .nameMismatch)
        // Not verified rows cannot be checked.
        XCTAssertEqual(storeError { try store.recordAccountCheck(batch: batch, row: 4, period: "2026-05", result: .verified, registeredName: nil) }?.code, .conflict)
    }

    func testAccountOpenings() throws {
        let dir = try TempDir()
        let (store, _) = try Fixture.store(in: dir)
        let batch = try Self.verifiedBatch(store, dir)
        let tasks = try store.pendingOpenings(batch: batch, period: "2026-05")
        XCTAssertEqual(tasks.map(\.row), [3, 6])
        let adult = tasks[0]
        XCTAssertEqual(adult.requestRef, RegistryStore.openingRequestRef(batch: batch, row: 3))
        XCTAssertEqual(adult.requestRef, "asxh-\(batch)-3")
        XCTAssertEqual(adult.bankBIN, "970405")
        XCTAssertEqual(adult.person.fullName, "Trần Thị Hòa Bình")   // the register's values are used
        XCTAssertEqual(adult.person.dateOfBirth?.iso, "1955-01-12")
        XCTAssertEqual(adult.person.personalID, Fixture.idB)
        XCTAssertEqual(adult.category, "bao-tro-xa-hoi")
        let payload = try adult.requestPayload()
        XCTAssertNoThrow(try MessagePayloads.validate(type: "asxh.account-opening-request", payload: payload))
        guard case .object(let root) = payload, case .object(let person)? = root["person"] else { return XCTFail("payload") }
        XCTAssertEqual(person["personalId"], .string(Fixture.idB.digits))
        XCTAssertEqual(root["requestRef"], .string(adult.requestRef))
        XCTAssertEqual(tasks[1].person.personalID, Self.childID)

        try store.recordOpeningSent(batch: batch, row: 3, requestRef: adult.requestRef, messageID: "m-1", bank: "970405", period: "2026-05")
        try store.recordOpeningSent(batch: batch, row: 3, requestRef: adult.requestRef, messageID: "m-1", bank: "970405", period: "2026-05")
        XCTAssertEqual(try store.pendingOpenings(batch: batch, period: "2026-05").map(\.row), [6])
        XCTAssertEqual(storeError { try store.recordOpeningSent(batch: batch, row: 3, requestRef: "other", messageID: "m-2", bank: "970405") }?.code, .conflict)

        try store.recordOpeningResult(requestRef: adult.requestRef, outcome: .acknowledged, accountID: nil, reasonCode: nil,
                                      reason: nil, on: Synthetic.referenceDate)
        XCTAssertEqual(try store.openings(batch: batch).first?.status, .acknowledged)
        try store.recordOpeningResult(requestRef: adult.requestRef, outcome: .opened, accountID: "123456789012",
                                      reasonCode: nil, reason: nil, on: Synthetic.referenceDate)
        // Repeated and older steps change nothing; the other outcome is a conflict.
        try store.recordOpeningResult(requestRef: adult.requestRef, outcome: .opened, accountID: "123456789012",
                                      reasonCode: nil, reason: nil, on: Synthetic.referenceDate)
        try store.recordOpeningResult(requestRef: adult.requestRef, outcome: .acknowledged, accountID: nil, reasonCode: nil,
                                      reason: nil, on: Synthetic.referenceDate)
        XCTAssertEqual(storeError {
            try store.recordOpeningResult(requestRef: adult.requestRef, outcome: .rejected, accountID: nil, reasonCode: "KYCF",
                                          reason: "identity documents could not be checked", on: nil)
        }?.code, .conflict)
        XCTAssertEqual(storeError {
            try store.recordOpeningResult(requestRef: "asxh-unknown-1", outcome: .opened, accountID: "1", reasonCode: nil, reason: nil, on: nil)
        }?.code, .notFound)
        // The opened account is the row's account now: it awaits this period's check.
        let check = try store.pendingAccountChecks(batch: batch, period: "2026-05", limit: 10).first { $0.row == 3 }
        XCTAssertEqual(check?.accountNumber, "123456789012")
        XCTAssertEqual(check?.bin, "970405")
        XCTAssertEqual(try store.paymentDecisions(batch: batch, period: "2026-05").first { $0.row == 3 }?.decision.status, .awaitingVerification)
        try store.recordOpeningResult(requestRef: adult.requestRef, outcome: .cardDelivered, accountID: "123456789012",
                                      reasonCode: nil, reason: nil, on: Synthetic.referenceDate)

        let child = tasks[1]
        try store.recordOpeningSent(batch: batch, row: 6, requestRef: child.requestRef, messageID: "m-3", bank: "970405")
        try store.recordOpeningResult(requestRef: child.requestRef, outcome: .rejected, accountID: nil, reasonCode: "MINR",
                                      reason: "applicant under 15 without an authorised person", on: Synthetic.referenceDate)
        XCTAssertEqual(storeError {
            try store.recordOpeningResult(requestRef: child.requestRef, outcome: .cardDelivered, accountID: "1", reasonCode: nil, reason: nil, on: nil)
        }?.code, .conflict)
        let records = try store.openings(batch: batch)
        XCTAssertEqual(records.map(\.row), [3, 6])
        XCTAssertEqual(records[0].status, .cardDelivered)
        XCTAssertEqual(records[0].accountID, "123456789012")
        XCTAssertEqual(records[0].period, "2026-05")
        XCTAssertEqual(records[1].status, .rejected)
        XCTAssertEqual(records[1].reasonCode, "MINR")
        XCTAssertEqual(try store.pendingOpenings(batch: batch, period: "2026-05"), [])
    }

    func testOpeningPayloadNeedsAFullDateOfBirthAndABank() throws {
        let person = OpeningPerson(fullName: "Phạm Văn Cường", personalID: Fixture.idC, dateOfBirth: nil)
        let task = OpeningTask(requestRef: "asxh-x-1", batch: "x", row: 1, period: "2026-05", bankBIN: "970405",
                               person: person, authorisedPerson: nil, payee: .beneficiary, category: nil)
        XCTAssertEqual(storeError { _ = try task.requestPayload() }?.detail, "payload.person.dateOfBirth: no full date of birth")
        var noBank = task
        noBank.bankBIN = nil
        XCTAssertEqual(storeError { _ = try noBank.requestPayload() }?.code, .invalidArgument)
    }
}
