public import Foundation
public import GRDB
public import LienthongAudit
public import LienthongCore

/// Where one account opening stands (SPEC §6: `requested → acknowledged → opened | rejected → card delivered`).
///
/// A value-type state machine: ``applying(_:)`` says what a bank's result does to it.
public enum AccountOpeningStatus: String, Sendable, Codable, Hashable, CaseIterable {
    /// The labour department sent the request; the bank has not answered yet.
    case requested
    /// The bank acknowledged the request (acmt.010).
    case acknowledged
    /// The bank opened the account.
    case opened
    /// The bank rejected the request (acmt.011).
    case rejected
    /// The bank delivered the ATM card.
    case cardDelivered = "card-delivered"

    /// A result outcome as carried by `asxh.account-opening-result` (`acknowledged`, `opened`, `rejected`,
    /// `card-delivered`).
    public typealias Outcome = AccountOpeningStatus

    /// What a result does.
    public enum Transition: Sendable, Hashable {
        /// The status moves to the given one.
        case moveTo(AccountOpeningStatus)
        /// The result repeats or trails what is already known (e.g. a late acknowledgement): accepted, no change.
        case unchanged
        /// The result contradicts the known status (e.g. `opened` after `rejected`).
        case contradicts
    }

    /// The effect of a result with `outcome` on this status.
    public func applying(_ outcome: Outcome) -> Transition {
        switch (self, outcome) {
        case (.requested, .requested), (.requested, .cardDelivered), (.acknowledged, .cardDelivered), (_, .requested):
            return .contradicts
        case (.requested, let next):
            return .moveTo(next)
        case (.acknowledged, .acknowledged):
            return .unchanged
        case (.acknowledged, let next):
            return .moveTo(next)
        case (.opened, .acknowledged), (.opened, .opened):
            return .unchanged
        case (.opened, .cardDelivered):
            return .moveTo(.cardDelivered)
        case (.opened, .rejected):
            return .contradicts
        case (.rejected, .acknowledged), (.rejected, .rejected):
            return .unchanged
        case (.rejected, _):
            return .contradicts
        case (.cardDelivered, .acknowledged), (.cardDelivered, .opened), (.cardDelivered, .cardDelivered):
            return .unchanged
        case (.cardDelivered, .rejected):
            return .contradicts
        }
    }
}

/// One account opening as the gateway has seen it: the request and every result, in order.
public struct AccountOpening: Sendable, Equatable, Codable {
    /// One step: the request or a result.
    public struct Step: Sendable, Equatable, Codable {
        /// `requested` for the request, else the result's outcome.
        public var outcome: AccountOpeningStatus
        /// The message that carried it.
        public var messageId: String
        /// When the gateway accepted that message (RFC 3339, milliseconds).
        public var at: String
        /// acmt.011 reason code of a rejection.
        public var reasonCode: String?

        /// Creates a step.
        public init(outcome: AccountOpeningStatus, messageId: String, at: String, reasonCode: String?) {
            self.outcome = outcome
            self.messageId = messageId
            self.at = at
            self.reasonCode = reasonCode
        }
    }

    /// The requester's reference (`requestRef`), unique per requester.
    public var requestRef: String
    /// The member that sent the request (the labour department).
    public var requester: String
    /// The bank member the request went to.
    public var bank: String
    /// Current status.
    public var status: AccountOpeningStatus
    /// The opened account's number, once opened.
    public var accountId: String?
    /// Reason code and text of a rejection.
    public var reasonCode: String?
    /// Reason text of a rejection (as the bank wrote it; no personal data expected).
    public var reason: String?
    /// The request and the results, oldest first.
    public var steps: [Step]

    /// Creates an account opening.
    public init(requestRef: String, requester: String, bank: String, status: AccountOpeningStatus, accountId: String?,
                reasonCode: String?, reason: String?, steps: [Step]) {
        self.requestRef = requestRef
        self.requester = requester
        self.bank = bank
        self.status = status
        self.accountId = accountId
        self.reasonCode = reasonCode
        self.reason = reason
        self.steps = steps
    }
}

