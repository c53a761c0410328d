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
}

/// Correlates the banks' `asxh.account-opening-result` messages with the `asxh.account-opening-request`
/// messages they answer, and keeps each person's account openings (SPEC §4, §6).
///
/// Checks run inside the transaction that accepts the message (``admission(type:id:sender:recipient:payload:now:)``),
/// so a message and its ledger row commit together or not at all:
/// - a request's `requestRef` must be new for its sender (`409` when another request already uses it);
/// - a result must name a request that its recipient sent to the result's sender (`400` otherwise), and must
///   not contradict what the bank already reported (`409`, e.g. `opened` after `rejected`); `opened` must carry
///   `accountId`.
///
/// Schema (`account-opening-v1`): `account_opening` (one row per request, with the person's id for per-person
/// look-ups) and `account_opening_step` (the request and each result).
public struct AccountOpeningLedger: Sendable {
    /// The store whose database this ledger shares.
    public let auditStore: SQLiteAuditStore

    /// The request message type.
    public static let requestType = "asxh.account-opening-request"
    /// The result message type.
    public static let resultType = "asxh.account-opening-result"

    /// Opens the ledger in `auditStore`'s database, creating its tables when needed.
    public init(auditStore: SQLiteAuditStore) throws {
        self.auditStore = auditStore
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
        try auditStore.migrate(migrator)
    }

    /// The check (and ledger write) to run when a message of `type` is accepted; `nil` for other types.
    ///
    /// `payload` has already passed the message contract (`MessagePayloads`).
    public func admission(
        type: String, id: String, sender: MemberID, recipient: MemberID, payload: JSONValue, now: Date
    ) -> SQLiteQueueStore.Admission? {
        guard case .object(let object) = payload, case .string(let requestRef)? = object["requestRef"] else { return nil }
        let at = QueueStorage.milliseconds(now)
        switch type {
        case Self.requestType:
            guard case .object(let person)? = object["person"], case .string(let personalID)? = person["personalId"] else { return nil }
            return { db in
                if try Row.fetchOne(db, sql: "SELECT 1 FROM account_opening WHERE requester = ? AND request_ref = ?",
                                    arguments: [sender.value, requestRef]) != nil {
                    throw GatewayProblem(.conflict, detail: "requestRef already names another account-opening request of this sender")
                }
                try db.execute(sql: """
                    INSERT INTO account_opening (requester, request_ref, bank, personal_id, status) VALUES (?, ?, ?, ?, ?)
                    """, arguments: [sender.value, requestRef, recipient.value, personalID, AccountOpeningStatus.requested.rawValue])
                try Self.insertStep(db, requester: sender, requestRef: requestRef, outcome: .requested, messageID: id, at: at, reasonCode: nil)
            }
        case Self.resultType:
            guard case .string(let outcomeText)? = object["outcome"], let outcome = AccountOpeningStatus(rawValue: outcomeText) else { return nil }
            let accountID = object["accountId"].flatMap { if case .string(let s) = $0 { s } else { nil } }
            let reasonCode = object["reasonCode"].flatMap { if case .string(let s) = $0 { s } else { nil } }
            let reason = object["reason"].flatMap { if case .string(let s) = $0 { s } else { nil } }
            return { db in
                // The result goes back to the requester: its recipient is the member that sent the request.
                guard let row = try Row.fetchOne(db, sql: """
                    SELECT bank, status FROM account_opening WHERE requester = ? AND request_ref = ?
                    """, arguments: [recipient.value, requestRef]),
                    row["bank"] as String == sender.value,
                    let status = AccountOpeningStatus(rawValue: row["status"])
                else {
                    throw GatewayProblem(.badRequest, detail: "requestRef does not name an account-opening request sent to this bank by the recipient")
                }
                if outcome == .opened, accountID == nil {
                    throw GatewayProblem(.badRequest, detail: "payload.accountId: is required when the outcome is opened")
                }
                switch status.applying(outcome) {
                case .contradicts:
                    throw GatewayProblem(.conflict, detail: "outcome \(outcome.rawValue) contradicts the account opening's status \(status.rawValue)")
                case .unchanged:
                    break
                case .moveTo(let next):
                    try db.execute(sql: """
                        UPDATE account_opening SET status = ?,
                            account_id = COALESCE(?, account_id), reason_code = COALESCE(?, reason_code), reason = COALESCE(?, reason)
                        WHERE requester = ? AND request_ref = ?
                        """, arguments: [next.rawValue, accountID, reasonCode, reason, recipient.value, requestRef])
                }
                try Self.insertStep(db, requester: recipient, requestRef: requestRef, outcome: outcome, messageID: id, at: at, reasonCode: reasonCode)
            }
        default:
            return nil
        }
    }

    private static func insertStep(
        _ db: Database, requester: MemberID, requestRef: String, outcome: AccountOpeningStatus, messageID: String, at: Int64, reasonCode: String?
    ) throws {
        try db.execute(sql: """
            INSERT INTO account_opening_step (requester, request_ref, outcome, message_id, at, reason_code) VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [requester.value, requestRef, outcome.rawValue, messageID, at, reasonCode])
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
