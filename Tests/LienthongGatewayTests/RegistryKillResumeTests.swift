import Foundation
import LienthongCore
import LienthongRegistryStore
import LienthongSimulators
import Logging
import XCTest

/// `lienthong asxh verify` killed with SIGKILL mid-run and started again: the run finishes with the same results as
/// an uninterrupted run of the same list, and no row whose result was recorded before the kill is called again.
final class RegistryKillResumeTests: XCTestCase {
    func testVerifyKilledMidRunResumesWithoutRepeatingFinishedRows() async throws {
        let executable = try lienthongExecutable()
        let harness = try GatewayHarness()
        try await harness.start()
        defer { Task { await harness.stop() } }
        let dir = harness.dir.appendingPathComponent("kill-resume")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)

        let list = BeneficiaryListGenerator(citizens: harness.register, accounts: harness.accounts, seed: 5)
            .make(rows: 160, defects: [.nfdName, .otherToneMarks, .wrongBirthDay, .unknownID, .yearOnlyBirth, .missingID])
        let file = dir.appendingPathComponent("danh-sach.csv")
        try list.write(csv: file)
        func importList(_ name: String) throws -> (path: String, batch: String) {
            let path = dir.appendingPathComponent(name).path
            let store = try RegistryStore(path: path, defaultBankBIN: "970418")
            let batch = try store.importList(url: file, name: "danh-sach.csv", importedBy: "canbo-01", referenceDate: SyntheticPopulation.referenceDate)
            return (path, batch.id)
        }
        let killed = try importList("killed.sqlite")
        let reference = try importList("reference.sqlite")

        func verify(_ target: (path: String, batch: String), user: String) throws -> Process {
            let process = Process()
            process.executableURL = executable
            process.arguments = [
                "asxh", "verify", target.batch, "--registry", target.path, "--gateway", "https://127.0.0.1:\(harness.endpoints.partnerPort)",
                "--certs", harness.certs.path, "--user", user, "--concurrency", "2",
            ]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        func calls(by user: String) throws -> Int {
            try harness.auditRecords().filter { $0.target == "population.verify-citizen" && $0.user == user && $0.status == 200 }.count
        }
        func results(_ path: String, _ batch: String) throws -> (done: Int, total: Int, byStatus: [String: Int]) {
            let p = try RegistryStore(path: path).verificationProgress(batch: batch)
            return (p.done, p.total, p.byStatus)
        }

        // Slow the register down so the run is still going when it is killed (two pages of results recorded).
        harness.faults.setLatency(.milliseconds(25))
        let first = try verify(killed, user: "canbo-kill")
        let deadline = ContinuousClock.now + .seconds(60)
        while try calls(by: "canbo-kill") < 70, ContinuousClock.now < deadline, first.isRunning {
            try await Task.sleep(for: .milliseconds(20))
        }
        XCTAssertTrue(first.isRunning, "the run was still going when killed")
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        XCTAssertEqual(first.terminationReason, .uncaughtSignal)
        try await Task.sleep(for: .milliseconds(300))   // calls in flight at the kill reach the audit log
        let callsBeforeKill = try calls(by: "canbo-kill")
        let recordedBeforeKill = try results(killed.path, killed.batch).done
        XCTAssertGreaterThan(recordedBeforeKill, 0, "results were recorded before the kill")
        XCTAssertLessThan(recordedBeforeKill, try results(killed.path, killed.batch).total, "the kill came mid-run")

        harness.faults.setLatency(.zero)
        let second = try verify(killed, user: "canbo-kill")
        second.waitUntilExit()
        XCTAssertEqual(second.terminationStatus, 0)
        let resumed = try results(killed.path, killed.batch)
        XCTAssertEqual(resumed.done, resumed.total)
        // Only rows without a recorded result were called again.
        XCTAssertEqual(try calls(by: "canbo-kill"), callsBeforeKill + (resumed.total - recordedBeforeKill),
                       "no repeated calls for rows finished before the kill")

        let uninterrupted = try verify(reference, user: "canbo-ref")
        uninterrupted.waitUntilExit()
        XCTAssertEqual(uninterrupted.terminationStatus, 0)
        let expected = try results(reference.path, reference.batch)
        XCTAssertEqual(resumed.byStatus, expected.byStatus, "the same results as an uninterrupted run")
        XCTAssertEqual(expected.byStatus["not_found"], 1)
        XCTAssertEqual(expected.byStatus["mismatch"], 1)
    }
}
