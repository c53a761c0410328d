import Foundation

/// Runs `python3` (found on `PATH`) for the cross-checks against independent Python implementations.
enum Python {
    /// A python3 run that exited non-zero, with what it wrote.
    struct Failure: Error, CustomStringConvertible {
        /// The exit status.
        var status: Int32
        /// What the script wrote to standard output.
        var stdout: String
        /// What the script wrote to standard error.
        var stderr: String
        var description: String { "python3 exited with \(status): \(stdout) \(stderr)" }
    }

    /// Runs `script` (as `python3 -c script arguments…`), feeding it `stdin` when given, and returns its standard
    /// output; throws when python3 cannot start or exits non-zero.
    static func run(_ script: String, arguments: [String] = [], stdin: Data? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        // Standard input comes from a temporary file, not a pipe: no deadlock on large input, and no SIGPIPE
        // when the script exits without reading it.
        var inputFile: URL?
        defer { if let inputFile { try? FileManager.default.removeItem(at: inputFile) } }
        if let stdin {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("lienthong-python-stdin-\(UUID().uuidString)")
            try stdin.write(to: file)
            inputFile = file
            process.standardInput = try FileHandle(forReadingFrom: file)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
        let out = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let err = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(status: process.terminationStatus, stdout: out, stderr: err)
        }
        return out
    }

    /// Whether python3 runs and can import every one of `modules`.
    static func canImport(_ modules: String...) -> Bool {
        (try? run("import " + modules.joined(separator: ", "))) != nil
    }
}
