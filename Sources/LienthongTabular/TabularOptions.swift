/// Limits and policies of the readers. Every limit refuses the file with ``TabularError/Code/tooLarge``.
///
/// The XLSX size limits are checked twice: against the sizes an archive declares, and against the bytes actually
/// inflated (an archive whose headers lie is stopped as soon as it inflates past what it declared).
public struct TabularOptions: Sendable, Hashable {
    /// Largest cell text in bytes of UTF-8 (default 64 KiB).
    public var maxFieldBytes: Int = 64 * 1024
    /// Largest CSV record in bytes (default 1 MiB).
    public var maxRowBytes: Int = 1024 * 1024
    /// Most columns (default 512).
    public var maxColumns: Int = 512
    /// Highest row number (default 2,000,000; Excel itself stops at 1,048,576).
    public var maxRows: Int = 2_000_000
    /// Most bytes inflated from one XLSX archive in total (default 512 MiB).
    public var maxTotalUncompressedBytes: Int64 = 512 * 1024 * 1024
    /// Most bytes inflated from one archive entry (default 256 MiB). A sheet of 1,000,000 rows of about ten columns
    /// needs more than the default: raise it for such files.
    public var maxEntryUncompressedBytes: Int64 = 256 * 1024 * 1024
    /// Largest compression ratio (uncompressed ÷ compressed) of an entry over ``ratioThresholdBytes`` (default 200).
    public var maxCompressionRatio: Int64 = 200
    /// Entries up to this size are exempt from the ratio limit (default 1 MiB).
    public var ratioThresholdBytes: Int64 = 1024 * 1024
    /// Most memory for the shared-strings table: UTF-8 bytes plus 16 bytes per string (default 128 MiB).
    public var maxSharedStringsBytes: Int = 128 * 1024 * 1024
    /// Largest workbook part read into memory whole (workbook, relationships, styles; default 16 MiB).
    public var maxMetadataBytes: Int = 16 * 1024 * 1024
    /// Whether a value in a column that has no header is refused (``TabularError/Code/malformed``, the default:
    /// in a CSV it usually means an unquoted delimiter shifted the row) or dropped.
    public var rejectCellsBeyondHeaders: Bool = true
    /// Size of the chunks files are read in (default 64 KiB).
    public var chunkSize: Int = 64 * 1024

    /// The defaults.
    public init() {}
}