/// What accepting an account-opening request or result does to the ledger, decided without I/O: each store reads
/// the one ledger row the message names (``requester``, ``requestRef``), asks ``decide(current:)`` for the writes,
/// and applies them in the transaction that accepts the message, so a message and its ledger rows commit
/// together or not at all (SPEC §4, §6):
/// - a request's `requestRef` must be new for its sender (`409` when another request already uses it);
/// - a result must name a request that its recipient sent to the result's sender (`400` otherwise), and must
///   not contradict what the bank already reported (`409`, e.g. `opened` after `rejected`); `opened` must carry
///   `accountId`.
public struct AccountOpeningAdmission: Sendable, Equatable {
    /// The request message type.
    public static let requestType = "asxh.account-opening-request"
    /// The result message type.
    public static let resultType = "asxh.account-opening-result"

    /// The message kind.
    public enum Kind: Sendable, Equatable {
        /// A request from `requester` to `bank` for the person with `personalID`.
        case request(bank: MemberID, personalID: String)
        /// A result from `bank` (the result's sender).
        case result(bank: MemberID, outcome: AccountOpeningStatus, accountID: String?, reasonCode: String?, reason: String?)
    }

    /// The ledger row as a store reads it.
    public struct Row: Sendable, Equatable {
        /// The bank member the request went to.
        public var bank: String
        /// Its status.
        public var status: AccountOpeningStatus
        /// Creates a row.
        public init(bank: String, status: AccountOpeningStatus) {
            self.bank = bank
            self.status = status
        }
    }

    /// One write to apply, in order.
    public enum Write: Sendable, Equatable {
        /// A new `account_opening` row (status `requested`); a store finding the key taken refuses with ``duplicateRequest``.
        case insertOpening(bank: String, personalID: String)
        /// The row's status moves; account id and reason are kept when not given.
        case setStatus(AccountOpeningStatus, accountID: String?, reasonCode: String?, reason: String?)
        /// A new `account_opening_step` row.
        case insertStep(outcome: AccountOpeningStatus, reasonCode: String?)
    }

    /// The member that sent the request (a result's recipient).
    public var requester: MemberID
    /// The requester's reference.
    public var requestRef: String
    /// The message being accepted.
    public var messageID: String
    /// When it is accepted (milliseconds since 1970).
    public var at: Int64
    /// Request or result.
    public var kind: Kind

    /// The refusal when a request's `requestRef` is taken (also when a concurrent instance took it first).
    public static var duplicateRequest: GatewayProblem {
        GatewayProblem(.conflict, detail: "requestRef already names another account-opening request of this sender")
    }

    /// The admission for a message of `type`; `nil` for other types (or payloads without the fields, which the
    /// message contract has already refused).
    public init?(type: String, id: String, sender: MemberID, recipient: MemberID, payload: JSONValue, now: Date) {
        guard case .object(let object) = payload, case .string(let requestRef)? = object["requestRef"] else { return nil }
        func text(_ key: String) -> String? { if case .string(let s)? = object[key] { s } else { nil } }
        switch type {
        case Self.requestType:
            guard case .object(let person)? = object["person"], case .string(let personalID)? = person["personalId"] else { return nil }
            requester = sender
            kind = .request(bank: recipient, personalID: personalID)
        case Self.resultType:
            guard let outcomeText = text("outcome"), let outcome = AccountOpeningStatus(rawValue: outcomeText) else { return nil }
            // The result goes back to the requester: its recipient is the member that sent the request.
            requester = recipient
            kind = .result(bank: sender, outcome: outcome, accountID: text("accountId"), reasonCode: text("reasonCode"), reason: text("reason"))
        default:
            return nil
        }
        self.requestRef = requestRef
        self.messageID = id
        self.at = QueueStorage.milliseconds(now)
    }

