// libFuzzer target: the streaming CSV reader. The input is written to a temporary `.csv` file (the reader works on
// files) and read to the end through `TabularReader`, format detected as in production. Errors are fine; crashes,
// hangs and broken row bookkeeping are not.
import FuzzDriver
import Foundation
import LienthongTabular

/// Traps (so libFuzzer saves the input) when `condition` is false.
func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("invariant violated: \(message())") }
}

/// One file per process, rewritten for every input.
let inputURL = FileManager.default.temporaryDirectory
    .appendingPathComponent("lienthong-fuzz-csv-\(ProcessInfo.processInfo.processIdentifier).csv")

/// Small limits, so the limit paths are reached by small inputs.
let options: TabularOptions = {
    var options = TabularOptions()
    options.maxFieldBytes = 256
    options.maxRowBytes = 1024
    options.maxColumns = 32
    options.maxRows = 200
    options.chunkSize = 64
    return options
}()

/// One input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    do {
        try Data(bytes: data, count: size).write(to: inputURL)
    } catch {
        fatalError("cannot write the fuzz input file: \(error)")
    }
    // Once with the production limits, once with small ones.
    read(options: TabularOptions())
    read(options: options)
    return 0
}

/// Reads the file to the end and checks the reader's bookkeeping.
func read(options: TabularOptions) {
    let reader: TabularReader
    do {
        reader = try TabularReader(url: inputURL, name: "input.csv", options: options)
    } catch {
        check(!error.reason.isEmpty, "error without a reason")
        return
    }
    defer { reader.close() }
    check(reader.headerRow >= 1, "header row number below 1")
    check(reader.headers.count <= options.maxColumns, "more headers than maxColumns")
    var last = reader.headerRow
    var rows = 0
    do {
        while let row = try reader.next() {
            check(row.number > last, "row numbers not increasing")
            check(row.cells.count <= options.maxColumns, "more cells than maxColumns")
            for cell in row.cells { check(cell.text.utf8.count <= options.maxFieldBytes, "cell longer than maxFieldBytes") }
            last = row.number
            rows += 1
            check(rows <= options.maxRows, "more rows than maxRows")
        }
    } catch {
        check(!error.reason.isEmpty, "error without a reason")
    }
}

/// The process entry point: SwiftPM renames `main` to `FuzzCSV_main`, so hand over to libFuzzer's driver here.
@_cdecl("FuzzCSV_main")
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
