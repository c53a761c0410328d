public import Foundation
import GRDB
public import LienthongCore
public import LienthongLabor
import LienthongRegistry
public import LienthongTabular

extension LaborStore {
    /// Imports a commune's labour-supply survey list (CSV or XLSX), atomically.
    ///
    /// The file is streamed row by row and each row is stored as it is read, inside ONE write transaction, so a
    /// file of a million rows needs no more memory than a few rows (the distinct people are counted in a temporary
    /// table, not in memory). Headers are matched by ``SurveyHeader/map(_:)`` (Vietnamese with or without
    /// diacritics, or English, in any order); rows are read by ``SurveyHeader/record(row:cells:defaultAsOf:)``
    /// (source ``WorkerRecordSource/survey``) and stored like ``upsert(_:)`` stores records.
    ///
    /// All or nothing: the first unreadable file structure, header problem or bad row stops the import, the
    /// transaction is rolled back and nothing of the file is stored.
    ///
    /// - Parameters:
    ///   - url: the file.
    ///   - name: the file's name as the officer knows it (used in errors and the summary).
    ///   - defaultAsOf: the as-of date of rows without a ``SurveyColumn/asOf`` value (usually the survey's date).
    ///   - options: the reader's limits (a million-row XLSX needs a larger
    ///     ``TabularOptions/maxEntryUncompressedBytes`` than the default).
    ///   - progress: called with the number of rows read so far (every 10,000 rows and at the end).
    /// - Throws: ``LaborSurveyError`` for the file's problems (file, row, column, reason; never a value);
    ///   ``LaborStoreError`` `database` for storage failures.
    @discardableResult
    public func importSurvey(url: URL, name: String, defaultAsOf: CalendarDate,
                             options: TabularOptions = TabularOptions(),
                             progress: (Int) -> Void = { _ in }) throws -> SurveyImportSummary {
        let file = try LaborSurveyReader(url: url, name: name, defaultAsOf: defaultAsOf, options: options)
        defer { file.close() }
        let summary = try guarded("import") {
            try pool.write { db -> SurveyImportSummary in
                // Distinct people of this file, on disk rather than in memory; temporary objects are private to the
                // connection, and a rollback takes the table away with everything else.
                try db.execute(sql: """
                    CREATE TEMP TABLE IF NOT EXISTS labor_import_person ("personal_id" TEXT PRIMARY KEY NOT NULL)
                    WITHOUT ROWID;
                    DELETE FROM labor_import_person;
                    """)
                let person = try db.makeStatement(sql: "INSERT OR IGNORE INTO temp.labor_import_person VALUES (?)")
                let writer = try RecordWriter(db)
                let receivedAt = Self.nowMillis()
                var rows = 0, inserted = 0, replaced = 0
                while let record = try file.next() {
                    rows += 1
                    if try writer.write(record, receivedAt: receivedAt) { replaced += 1 } else { inserted += 1 }
                    try person.execute(arguments: [record.personalID.digits])
                    if rows % 10_000 == 0 { progress(rows) }
                }
                let people = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM temp.labor_import_person") ?? 0
                try db.execute(sql: "DELETE FROM temp.labor_import_person")
                return SurveyImportSummary(fileName: name, rows: rows, people: people, inserted: inserted,
                                           replaced: replaced)
            }
        }
        progress(summary.rows)
        logger.info("labor survey imported", metadata: [
            "rows": "\(summary.rows)", "people": "\(summary.people)", "inserted": "\(summary.inserted)",
            "replaced": "\(summary.replaced)",
        ])
        return summary
    }
}

/// A commune survey file read as worker records, row by row: the parsing part of a survey import, shared by every
/// store (``LaborStore/importSurvey(url:name:defaultAsOf:options:progress:)`` and the PostgreSQL store), so the
/// files accepted, the records made and the errors thrown are the same whatever the database.
///
/// Headers are matched by ``SurveyHeader/map(_:)`` when the file is opened; each ``next()`` reads one non-empty row
/// with ``SurveyHeader/record(row:cells:defaultAsOf:)`` (source ``WorkerRecordSource/survey``). Errors are
/// ``LaborSurveyError``s naming the file, row and column, never a value.
///
/// ```swift
/// let file = try LaborSurveyReader(url: url, name: "ds-xa.csv", defaultAsOf: surveyDate)
/// defer { file.close() }
/// while let record = try file.next() { … }
/// ```
///
/// Not `Sendable`: use it from one task.
public final class LaborSurveyReader {
    /// The file's name as given (used in errors).
    public let name: String
    private let reader: TabularReader
    private let header: SurveyHeader
    private let defaultAsOf: CalendarDate

    /// Opens the file and checks its header row.
    ///
    /// - Parameters:
    ///   - url: the file (CSV or XLSX).
    ///   - name: the file's name as the officer knows it.
    ///   - defaultAsOf: the as-of date of rows without a ``SurveyColumn/asOf`` value.
    ///   - options: the reader's limits.
    /// - Throws: ``LaborSurveyError`` for an unreadable file or a header problem.
    public init(url: URL, name: String, defaultAsOf: CalendarDate,
                options: TabularOptions = TabularOptions()) throws(LaborSurveyError) {
        let reader: TabularReader
        do throws(TabularError) { reader = try TabularReader(url: url, name: name, options: options) } catch {
            throw LaborSurveyError(error)
        }
        do throws(LaborImportError) { header = try SurveyHeader.map(reader.headers) } catch {
            reader.close()
            throw LaborSurveyError(error, file: name, row: reader.headerRow, headers: reader.headers)
        }
        self.reader = reader
        self.name = name
        self.defaultAsOf = defaultAsOf
    }

    deinit { reader.close() }

    /// The next data row's record (completely empty rows are skipped), `nil` at the end of the file.
    ///
    /// - Throws: ``LaborSurveyError`` for a damaged file or the first bad row; stop reading then.
    public func next() throws(LaborSurveyError) -> WorkerRecord? {
        let next: TabularRow?
        do throws(TabularError) { next = try reader.next() } catch { throw LaborSurveyError(error) }
        guard let tabular = next else { return nil }
        let dateSystem = reader.dateSystem
        let cells = tabular.cells.map { cell -> RawCell? in
            if cell.isEmpty { return nil }
            // A date-styled cell is decoded here, with the workbook's own date system (1900 or 1904).
            if cell.kind == .dateSerial, let date = ExcelDate.date(fromSerialText: cell.text, system: dateSystem) {
                return RawCell(date.iso)
            }
            return RawCell(cell.text, numeric: cell.kind == .number || cell.kind == .dateSerial)
        }
        switch header.record(row: tabular.number, cells: cells, defaultAsOf: defaultAsOf) {
        case .success(let record): return record
        case .failure(let error):
            let position = header.position(of: error.column)
            let headers = reader.headers
            let written = position.flatMap { $0 < headers.count ? headers[$0] : nil }
            throw LaborSurveyError(error, file: name, header: written)
        }
    }

    /// Closes the file (an XLSX's inflated sheet is deleted). Further ``next()`` calls return `nil`.
    public func close() { reader.close() }
}