    /// The writes for this message given the ledger row it names (`nil` when there is none); throws the
    /// ``GatewayProblem`` that refuses the message.
    public func decide(current: Row?) throws -> [Write] {
        switch kind {
        case .request(let bank, let personalID):
            guard current == nil else { throw Self.duplicateRequest }
            return [.insertOpening(bank: bank.value, personalID: personalID), .insertStep(outcome: .requested, reasonCode: nil)]
        case .result(let bank, let outcome, let accountID, let reasonCode, let reason):
            guard let current, current.bank == bank.value else {
                throw GatewayProblem(.badRequest, detail: "requestRef does not name an account-opening request sent to this bank by the recipient")
            }
            if outcome == .opened, accountID == nil {
                throw GatewayProblem(.badRequest, detail: "payload.accountId: is required when the outcome is opened")
            }
            var writes: [Write] = []
            switch current.status.applying(outcome) {
            case .contradicts:
                throw GatewayProblem(.conflict, detail: "outcome \(outcome.rawValue) contradicts the account opening's status \(current.status.rawValue)")
            case .unchanged:
                break
            case .moveTo(let next):
                writes.append(.setStatus(next, accountID: accountID, reasonCode: reasonCode, reason: reason))
            }
            writes.append(.insertStep(outcome: outcome, reasonCode: reasonCode))
            return writes
        }
    }
}

/// What must commit together with a newly accepted message, or refuse it: the acceptance report of a validated
/// record list (e.g. the refused records of a `vss.participant-sync`) and the account-opening ledger step. Every
/// ``GatewayQueue`` applies it inside the transaction that stores the message, only for a new message.
public struct MessageAdmission: Sendable, Equatable {
    /// Canonical JSON stored with the message for ``GatewayQueue/report(sender:id:)`` (no personal data).
    public var report: [UInt8]?
    /// The ledger step of an account-opening request or result.
    public var accountOpening: AccountOpeningAdmission?

    /// Creates an admission.
    public init(report: [UInt8]? = nil, accountOpening: AccountOpeningAdmission? = nil) {
        self.report = report
        self.accountOpening = accountOpening
    }

    /// Whether there is nothing to do.
    public var isEmpty: Bool { report == nil && accountOpening == nil }
}

/// The account openings the gateway has correlated, as the routes read them (SPEC §6).
public protocol AccountOpeningBook: Sendable {
    /// The account opening `requestRef` of `requester`, if any.
    func opening(requester: MemberID, requestRef: String) async throws -> AccountOpening?
    /// Every account opening `requester` sent for the person with `personalID`, oldest request first.
    func openings(requester: MemberID, personalID: String) async throws -> [AccountOpening]
}

/// The account-opening ledger in the SQLite database of the audit log: applies ``AccountOpeningAdmission``s
/// inside the queue's accepting transaction and answers ``AccountOpeningBook`` reads.
///
/// Schema (`account-opening-v1`): `account_opening` (one row per request, with the person's id for per-person
/// look-ups) and `account_opening_step` (the request and each result).
public struct AccountOpeningLedger: AccountOpeningBook {
    /// The store whose database this ledger shares.
    public let auditStore: SQLiteAuditStore

    /// Opens the ledger in `auditStore`'s database, creating its tables when needed.
    public init(auditStore: SQLiteAuditStore) throws {
        self.auditStore = auditStore
        try auditStore.migrate(Self.migrator)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("account-opening-v1") { db in
            try db.execute(sql: """
                CREATE TABLE account_opening (
                    "requester" TEXT NOT NULL,
                    "request_ref" TEXT NOT NULL,
                    "bank" TEXT NOT NULL,
                    "personal_id" TEXT NOT NULL,
                    "status" TEXT NOT NULL,
                    "account_id" TEXT,
                    "reason_code" TEXT,
                    "reason" TEXT,
                    PRIMARY KEY ("requester", "request_ref")
                );
                CREATE INDEX account_opening_person ON account_opening ("requester", "personal_id");
                CREATE TABLE account_opening_step (
                    "requester" TEXT NOT NULL,
                    "request_ref" TEXT NOT NULL,
                    "outcome" TEXT NOT NULL,
                    "message_id" TEXT NOT NULL,
                    "at" INTEGER NOT NULL,
                    "reason_code" TEXT
                );
                CREATE INDEX account_opening_step_ref ON account_opening_step ("requester", "request_ref");
                """)
        }
        return migrator
    }

