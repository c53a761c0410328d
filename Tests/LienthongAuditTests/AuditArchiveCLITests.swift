import Crypto
import Foundation
import XCTest

@testable import LienthongAudit

/// `lienthong audit archive | verify | backup | restore` as an operator runs them (the executable built next to the
/// tests), on a database filled through the store.
final class AuditArchiveCLITests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("audit-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("data"), withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// The example configuration with both listeners on port 0 (never "running") and `data_dir` in the temp folder.
    private func writeConfiguration() throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var text = try String(contentsOf: root.appendingPathComponent("lienthong.example.toml"), encoding: .utf8)
        text = text.replacingOccurrences(of: "0.0.0.0:8443", with: "127.0.0.1:0")
            .replacingOccurrences(of: "127.0.0.1:9090", with: "127.0.0.1:0")
        let path = directory.appendingPathComponent("lienthong.toml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func lienthongExecutable() throws -> URL {
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let bundle = Bundle(for: AuditArchiveCLITests.self).bundleURL
        let candidates = [runner, bundle, bundle.deletingLastPathComponent()].map { $0.appendingPathComponent("lienthong") }
        guard let candidate = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw XCTSkip("the lienthong executable is not built next to the tests (\(candidates[0].path)); run `swift build` first")
        }
        return candidate
    }

    private func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = try lienthongExecutable()
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func testArchiveVerifyBackupRestoreFromTheCommandLine() async throws {
        let config = try writeConfiguration()
        let data = directory.appendingPathComponent("data")
        let keys = try AuditKeys.generate(
            subjectKeyFile: data.appendingPathComponent("audit-subject.key").path,
            signingKeyFile: data.appendingPathComponent("audit-signing-key.pem").path)
        do {
            let store = try SQLiteAuditStore(path: data.appendingPathComponent("lienthong.sqlite").path, keys: keys, checkpointEvery: 50)
            _ = try await store.appendBatch((0..<120).map {
                AuditEvent(actor: "gov.labour.dongnai", action: "service.call", target: "population.lookup", ref: "req-\($0)", outcome: .ok, status: 200)
            })
        }

        let archived = try run(["audit", "archive", "--config", config, "--before-seq", "110", "--user", "op-cli"])
        XCTAssertEqual(archived.status, 0, archived.output)
        XCTAssertTrue(archived.output.contains("archived seq 1-100"), archived.output)
        let verified = try run(["audit", "verify", "--config", config])
        XCTAssertEqual(verified.status, 0, verified.output)
        XCTAssertTrue(verified.output.hasPrefix("intact: 121 records, 1 segments"), verified.output)

        let backupFile = directory.appendingPathComponent("backup.sqlite").path
        let backup = try run(["audit", "backup", "--config", config, "--out", backupFile])
        XCTAssertEqual(backup.status, 0, backup.output)
        let restored = try run(["audit", "restore", "--config", config, "--from", backupFile])
        XCTAssertEqual(restored.status, 0, restored.output)
        let after = try run(["audit", "verify", "--config", config])
        XCTAssertEqual(after.status, 0, after.output)
        XCTAssertTrue(after.output.hasPrefix("intact: 122 records, 1 segments"), "120 + audit.archive + audit.restore: \(after.output)")

        // One changed byte in the segment: exit 1, naming the segment.
        let segment = data.appendingPathComponent("audit-archive/segment-1-100.jsonl")
        var bytes = try Data(contentsOf: segment)
        let range = try XCTUnwrap(bytes.range(of: Data(#""ref":"req-7""#.utf8)))
        bytes[range.upperBound - 2] = UInt8(ascii: "8")
        try bytes.write(to: segment)
        let tampered = try run(["audit", "verify", "--config", config])
        XCTAssertEqual(tampered.status, 1, tampered.output)
        XCTAssertTrue(tampered.output.contains("segment segment-1-100.jsonl: first bad seq 8"), tampered.output)
        let liveOnly = try run(["audit", "verify", "--config", config, "--live-only"])
        XCTAssertEqual(liveOnly.status, 0, liveOnly.output)
    }
}
