public import Foundation
import GRDB
import LienthongCore
import LienthongRegistry

/// A row as read back: the list's draft, the findings, the verification, an opened account, and the values later
/// steps use (``effective``).
///
/// Storage SPI (`@_spi(RegistryStorage)`): the stores build it from their columns and hand it to the shared pure
/// helpers (``RegistryRowLogic``), so every database derives tasks, decisions and reports the same way.
@_spi(RegistryStorage) public struct StoredRow: Sendable {
    /// The row number in the list.
    @_spi(RegistryStorage) public var row: Int
    var disposition: Disposition
    var submitted: BeneficiaryDraft
    var findings: [Finding]
    var verification: VerificationStatus?
    var openedAccount: String?
    var openedBIN: String?
    var commune: String?
    var district: String?
    var categories: String?

    /// Columns to select for ``init(_:decoder:)``.
    static let columns = """
        r."row", r.disposition, r.draft, r.findings, r.verification, r.opened_account, r.opened_bin, r.commune,
        r.district, r.categories
        """

    init(_ row: Row, decoder: JSONDecoder) throws {
        try self.init(row: row["row"], disposition: row["disposition"], draft: row["draft"] as Data,
                      findings: row["findings"] as Data, verification: row["verification"] as Data?,
                      openedAccount: row["opened_account"], openedBIN: row["opened_bin"], commune: row["commune"],
                      district: row["district"], categories: row["categories"], decoder: decoder)
    }

    /// A row from its stored columns (`registry_row`: `row`, `disposition`, the JSON of `draft`, `findings` and
    /// `verification`, `opened_account`, `opened_bin`, `commune`, `district`, `categories`).
    ///
    /// - Throws: ``RegistryStoreError`` `corrupt` naming the column (never a value).
    @_spi(RegistryStorage) public init(
        row: Int, disposition: String, draft: Data, findings: Data, verification: Data?, openedAccount: String?,
        openedBIN: String?, commune: String?, district: String?, categories: String?, decoder: JSONDecoder
    ) throws {
        self.row = row
        guard let disposition = Disposition(rawValue: disposition) else {
            throw RegistryStoreError(.corrupt, detail: "registry_row.disposition")
        }
        self.disposition = disposition
        do {
            submitted = try decoder.decode(BeneficiaryDraft.self, from: draft)
            self.findings = try decoder.decode([Finding].self, from: findings)
            self.verification = try verification.map { try decoder.decode(VerificationStatus.self, from: $0) }
        } catch {
            throw RegistryStoreError(.corrupt, detail: "registry_row.draft, findings or verification")
        }
        self.openedAccount = openedAccount
        self.openedBIN = openedBIN
        self.commune = commune
        self.district = district
        self.categories = categories
    }

    /// Whether the identity verification succeeded (matched, mismatch with the register's values, number assigned).
    var isVerified: Bool {
        switch verification {
        case .matched?, .mismatch?, .numberAssigned?: true
        default: false
        }
    }

    /// The values later steps use: the list's, with the register's values of a mismatch, an assigned number, and an
    /// opened account applied.
    var effective: BeneficiaryDraft {
        var draft = submitted
        switch verification {
        case .mismatch(let differences)?:
            for difference in differences {
                let cell = RawCell(difference.registered)
                switch difference.field {
                case .fullName: if let name = FieldParser.text(cell) { draft.fullName = name }
                case .dateOfBirth:
                    if case .valid(let born) = FieldParser.birthDate(cell) { draft.dateOfBirth = .valid(born) }
                case .sex: if case .valid(let sex) = FieldParser.sex(cell) { draft.sex = .valid(sex) }
                case .hometown: draft.hometown = FieldParser.text(cell) ?? draft.hometown
                case .permanentResidence: draft.permanentResidence = FieldParser.text(cell) ?? draft.permanentResidence
                }
            }
        case .numberAssigned(let id)?:
            draft.personalID = .valid(id)
        default:
            break
        }
        if let openedAccount {
            draft.accountNumber = .valid(openedAccount)
            draft.accountType = .valid(.bank)
            draft.bankBIN = openedBIN
            if let openedBIN { draft.bankOrProvider = BankCatalog.standard.bank(bin: openedBIN)?.shortName ?? openedBIN }
        }
        return draft
    }

    /// The first category code, when known.
    var firstCategory: String? {
        submitted.categories.value?.first?.rawValue
    }
}

extension RegistryStore {
    /// The payment decision of a verified row for a period, and the bank concerned.
    func decide(_ stored: StoredRow, check: AccountVerification?) -> RowPaymentDecision {
        RegistryRowLogic.decide(stored, check: check, defaultBankBIN: defaultBankBIN)
    }

    /// Visits the verified rows of `batch` in row order with this period's account check and opening reference.
    func forEachVerifiedRow(_ db: Database, batch: String, period: String,
                            _ body: (StoredRow, AccountVerification?, _ registeredName: String?, _ openingRef: String?) throws -> Void) throws {
        let decoder = JSONDecoder()
        let cursor = try Row.fetchCursor(db, sql: """
            SELECT \(StoredRow.columns), c.result AS check_result, c.registered_name, o.request_ref
            FROM registry_row r
            LEFT JOIN registry_account_check c ON c.batch_id = r.batch_id AND c."row" = r."row" AND c.period = ?
            LEFT JOIN registry_opening o ON o.batch_id = r.batch_id AND o."row" = r."row"
            WHERE r.batch_id = ? AND r.verification_status IN ('matched', 'mismatch', 'number_assigned')
            ORDER BY r."row"
            """, arguments: [period, batch])
        while let row = try cursor.next() {
            let stored = try StoredRow(row, decoder: decoder)
            let check = try RegistryRowLogic.accountCheck(row["check_result"])
            try body(stored, check, row["registered_name"], row["request_ref"])
        }
    }
}
