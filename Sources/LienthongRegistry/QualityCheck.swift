public import LienthongCore

/// What happens to a row after the checks.
public enum RowDisposition: Sendable, Hashable, Codable {
    /// Verify against the population database (`population.verify-citizen`) with this number.
    case verify(PersonalID)
    /// A child without a number whose name, full date of birth, sex, parent and birth-registration place are known:
    /// ask the population database for the number (`population.request-personal-id`, plan appendix 2, step 2–3).
    case requestPersonalID
    /// At least one blocking finding: the row goes back to the commune to be completed.
    case returnToCommune
}

/// A checked row: the findings and what to do next.
public struct RowAssessment: Sendable, Hashable, Codable {
    /// The row number.
    public var row: Int
    /// All findings, in check order.
    public var findings: [Finding]
    /// What happens next.
    public var disposition: RowDisposition

    /// Decides the disposition: any blocking finding → ``RowDisposition/returnToCommune``; else a number →
    /// ``RowDisposition/verify(_:)``; else (a child, see ``QualityCheck``) → ``RowDisposition/requestPersonalID``.
    public init(draft: BeneficiaryDraft, findings: [Finding]) {
        self.row = draft.row
        self.findings = findings
        if findings.contains(where: { $0.severity == .blocking }) {
            disposition = .returnToCommune
        } else if let id = draft.effectivePersonalID {
            disposition = .verify(id)
        } else {
            disposition = .requestPersonalID
        }
    }

    /// Whether a blocking finding is present.
    public var isBlocked: Bool { findings.contains { $0.severity == .blocking } }
}

/// The data-quality checks run on every row before any call (SPEC §6): the plan's checklist for children
/// (appendix 2, step 1: no CCCD/CMND, no personal id, malformed personal id or CMND, missing or wrong name, date of
/// birth, sex, ethnicity, parent/guardian, birth-registration place) applied to all rows, plus the id's consistency
/// with the stated birth year and sex and the payment fields.
///
/// Severity rules (see ``FindingCode`` for each code):
/// - blocking = the row cannot be verified: no name, no usable date of birth, a malformed or inconsistent number,
///   or no number for an adult;
/// - a child (under ``childAgeLimit`` on ``referenceDate``) without a number is not blocked for that: it is sent to
///   `population.request-personal-id`, which needs the name, the full date of birth, the sex, a parent's or
///   guardian's name and the birth-registration place, so for such a child missing ones are blocking;
/// - everything else is a warning.
///
/// Duplicates are found by ``DuplicateDetector`` (it needs state across rows); ``ListScreening`` runs both.
public struct QualityCheck: Sendable, Hashable {
    /// Under this age a person is a child (Law on Children 2016, art. 1).
    public static let childAgeLimit = 16

    /// The day ages and "in the future" are measured against (usually the import day).
    public var referenceDate: CalendarDate
    /// The child age limit used.
    public var childAgeLimit: Int

    /// Creates the checks for a reference date.
    public init(referenceDate: CalendarDate, childAgeLimit: Int = QualityCheck.childAgeLimit) {
        self.referenceDate = referenceDate
        self.childAgeLimit = childAgeLimit
    }

