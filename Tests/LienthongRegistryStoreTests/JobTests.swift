import Foundation
import LienthongRegistryStore
import XCTest

/// Registry jobs are kept in the database: they outlive the process, and a job left running by a process that
/// stopped is found interrupted at the next start.
final class JobTests: XCTestCase {
    func testJobsSurviveReopeningAndRunningOnesBecomeInterrupted() throws {
        let dir = try TempDir()
        let path = dir.file("registry.sqlite").path
        let started = Date(timeIntervalSince1970: 1_790_000_000)
        let progress = VerificationProgress(batch: "b1", total: 10, done: 4, byStatus: ["matched": 4], returnedToCommune: 1)
        do {
            let store = try RegistryStore(path: path)
            var done = RegistryJob(id: "a", kind: "accounts", batch: "b1", period: "2026-12", state: .running, startedAt: started)
            try store.saveJob(done)
            done.state = .done
            done.processed = 7
            done.finishedAt = started.addingTimeInterval(5)
            try store.saveJob(done)
            try store.saveJob(RegistryJob(
                id: "b", kind: "verify", batch: "b1", period: nil, state: .running, startedAt: started.addingTimeInterval(10),
                progress: progress))
        }

        let reopened = try RegistryStore(path: path)
        XCTAssertEqual(try reopened.jobs().map(\.id), ["b", "a"], "newest first")
        XCTAssertEqual(try reopened.job(id: "a")?.processed, 7)
        XCTAssertEqual(try reopened.job(id: "a")?.state, .done)
        XCTAssertNil(try reopened.job(id: "missing"))

        let now = started.addingTimeInterval(60)
        XCTAssertEqual(try reopened.interruptRunningJobs(cause: "restart", at: now), 1)
        let interrupted = try XCTUnwrap(try reopened.job(id: "b"))
        XCTAssertEqual(interrupted.state, .interrupted)
        XCTAssertEqual(interrupted.cause, "restart")
        XCTAssertEqual(interrupted.finishedAt, now)
        XCTAssertEqual(interrupted.progress, progress, "the progress reached before the stop is kept")
        XCTAssertEqual(try reopened.job(id: "a")?.state, .done, "finished jobs are left alone")
        XCTAssertEqual(try reopened.interruptRunningJobs(cause: "restart"), 0)
    }
}
