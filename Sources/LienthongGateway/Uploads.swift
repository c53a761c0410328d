import Foundation
import Hummingbird
import LienthongCore

/// Spreadsheet uploads (registry lists, labour surveys): streamed to a file under the data directory, never held
/// in memory whole.
enum Uploads {
    /// Streams `body` to `file`, refusing it (`413`, naming `setting`) past `limit` bytes.
    static func stream(_ body: RequestBody, to file: URL, limit: Int, setting: String) async throws {
        guard FileManager.default.createFile(atPath: file.path, contents: nil) else {
            throw GatewayProblem(.internal, detail: "cannot store the upload")
        }
        let handle = try FileHandle(forWritingTo: file)
        defer { try? handle.close() }
        var written = 0
        for try await buffer in body {
            written += buffer.readableBytes
            guard written <= limit else { throw GatewayProblem(.payloadTooLarge, detail: "the upload exceeds \(setting)") }
            try handle.write(contentsOf: Data(buffer.readableBytesView))
        }
    }
}
