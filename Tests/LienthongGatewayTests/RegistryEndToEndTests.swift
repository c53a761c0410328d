import Foundation
import LienthongAudit
import LienthongClient
import LienthongCore
import LienthongGateway
import LienthongRegistry
import LienthongRegistryService
import LienthongRegistryStore
import LienthongSimulators
import Logging
import XCTest

/// The registry as a member system through the real gateway (SPEC §6): a generated list imported, verified against
/// the population simulator (resumed after an upstream outage without repeating finished rows), accounts verified
/// through NAPAS, accounts opened at the pull bank whose back office answers, reports written.
final class RegistryEndToEndTests: XCTestCase {
    func testListToVerifiedPayeesThroughTheGateway() async throws {
        let harness = try GatewayHarness()
        try await harness.start()
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let dir = harness.dir.appendingPathComponent("registry")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)

        // A commune's list with the plan's problems (no child without a number: the harness does not grant
        // population.request-personal-id).
        let defects: [BeneficiaryListGenerator.Defect] = [.nfdName, .otherToneMarks, .wrongBirthYear, .wrongBirthDay, .missingID, .duplicate, .unknownID, .yearOnlyBirth]
        let list = BeneficiaryListGenerator(citizens: harness.register, accounts: harness.accounts, seed: 3).make(rows: 40, defects: defects)
        let file = dir.appendingPathComponent("danh-sach-xa.xlsx")
        try list.write(xlsx: file)
        let store = try RegistryStore(path: dir.appendingPathComponent("registry.sqlite").path, defaultBankBIN: "970418")
        let batch = try store.importList(url: file, name: "danh-sach-xa.xlsx", importedBy: "canbo-01", referenceDate: SyntheticPopulation.referenceDate)
        XCTAssertEqual(batch.counts.total, 40)
        XCTAssertEqual(batch.counts.returnedToCommune, 3, "wrong birth year, missing id, duplicate")

        let labour = try harness.client("gov.labour.dongnai")
        let runs = RegistryRuns(store: store, gateway: RegistryGateway(client: labour, user: "canbo-01"), logger: logger)

        // An upstream outage interrupts the run; it resumes without calling again for finished rows.
        harness.faults.setErrorRate(0.3)
        var interruptions = 0
        var progress = try store.verificationProgress(batch: batch.id)
        while progress.pending > 0 {
            do {
                progress = try await runs.verify(batch: batch.id, concurrency: 4)
            } catch is RegistryRuns.Interrupted {
                interruptions += 1
                progress = try store.verificationProgress(batch: batch.id)
                if interruptions > 20 { harness.faults.setErrorRate(0) }
            }
        }
        harness.faults.setErrorRate(0)
        XCTAssertGreaterThan(interruptions, 0, "the outage interrupted the run at least once")
        XCTAssertEqual(progress.done, progress.total)
        let successfulCalls = try harness.auditRecords().filter { $0.target == "population.verify-citizen" && $0.status == 200 }.count
        XCTAssertEqual(successfulCalls, progress.total, "each row verified exactly once: no repeated calls for finished rows")
        XCTAssertEqual(progress.byStatus["not_found"], 1, "the unknown number")
        XCTAssertEqual(progress.byStatus["mismatch"], 1, "the wrong day of birth")
        XCTAssertEqual(progress.byStatus["matched"], progress.total - 2, "NFD, other tone marks and a year-only birth date match")
        for (fileRow, defect) in list.defects where defect == .yearOnlyBirth {
            let row = try store.row(batch: batch.id, row: fileRow)
            XCTAssertEqual(row.verification?.code, "matched", "a year alone is compared on the year")
        }
        for (fileRow, defect) in list.defects where defect == .wrongBirthDay {
            let row = try store.row(batch: batch.id, row: fileRow)
            XCTAssertEqual(row.verification?.code, "mismatch")
        }

        // Accounts for the period, then openings for those who need one, answered by the pull bank's back office.
        let period = "2026-12"
        let checked = try await runs.verifyAccounts(batch: batch.id, period: period)
        XCTAssertGreaterThan(checked, 0)
        let decisions = try store.paymentDecisions(batch: batch.id, period: period)
        XCTAssertTrue(decisions.contains { $0.decision.status == .readyCashless }, "some payees are ready for cashless payment")
        let sent = try await runs.openAccounts(batch: batch.id, period: period)
        XCTAssertGreaterThan(sent, 0)
        let again = try await runs.openAccounts(batch: batch.id, period: period)
        XCTAssertEqual(again, 0, "a second run sends nothing again")

        var configuration = try BankSimulator.Configuration.examplePKI(
            bin: "970418", gatewayURL: "https://127.0.0.1:\(harness.endpoints.partnerPort)", certificateDirectory: harness.certs.path)
        configuration.kycFailureShare = 0
        configuration.decisionDelay = .milliseconds(50)
        configuration.cardDeliveryDelay = .milliseconds(50)
        let desk = BankDesk(configuration: configuration, logger: logger)
        let office = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await desk.run() }
                group.addTask { try await BankInboxPoller(desk: desk, logger: logger).run() }
                try await group.waitForAll()
            }
        }
        defer { office.cancel() }
        let atPullBank = try store.openings(batch: batch.id).filter { $0.bankBIN == "970418" }.count
        let deadline = ContinuousClock.now + .seconds(30)
        var final = 0
        while ContinuousClock.now < deadline {
            try await runs.collectOpeningResults()
            final = try store.openings(batch: batch.id).filter { $0.bankBIN == "970418" && [.cardDelivered, .rejected].contains($0.status) }.count
            if final == atPullBank { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        XCTAssertGreaterThan(atPullBank, 0)
        XCTAssertEqual(final, atPullBank, "every request at the pull bank reached its final state")

        // Reports, in CSV and XLSX.
        let reports = dir.appendingPathComponent("reports")
        try FileManager.default.createDirectory(at: reports, withIntermediateDirectories: true)
        let discrepancies = try store.writeDiscrepancyReport(batch: batch.id, to: reports)
        _ = try store.writeCashList(batch: batch.id, period: period, to: reports)
        _ = try store.writeMonthlyReport(batch: batch.id, period: period, to: reports)
        _ = try store.writeBankLists(batch: batch.id, period: period, to: reports)
        XCTAssertGreaterThanOrEqual(try store.discrepancyReport(batch: batch.id).lines.count, 5, "returned rows, mismatch, not found")
        XCTAssertTrue(FileManager.default.fileExists(atPath: discrepancies.xlsx.path))
        XCTAssertTrue(try harness.sqliteAudit.verify(publicKey: Gateway.auditKeys(harness.configuration.audit).signingKey.publicKey).isIntact)
        try await labour.shutdown()
        await harness.stop()
    }
}
