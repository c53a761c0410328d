import Foundation
import Hummingbird
import LienthongCore

/// Spreadsheet uploads (registry lists, labour surveys): checked (media type, declared size, file name) and streamed
/// to a file under the data directory, never held in memory whole.
enum Uploads {
    /// `text/csv`.
    static let csvType = "text/csv"
    /// The XLSX media type.
    static let xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    /// An upload stored in a file.
    struct Received {
        /// The stored body (the caller removes it).
        var file: URL
        /// The file's name as the officer knows it (`?name=`, default `upload.<ext>`), used in errors and reports.
        var name: String
    }

    /// Checks `request` and streams its body into `directory`: `415` unless CSV or XLSX, `413` (naming `setting`)
    /// past `limit` bytes, `400` for a `name` that is not a plain file name.
    static func receive(_ request: Request, into directory: URL, limit: Int, setting: String) async throws -> Received {
        let media = (request.headers[.contentType] ?? "").split(separator: ";").first
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        let fileExtension: String
        switch media {
        case csvType: fileExtension = "csv"
        case xlsxType: fileExtension = "xlsx"
        default: throw GatewayProblem(.unsupportedMediaType, detail: "body must be text/csv or an XLSX workbook (\(xlsxType))")
        }
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw GatewayProblem(.payloadTooLarge, detail: "the upload exceeds \(setting)")
        }
        let name = try fileName(request, fileExtension: fileExtension)
        let file = directory.appendingPathComponent("\(UUID().uuidString.lowercased()).\(fileExtension)")
        do {
            try await stream(request.body, to: file, limit: limit, setting: setting)
        } catch {
            try? FileManager.default.removeItem(at: file)
            throw error
        }
        return Received(file: file, name: name)
    }

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

    /// `?name=`: a base name only, at most 255 characters; `upload.<ext>` when absent.
    static func fileName(_ request: Request, fileExtension: String) throws -> String {
        guard let given = request.uri.queryParameters.get("name").map({ String($0) }), !given.isEmpty else {
            return "upload.\(fileExtension)"
        }
        guard given.count <= 255, !given.contains("/"), !given.contains("\\"), !given.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
            throw GatewayProblem(.badRequest, detail: "name must be a file name of at most 255 characters")
        }
        return given
    }
}
