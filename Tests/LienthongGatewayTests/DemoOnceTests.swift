import Foundation
import XCTest

/// `lienthong demo --once` as CI and the security suites run it, in a process of its own: every step holds, and a
/// shutdown that passes its deadline names what it still waits for and exits with the scenario's status instead of
/// hanging (a deadline of 0 s makes the watchdog fire while the gateway and the simulators are stopping).
final class DemoOnceTests: XCTestCase {
    func testAShutdownPastItsDeadlineNamesWhatStillRunsAndExitsWithTheScenariosStatus() throws {
        let binary = try lienthongExecutable()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lienthong-demo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try runProcess(binary.path, [
            "demo", "--once", "--dir", folder.path, "--citizens", "300", "--shutdown-deadline", "0",
        ])
        XCTAssertEqual(run.status, 0, "stdout tail: \(run.stdout.suffix(1500))\nstderr: \(run.stderr.suffix(1500))")
        XCTAssertTrue(run.stdout.contains("steps held."), run.stdout.suffix(500).description)
        let line = try XCTUnwrap(
            run.stderr.split(separator: "\n").first { $0.hasPrefix("demo: shutdown did not finish within") },
            "no shutdown report on stderr: \(run.stderr.suffix(1500))")
        XCTAssertTrue(line.contains("still running: "), String(line))
        XCTAssertTrue(line.hasSuffix("exiting with the scenario's status 0"), String(line))
        XCTAssertTrue(line.contains("gateway") || line.contains("simulator"), "names the gateway's or the simulators' parts: \(line)")
    }

    func testANegativeDeadlineIsRefused() throws {
        let run = try runProcess(try lienthongExecutable().path, ["demo", "--once", "--shutdown-deadline=-1"])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("--shutdown-deadline must be 0 or more seconds"), run.stderr)
    }
}