    /// The findings of one row, in a fixed order (identity, person, child's data, category, payment).
    public func findings(for draft: BeneficiaryDraft) -> [Finding] {
        var findings: [Finding] = []
        func add(_ column: ListColumn?, _ code: FindingCode, _ severity: FindingSeverity) {
            findings.append(Finding(row: draft.row, column: column, code: code, severity: severity))
        }
        let id = draft.effectivePersonalID
        let child = draft.isChild(on: referenceDate, ageLimit: childAgeLimit)
        // A child without a number goes to the personal-id request: its data must then be complete.
        let requesting = child && id == nil && !draft.personalID.isInvalid
        let neededForRequest: FindingSeverity = requesting ? .blocking : .warning

        // Identity numbers.
        switch draft.personalID {
        case .invalid:
            add(.personalId, .personalIdMalformed, .blocking)
        case .absent where id == nil:
            add(.personalId, .personalIdMissing, child ? .warning : .blocking)
        default:
            break
        }
        switch draft.cmnd {
        case .invalid:
            add(.cmnd, .cmndMalformed, .warning)
        case .valid(let cmnd):
            if let fromCMND = cmnd.personalID, let stated = draft.personalID.value, fromCMND != stated {
                add(.cmnd, .cmndInconsistent, .warning)
            }
        case .absent:
            break
        }

        // Name.
        if draft.fullName == nil { add(.fullName, .nameMissing, .blocking) }

        // Date of birth.
        switch draft.dateOfBirth {
        case .absent:
            add(.dateOfBirth, .dobMissing, .blocking)
        case .invalid:
            add(.dateOfBirth, .dobInvalid, .blocking)
        case .valid(let birth):
            if birth.year < 1900 {
                add(.dateOfBirth, .dobInvalid, .blocking)
            } else if birth.isAfter(referenceDate) {
                add(.dateOfBirth, .dobFuture, .blocking)
            } else if !birth.isComplete {
                add(.dateOfBirth, .dobPartial, neededForRequest)
            }
        }

        // Sex.
        switch draft.sex {
        case .absent: add(.sex, .sexMissing, neededForRequest)
        case .invalid: add(.sex, .sexInvalid, neededForRequest)
        case .valid: break
        }

        // The number against the stated birth year and sex.
        if let id {
            let year = draft.dateOfBirth.value.map(\.year)
            if !id.consistencyProblems(birthYear: year, sex: draft.sex.value).isEmpty {
                add(draft.personalID.value != nil ? .personalId : .cmnd, .personalIdInconsistent, .blocking)
            }
        }

        // Ethnicity.
        if draft.ethnicity == nil { add(.ethnicity, .ethnicityMissing, .warning) }

        // A child's parent or guardian, and the birth-registration place of a child without a number.
        if child, draft.parentOrGuardianName == nil {
            add(.parentName, .guardianMissing, neededForRequest)
        }
        if requesting, draft.birthRegistrationPlace == nil {
            add(.birthRegistrationPlace, .birthPlaceMissing, .blocking)
        }

        // Category.
        switch draft.categories {
        case .absent: add(.category, .categoryMissing, .warning)
        case .invalid: add(.category, .categoryInvalid, .warning)
        case .valid: break
        }

        // Payment fields.
        if draft.accountNumber.isInvalid { add(.accountNumber, .accountNumberMalformed, .warning) }
        if draft.accountType.isInvalid { add(.accountType, .accountTypeInvalid, .warning) }
        if draft.bankOrProvider != nil, draft.bankBIN == nil, draft.accountType.value == .bank {
            add(.bankOrProvider, .bankUnknown, .warning)
        }
        if draft.authorisedPersonalID.isInvalid { add(.authorisedPersonalId, .authorisedIdMalformed, .warning) }
        if draft.noCapacity.isInvalid { add(.noCapacity, .noCapacityInvalid, .warning) }
        if draft.communeCode.isInvalid { add(.communeCode, .communeCodeMalformed, .warning) }
        return findings
    }

    /// The findings and disposition of one row.
    public func assess(_ draft: BeneficiaryDraft) -> RowAssessment {
        RowAssessment(draft: draft, findings: findings(for: draft))
    }
}

/// Parses, checks and de-duplicates a list row by row, keeping only duplicate keys between rows (streaming).
///
/// ```swift
/// var screening = ListScreening(check: QualityCheck(referenceDate: today), registry: store)
/// for row in rows { let (draft, assessment) = screening.screen(row); ... }
/// ```
public struct ListScreening {
    /// The per-row checks.
    public let check: QualityCheck
    /// The duplicate detector (its keys grow with the list).
    public private(set) var duplicates: DuplicateDetector
    /// The bank lookup.
    public let banks: BankMatcher

    /// Creates a screening of one list.
    public init(check: QualityCheck, registry: (any KnownBeneficiaries)? = nil, banks: BankMatcher = .standard) {
        self.check = check
        self.duplicates = DuplicateDetector(registry: registry)
        self.banks = banks
    }

    /// Parses, checks and de-duplicates the next row.
    public mutating func screen(_ row: ListRow) -> (draft: BeneficiaryDraft, assessment: RowAssessment) {
        let draft = BeneficiaryDraft(row, banks: banks)
        let findings = check.findings(for: draft) + duplicates.check(draft)
        return (draft, RowAssessment(draft: draft, findings: findings))
    }
}
