import LienthongCore
import LienthongTabular

/// Why a list's header row cannot be used. Names the column (its Vietnamese header) and never a cell's value.
public struct RegistryImportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public enum Code: String, Sendable, Hashable, Codable {
        /// A required column is absent (``RegistryImportError/column`` names it).
        case missingColumn = "missing-column"
        /// Two header cells name the same column (``RegistryImportError/positions`` says where).
        case duplicateColumn = "duplicate-column"
    }

    /// What is wrong.
    public var code: Code
    /// The column concerned. For a list without any identifying column this is ``ListColumn/personalId``.
    public var column: ListColumn
    /// 0-based positions of the header cells concerned (empty for a missing column).
    public var positions: [Int]
    /// A fixed message, Vietnamese then English, naming the column by its Vietnamese header.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, column: ListColumn, positions: [Int] = [], message: String) {
        self.code = code
        self.column = column
        self.positions = positions
        self.message = message
    }

    /// The message.
    public var description: String { message }
}

/// Where each recognised column sits in a list's rows.
public struct ColumnIndex: Sendable, Hashable, Codable {
    /// 0-based position of each recognised column.
    public let positions: [ListColumn: Int]
    /// How many header cells the list has.
    public let width: Int
    /// 0-based positions of non-empty header cells that name no known column (ignored on import).
    public let unrecognised: [Int]

    /// Creates an index. ``ListHeader/map(_:)`` is the usual way to get one.
    public init(positions: [ListColumn: Int], width: Int, unrecognised: [Int] = []) {
        self.positions = positions
        self.width = width
        self.unrecognised = unrecognised
    }

    /// The 0-based position of `column`, `nil` when the list lacks it.
    public func position(of column: ListColumn) -> Int? { positions[column] }

    /// Whether the list has `column`.
    public func contains(_ column: ListColumn) -> Bool { positions[column] != nil }

    /// The recognised columns in the list's order.
    public var columns: [ListColumn] { positions.sorted { $0.value < $1.value }.map(\.key) }

    /// Builds a ``ListRow`` from the cells of one data row, in header order. Cells beyond the header and cells of
    /// unrecognised columns are dropped; missing trailing cells are absent values.
    ///
    /// - Parameters:
    ///   - number: the row's number as the officer sees it (1-based, the header is row 1).
    ///   - cells: the row's raw cells; `nil` for an empty cell.
    public func row(number: Int, cells: [RawCell?]) -> ListRow {
        var values: [ListColumn: RawCell] = [:]
        for (column, position) in positions where position < cells.count {
            if let cell = cells[position] { values[column] = cell }
        }
        return ListRow(number: number, values: values)
    }
}

/// Recognises a list's header row (SPEC §6: Vietnamese headers as officers write them, or English ones).
///
/// ```swift
/// let index = try ListHeader.map(["STT", "Họ và tên", "Ngày sinh", "Số CCCD", "Giới tính"])
/// index.position(of: .personalId)   // 3
/// ```
public enum ListHeader {
    /// The matching key of a header: diacritics removed (`đ` → `d`), lower-cased, and everything but ASCII letters
    /// and digits dropped, so case, tone marks (old or new style), spaces and punctuation do not matter:
    /// `"Số CMND/CCCD"`, `"so cmnd - cccd"` and `"SO_CMND_CCCD"` all give `"socmndcccd"`.
    public static func key(_ header: String) -> String { HeaderKey.normalize(header) }

    /// The column a header names, `nil` when it names none.
    public static func column(for header: String) -> ListColumn? { table[key(header)] }

    /// Key → column for every accepted header. Built once; a key never names two columns (checked by the tests).
    static let table: [String: ListColumn] = {
        var table: [String: ListColumn] = [:]
        for column in ListColumn.allCases {
            for header in column.acceptedHeaders {
                let key = key(header)
                if table[key] == nil { table[key] = column }
            }
        }
        return table
    }()

    /// The columns a list of parents' data needs besides the birth-registration place: any one of these.
    public static let parentColumns: [ListColumn] = [.parentName, .fatherName, .motherName]

    /// Maps a header row to column positions, in any order.
    ///
    /// Required: ``ListColumn/fullName``, ``ListColumn/dateOfBirth``, and one way to identify the person:
    /// ``ListColumn/personalId``, or ``ListColumn/cmnd``, or ``ListColumn/birthRegistrationPlace`` with one of
    /// ``parentColumns`` (a list of children without numbers, sent to `population.request-personal-id`).
    /// Empty header cells are skipped; non-empty unknown ones are listed in ``ColumnIndex/unrecognised``.
    ///
    /// - Throws: ``RegistryImportError`` `missingColumn` naming the first missing required column by its
    ///   Vietnamese header, or `duplicateColumn` when two header cells name the same column.
    public static func map(_ headers: [String]) throws(RegistryImportError) -> ColumnIndex {
        var positions: [ListColumn: Int] = [:]
        var unrecognised: [Int] = []
        for (position, header) in headers.enumerated() {
            let key = key(header)
            guard !key.isEmpty else { continue }
            guard let column = table[key] else {
                unrecognised.append(position)
                continue
            }
            if let first = positions[column] {
                throw RegistryImportError(
                    .duplicateColumn, column: column, positions: [first, position],
                    message: "Cột \"\(column.vietnameseHeader)\" xuất hiện hai lần (cột \(first + 1) và \(position + 1)) / "
                        + "column \"\(column.englishHeader)\" appears twice (columns \(first + 1) and \(position + 1))")
            }
            positions[column] = position
        }
        for column in [ListColumn.fullName, .dateOfBirth] where positions[column] == nil {
            throw missing(column)
        }
        let identified = positions[.personalId] != nil || positions[.cmnd] != nil
            || (positions[.birthRegistrationPlace] != nil && parentColumns.contains { positions[$0] != nil })
        guard identified else {
            throw RegistryImportError(
                .missingColumn, column: .personalId,
                message: "Thiếu cột bắt buộc \"\(ListColumn.personalId.vietnameseHeader)\" (hoặc \"\(ListColumn.cmnd.vietnameseHeader)\", "
                    + "hoặc \"\(ListColumn.parentName.vietnameseHeader)\" và \"\(ListColumn.birthRegistrationPlace.vietnameseHeader)\" "
                    + "cho danh sách trẻ em) / required column \"\(ListColumn.personalId.englishHeader)\" is missing "
                    + "(or \"\(ListColumn.cmnd.englishHeader)\", or \"\(ListColumn.parentName.englishHeader)\" and "
                    + "\"\(ListColumn.birthRegistrationPlace.englishHeader)\" for lists of children)")
        }
        return ColumnIndex(positions: positions, width: headers.count, unrecognised: unrecognised)
    }

    private static func missing(_ column: ListColumn) -> RegistryImportError {
        RegistryImportError(
            .missingColumn, column: column,
            message: "Thiếu cột bắt buộc \"\(column.vietnameseHeader)\" / required column \"\(column.englishHeader)\" is missing")
    }
}
