public import LienthongCore
public import LienthongLabor

/// What ``LaborStore/upsert(_:)`` did.
public struct UpsertSummary: Sendable, Hashable, Codable {
    /// Records stored for a (person, as-of date) the store did not hold.
    public var inserted: Int
    /// Records that replaced the one held for the same person and as-of date.
    public var replaced: Int

    /// Creates a summary.
    public init(inserted: Int = 0, replaced: Int = 0) {
        self.inserted = inserted
        self.replaced = replaced
    }
}

/// What ``LaborStore/importSurvey(url:name:defaultAsOf:options:progress:)`` stored.
public struct SurveyImportSummary: Sendable, Hashable, Codable {
    /// The file's name as given to the import.
    public var fileName: String
    /// Data rows read (completely empty rows are skipped and not counted).
    public var rows: Int
    /// Distinct people among the rows.
    public var people: Int
    /// Rows stored for a (person, as-of date) the store did not hold.
    public var inserted: Int
    /// Rows that replaced the record held for the same person and as-of date (an earlier import of the same
    /// survey, or a repeated row of this file: the later row wins).
    public var replaced: Int

    /// Creates a summary.
    public init(fileName: String, rows: Int, people: Int, inserted: Int, replaced: Int) {
        self.fileName = fileName
        self.rows = rows
        self.people = people
        self.inserted = inserted
        self.replaced = replaced
    }
}

/// A person whose identity still has to be checked against the population database, with the values of their
/// latest record (the values the check compares).
public struct IdentityTask: Sendable, Hashable {
    /// Số định danh cá nhân.
    public var personalID: PersonalID
    /// The name of the person's latest record.
    public var fullName: String
    /// The date of birth of the person's latest record.
    public var dateOfBirth: CalendarDate

    /// Creates a task.
    public init(personalID: PersonalID, fullName: String, dateOfBirth: CalendarDate) {
        self.personalID = personalID
        self.fullName = fullName
        self.dateOfBirth = dateOfBirth
    }
}

/// The population database's answer about one person.
public enum IdentityResult: Sendable, Hashable {
    /// The number, name and date of birth match the register.
    case matched
    /// The number exists but the register holds other values; the register's values are used from now on
    /// (`nil` when the register did not say, or agreed, for that field).
    case mismatch(registeredName: String?, registeredDateOfBirth: CalendarDate?)
    /// No citizen with this number: the person is left out of analyses.
    case notFound
    /// The number is not a valid personal id number for the register: the person is left out of analyses.
    case invalid

    /// The status stored for this result.
    public var status: IdentityStatus {
        switch self {
        case .matched: .matched
        case .mismatch: .mismatch
        case .notFound: .notFound
        case .invalid: .invalid
        }
    }
}

/// A person's identity status as stored (`labor_identity.status`).
public enum IdentityStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Matches the register.
    case matched
    /// Differs from the register; the register's values are used.
    case mismatch
    /// Not in the register: excluded from analyses.
    case notFound = "not_found"
    /// Refused by the register: excluded from analyses.
    case invalid

    /// Whether people with this status are left out of analyses.
    public var isExcluded: Bool { self == .notFound || self == .invalid }
}

/// An analysis snapshot and how it was made.
public struct SnapshotResult: Sendable, Equatable {
    /// The analysis date.
    public var date: CalendarDate
    /// One entry per person included (see ``LaborStore/snapshot(on:)``).
    public var snapshot: LaborSnapshot
    /// People included (`snapshot.count`).
    public var people: Int
    /// People with a record on or before the date left out because the population database did not find them
    /// (`not_found`) or refused their number (`invalid`).
    public var excludedIdentity: Int
    /// People included whose identity has not been checked yet.
    public var unverified: Int
    /// Records read: every record of every person with an as-of date on or before the analysis date.
    public var recordsConsidered: Int
    /// Included people whose social-insurance participation a newer social-insurance update changed.
    public var socialInsuranceUpdated: Int
    /// Included people whose date of birth the register's changed (identity mismatch).
    public var registeredDatesOfBirth: Int

    /// Creates a result.
    public init(date: CalendarDate, snapshot: LaborSnapshot, excludedIdentity: Int, unverified: Int,
                recordsConsidered: Int, socialInsuranceUpdated: Int = 0, registeredDatesOfBirth: Int = 0) {
        self.date = date
        self.snapshot = snapshot
        self.people = snapshot.count
        self.excludedIdentity = excludedIdentity
        self.unverified = unverified
        self.recordsConsidered = recordsConsidered
        self.socialInsuranceUpdated = socialInsuranceUpdated
        self.registeredDatesOfBirth = registeredDatesOfBirth
    }
}

/// The store's contents in numbers, for the console.
public struct LaborCounts: Sendable, Hashable, Codable {
    /// Records held (every person's every as-of date).
    public var records: Int
    /// Distinct people with at least one record.
    public var people: Int
    /// Records by source.
    public var bySource: [WorkerRecordSource: Int]
    /// People with a record, by identity status.
    public var byIdentity: [IdentityStatus: Int]
    /// People with a record whose identity has not been checked yet.
    public var unverified: Int
    /// Social-insurance updates held.
    public var socialInsuranceUpdates: Int
    /// The latest as-of date of any record, `nil` when the store is empty.
    public var latestAsOf: CalendarDate?

    /// Creates counts.
    public init(records: Int = 0, people: Int = 0, bySource: [WorkerRecordSource: Int] = [:],
                byIdentity: [IdentityStatus: Int] = [:], unverified: Int = 0, socialInsuranceUpdates: Int = 0,
                latestAsOf: CalendarDate? = nil) {
        self.records = records
        self.people = people
        self.bySource = bySource
        self.byIdentity = byIdentity
        self.unverified = unverified
        self.socialInsuranceUpdates = socialInsuranceUpdates
        self.latestAsOf = latestAsOf
    }
}

/// Counts keyed by status encode as a JSON object (`{"matched": 2}`), not as an array of alternating keys and values.
extension IdentityStatus: CodingKeyRepresentable {}
