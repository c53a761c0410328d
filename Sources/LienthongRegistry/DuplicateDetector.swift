public import LienthongCore

/// The beneficiaries already in the registry, as the duplicate check needs them.
///
/// The registry store implements it over its database; ``Swift/Set`` of ``PersonalID`` implements it in memory.
public protocol KnownBeneficiaries {
    /// Whether a beneficiary with this personal id number is registered.
    func contains(personalID: PersonalID) -> Bool
}

extension Set: KnownBeneficiaries where Element == PersonalID {
    /// Set membership.
    public func contains(personalID: PersonalID) -> Bool { contains(personalID) }
}

/// Finds duplicates inside a list and against the registry, one row at a time.
///
/// Keeps only keys (the number, or the name's comparison key with the date of birth) and the first row number of
/// each, never the rows:
/// - the same personal id number (or 12-digit CMND) as an earlier row → `duplicate-in-list`, blocking;
/// - the same 9-digit CMND as an earlier row, when neither has a personal id → `duplicate-in-list`, blocking;
/// - a row without any number whose name (``VietnameseName/comparisonKey(_:)``, so `Hoà` = `Hòa` and NFD = NFC)
///   and date of birth equal an earlier row's → `duplicate-in-list`, warning;
/// - a personal id number the registry knows → `duplicate-in-registry`, warning.
public struct DuplicateDetector {
    private var byNumber: [String: Int] = [:]
    private var byNameAndBirth: [String: Int] = [:]
    private let registry: (any KnownBeneficiaries)?

    /// Creates a detector; without `registry` only duplicates inside the list are found.
    public init(registry: (any KnownBeneficiaries)? = nil) {
        self.registry = registry
    }

    /// How many keys are held (for memory accounting).
    public var keyCount: Int { byNumber.count + byNameAndBirth.count }

    /// The duplicate findings of the next row, and remembers its keys.
    public mutating func check(_ draft: BeneficiaryDraft) -> [Finding] {
        var findings: [Finding] = []
        let numberKey: (key: String, column: ListColumn)?
        if let id = draft.effectivePersonalID {
            numberKey = ("id:" + id.digits, draft.personalID.value != nil ? .personalId : .cmnd)
        } else if let cmnd = draft.cmnd.value {
            numberKey = ("cmnd:" + cmnd.digits, .cmnd)
        } else {
            numberKey = nil
        }
        var nameKey: String?
        if let name = draft.fullName, let birth = draft.dateOfBirth.value {
            nameKey = VietnameseName.comparisonKey(name) + "|" + birth.text
        }

        if let numberKey {
            if let first = byNumber[numberKey.key] {
                findings.append(Finding(row: draft.row, column: numberKey.column, code: .duplicateInList,
                                        severity: .blocking, relatedRow: first))
            } else {
                byNumber[numberKey.key] = draft.row
            }
        } else if let nameKey, let first = byNameAndBirth[nameKey] {
            findings.append(Finding(row: draft.row, column: nil, code: .duplicateInList, severity: .warning,
                                    relatedRow: first))
        }
        if let nameKey, byNameAndBirth[nameKey] == nil { byNameAndBirth[nameKey] = draft.row }

        if let id = draft.effectivePersonalID, let registry, registry.contains(personalID: id) {
            findings.append(Finding(row: draft.row, column: draft.personalID.value != nil ? .personalId : .cmnd,
                                    code: .duplicateInRegistry, severity: .warning))
        }
        return findings
    }
}
