import Foundation
import LienthongConsole
import XCTest

/// Runs scripts/console-screenshots.sh on the rendered pages (saved as files) when Chromium is installed;
/// without Chromium, checks that the script says so and exits 77.
final class ConsoleScreenshotScriptTests: XCTestCase {
    private var script: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/console-screenshots.sh")
    }

    func testScreenshotScriptCapturesEveryPage() throws {
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: script.path), script.path)
        // LIENTHONG_CONSOLE_SHOTS=<folder> keeps the pages and screenshots there (to look at them); otherwise a
        // temporary folder is used and removed.
        let kept = ProcessInfo.processInfo.environment["LIENTHONG_CONSOLE_SHOTS"].map { URL(fileURLWithPath: $0) }
        let work = kept ?? FileManager.default.temporaryDirectory.appendingPathComponent("console-shots-\(UUID().uuidString)")
        let pages = work.appendingPathComponent("pages")
        let shots = work.appendingPathComponent("shots")
        try FileManager.default.createDirectory(at: pages, withIntermediateDirectories: true)
        defer { if kept == nil { try? FileManager.default.removeItem(at: work) } }

        var files = ConsoleFixtures.pages(.vi)
        files.append(("labor-en", ConsoleRenderer.renderLabor(ConsoleFixtures.labor, language: .en)))
        for (name, html) in files {
            try Data(html.utf8).write(to: pages.appendingPathComponent("\(name).html"))
        }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["bash", script.path, "--from-dir", pages.path, shots.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()

        if process.terminationStatus == 77 {
            XCTAssertTrue(text.contains("chromium not installed; install with: apt-get install chromium"), text)
            throw XCTSkip("Chromium is not installed (scripts/console-screenshots.sh --install installs it)")
        }
        XCTAssertEqual(process.terminationStatus, 0, text)
        for (name, _) in files {
            let png = shots.appendingPathComponent("console-\(name).png")
            let data = try Data(contentsOf: png)
            XCTAssertGreaterThan(data.count, 1_000, name)
            XCTAssertEqual(Array(data.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "\(name) is a PNG")
        }
    }
}