    /// Applies `admission` in `db` (the accepting transaction); throws the refusal.
    static func apply(_ admission: AccountOpeningAdmission, _ db: Database) throws {
        let key: StatementArguments = [admission.requester.value, admission.requestRef]
        // Cached statements: an admission runs in every accepting transaction of an account-opening message.
        let current = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT bank, status FROM account_opening WHERE requester = ? AND request_ref = ?"), arguments: key
        ).map { AccountOpeningAdmission.Row(bank: try $0.decode(String.self, atIndex: 0),
                                            status: AccountOpeningStatus(rawValue: try $0.decode(String.self, atIndex: 1)) ?? .requested) }
        for write in try admission.decide(current: current) {
            switch write {
            case .insertOpening(let bank, let personalID):
                try db.cachedStatement(sql: """
                    INSERT INTO account_opening (requester, request_ref, bank, personal_id, status) VALUES (?, ?, ?, ?, ?)
                    """).execute(arguments: key + [bank, personalID, AccountOpeningStatus.requested.rawValue])
            case .setStatus(let status, let accountID, let reasonCode, let reason):
                try db.cachedStatement(sql: """
                    UPDATE account_opening SET status = ?,
                        account_id = COALESCE(?, account_id), reason_code = COALESCE(?, reason_code), reason = COALESCE(?, reason)
                    WHERE requester = ? AND request_ref = ?
                    """).execute(arguments: [status.rawValue, accountID, reasonCode, reason] + key)
            case .insertStep(let outcome, let reasonCode):
                try db.cachedStatement(sql: """
                    INSERT INTO account_opening_step (requester, request_ref, outcome, message_id, at, reason_code) VALUES (?, ?, ?, ?, ?, ?)
                    """).execute(arguments: key + [outcome.rawValue, admission.messageID, admission.at, reasonCode])
            }
        }
    }

    /// The account opening `requestRef` of `requester`, if any.
    public func opening(requester: MemberID, requestRef: String) throws -> AccountOpening? {
        try auditStore.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM account_opening WHERE requester = ? AND request_ref = ?",
                             arguments: [requester.value, requestRef]).map { try Self.opening(db, $0) }
        }
    }

    /// Every account opening `requester` sent for the person with `personalID`, oldest request first.
    public func openings(requester: MemberID, personalID: String) throws -> [AccountOpening] {
        try auditStore.read { db in
            try Row.fetchAll(db, sql: """
                SELECT o.* FROM account_opening o
                WHERE o.requester = ? AND o.personal_id = ?
                ORDER BY (SELECT MIN(at) FROM account_opening_step s WHERE s.requester = o.requester AND s.request_ref = o.request_ref)
                """, arguments: [requester.value, personalID]).map { try Self.opening(db, $0) }
        }
    }

    private static func opening(_ db: Database, _ row: Row) throws -> AccountOpening {
        let requester: String = row["requester"]
        let requestRef: String = row["request_ref"]
        let steps = try Row.fetchAll(db, sql: """
            SELECT * FROM account_opening_step WHERE requester = ? AND request_ref = ? ORDER BY at, rowid
            """, arguments: [requester, requestRef]).map { step in
            AccountOpening.Step(
                outcome: AccountOpeningStatus(rawValue: step["outcome"]) ?? .requested,
                messageId: step["message_id"],
                at: AuditTimestamp.string(millisecondsSince1970: step["at"]),
                reasonCode: step["reason_code"])
        }
        return AccountOpening(
            requestRef: requestRef, requester: requester, bank: row["bank"],
            status: AccountOpeningStatus(rawValue: row["status"]) ?? .requested,
            accountId: row["account_id"], reasonCode: row["reason_code"], reason: row["reason"], steps: steps)
    }
}
