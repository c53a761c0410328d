public import Foundation

/// Writes a CSV file the way Excel opens it correctly in Vietnamese: UTF-8 with a BOM, CRLF line ends, fields
/// quoted when they hold the delimiter, a quote, a line break, or leading/trailing spaces.
///
/// Rows are streamed to a temporary file next to the destination, which ``finish()`` renames into place: the
/// destination never holds a half-written file.
public final class CSVWriter {
    /// The destination.
    public let url: URL
    private let delimiter: UInt8
    private let columns: Int
    private var output: OutputFile?
    private var finished = false

    /// Creates the writer and writes the header row.
    ///
    /// - Parameters:
    ///   - url: the destination (replaced by ``finish()``).
    ///   - headers: the header row.
    ///   - delimiter: `,` (default), `;` or TAB.
    ///   - byteOrderMark: whether to start with the UTF-8 BOM (default `true`, for Excel).
    public init(url: URL, headers: [String], delimiter: Character = ",", byteOrderMark: Bool = true) throws(TabularError) {
        guard let ascii = delimiter.asciiValue, [UInt8(ascii: ","), UInt8(ascii: ";"), 0x09].contains(ascii) else {
            throw TabularError(.malformed, file: url.lastPathComponent, reason: "the delimiter must be a comma, a semicolon or a TAB")
        }
        self.url = url
        self.delimiter = ascii
        self.columns = headers.count
        guard let output = OutputFile(path: OutputFile.sibling(of: url, suffix: "partial")) else {
            throw TabularError(.unreadable, file: url.lastPathComponent, reason: "the file cannot be created")
        }
        self.output = output
        if byteOrderMark { _ = output.write(bytes: [0xEF, 0xBB, 0xBF]) }
        try append(headers)
    }

    deinit { abandon() }

    /// Appends a row (NFC-normalised).
    public func append(_ fields: [String]) throws(TabularError) {
        guard let output, !finished else {
            throw TabularError(.malformed, file: url.lastPathComponent, reason: "the writer is already finished")
        }
        var line: [UInt8] = []
        for (index, field) in fields.enumerated() {
            if index > 0 { line.append(delimiter) }
            let text = TextNormalization.nfc(field)
            let bytes = Array(text.utf8)
            let needsQuotes = bytes.contains { $0 == delimiter || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }
                || bytes.first == 0x20 || bytes.last == 0x20 || bytes.first == 0x09 || bytes.last == 0x09
            if needsQuotes {
                line.append(UInt8(ascii: "\""))
                for b in bytes {
                    if b == UInt8(ascii: "\"") { line.append(b) }
                    line.append(b)
                }
                line.append(UInt8(ascii: "\""))
            } else {
                line.append(contentsOf: bytes)
            }
        }
        line.append(contentsOf: [0x0D, 0x0A])
        guard output.write(bytes: line) else {
            throw TabularError(.unreadable, file: url.lastPathComponent, reason: "the file cannot be written")
        }
    }

    /// Completes the file and moves it into place.
    public func finish() throws(TabularError) {
        guard let output, !finished else { return }
        finished = true
        self.output = nil
        guard output.close(), rename(output.path, url.path) == 0 else {
            unlink(output.path)
            throw TabularError(.unreadable, file: url.lastPathComponent, reason: "the file cannot be written")
        }
    }

    /// Drops the partial file (also done when the writer is released unfinished).
    public func abandon() {
        guard let output else { return }
        _ = output.close()
        unlink(output.path)
        self.output = nil
        finished = true
    }
}
