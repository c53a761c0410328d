// libFuzzer target: the XLSX reader. Two kinds of input, chosen by the first byte:
// - `Z…`: the rest is the file itself (a ZIP), as an officer's upload would be;
// - anything else: the input is split at form feeds (U+000C, never in XML) into the parts `xl/worksheets/sheet1.xml`,
//   `xl/sharedStrings.xml`, `xl/styles.xml`, `xl/workbook.xml`, `xl/_rels/workbook.xml.rels`, which are zipped
//   (stored, or deflated when the first byte is odd) so the mutations reach the XML tokenizer and the sheet reader.
// `LLVMFuzzerInitialize` writes seed workbooks made by `XLSXWriter` into `$LIENTHONG_FUZZ_XLSX_SEEDS` when set.
import FuzzDriver
import Foundation
import LienthongCore
import LienthongTabular
import ZIPFoundation

/// Traps (so libFuzzer saves the input) when `condition` is false.
func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("invariant violated: \(message())") }
}

/// One file per process, rewritten for every input.
let inputURL = FileManager.default.temporaryDirectory
    .appendingPathComponent("lienthong-fuzz-xlsx-\(ProcessInfo.processInfo.processIdentifier).xlsx")

/// Small limits, so the limit paths are reached by small inputs.
let options: TabularOptions = {
    var options = TabularOptions()
    options.maxFieldBytes = 256
    options.maxRowBytes = 2048
    options.maxColumns = 32
    options.maxRows = 200
    options.maxTotalUncompressedBytes = 1 << 20
    options.maxEntryUncompressedBytes = 1 << 19
    options.maxSharedStringsBytes = 1 << 18
    options.maxMetadataBytes = 1 << 16
    options.ratioThresholdBytes = 4096
    options.chunkSize = 512
    return options
}()

/// The part names the structured input fills, in order.
let partNames = [
    "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/styles.xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
]

/// The separator of the structured input's parts: a form feed, which XML 1.0 does not allow, so seeds stay text.
let formFeed: UInt8 = 0x0C

/// One input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    let file: Data
    if let first = input.first, first == UInt8(ascii: "Z") {
        file = Data(input.dropFirst())
    } else {
        guard let zipped = zipParts(input) else { return 0 }
        file = zipped
    }
    do {
        try file.write(to: inputURL)
    } catch {
        fatalError("cannot write the fuzz input file: \(error)")
    }
    read()
    return 0
}

/// Zips the form-feed-separated parts of `input` (after its first byte).
func zipParts(_ input: UnsafeBufferPointer<UInt8>) -> Data? {
    guard let first = input.first else { return nil }
    let method: CompressionMethod = first & 1 == 1 ? .deflate : .none
    let parts = input.dropFirst().split(separator: formFeed, maxSplits: partNames.count - 1, omittingEmptySubsequences: false)
    do {
        let archive = try Archive(data: Data(), accessMode: .create)
        for (name, part) in zip(partNames, parts) where !part.isEmpty {
            let bytes = Data(part)
            try archive.addEntry(
                with: name, type: .file, uncompressedSize: Int64(bytes.count), compressionMethod: method,
                provider: { position, size in bytes.subdata(in: Int(position)..<Int(position) + size) })
        }
        return archive.data
    } catch {
        fatalError("cannot zip the fuzz input: \(error)")
    }
}

/// Reads the file to the end and checks the reader's bookkeeping.
func read() {
    let reader: TabularReader
    do {
        reader = try TabularReader(url: inputURL, name: "input.xlsx", options: options)
    } catch {
        check(!error.reason.isEmpty, "error without a reason")
        return
    }
    defer { reader.close() }
    check(reader.format == .xlsx, "an .xlsx file read as \(reader.format)")
    check(reader.headerRow >= 1, "header row number below 1")
    var last = reader.headerRow
    var rows = 0
    do {
        while let row = try reader.next() {
            check(row.number > last, "row numbers not increasing")
            check(row.cells.count <= options.maxColumns, "more cells than maxColumns")
            for cell in row.cells { _ = TabularDate.parse(cell, system: reader.dateSystem) }
            last = row.number
            rows += 1
            check(rows <= options.maxRows, "more rows than maxRows")
        }
    } catch {
        check(!error.reason.isEmpty, "error without a reason")
    }
}

/// Writes seed workbooks made by `XLSXWriter` into `$LIENTHONG_FUZZ_XLSX_SEEDS` (raw-ZIP inputs, prefixed `Z`),
/// plus their parts as a structured input. libFuzzer calls this before it reads
/// the corpus directories.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    guard let directory = ProcessInfo.processInfo.environment["LIENTHONG_FUZZ_XLSX_SEEDS"] else { return 0 }
    let folder = URL(fileURLWithPath: directory, isDirectory: true)
    do {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let book = folder.appendingPathComponent("seed-book.xlsx")
        let writer = try XLSXWriter(url: book, headers: ["Họ và tên", "Số định danh", "Ngày sinh", "Số tiền", "Ghi chú"])
        try writer.append([.text("Nguyễn Thị Hoà"), .text("001090000001"), .date(try CalendarDate(iso: "1990-02-28")), .integer(500_000), .empty])
        try writer.append([.text("Trần Văn An"), .text("079085000123"), .date(try CalendarDate(iso: "1985-12-31")), .number("-3.5"), "a, \"b\" <c> & d"])
        try writer.append([.text(""), .empty, .empty, .number("1.2E3"), .text("=SUM(A1)")])
        try writer.finish()
        let zipped = try Data(contentsOf: book)
        try (Data("Z".utf8) + zipped).write(to: folder.appendingPathComponent("seed-raw-zip"))
        try FileManager.default.removeItem(at: book)

        // The same workbook's parts as a structured (form-feed-separated) input.
        let archive = try Archive(data: zipped, accessMode: .read)
        var structured = Data([UInt8(ascii: "0")])
        for (i, name) in partNames.enumerated() {
            if i > 0 { structured.append(formFeed) }
            guard let entry = archive[name] else { continue }
            _ = try archive.extract(entry, consumer: { structured.append($0) })
        }
        try structured.write(to: folder.appendingPathComponent("seed-parts"))
    } catch {
        fatalError("cannot write the XLSX seeds: \(error)")
    }
    return 0
}

/// The process entry point: SwiftPM renames `main` to `FuzzXLSX_main`, so hand over to libFuzzer's driver here.
@_cdecl("FuzzXLSX_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        guard let data else {
            var none: UInt8 = 0
            return withUnsafePointer(to: &none) { fuzz($0, 0) }
        }
        return fuzz(data, size)
    }
}
