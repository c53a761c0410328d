import Foundation
import LienthongAudit
public import LienthongCore
public import LienthongQueue
import Logging
import PostgresNIO

/// The account-opening ledger in PostgreSQL (tables of ``PostgresQueueStore``'s `queue-v2` migration): the
/// writes of an ``AccountOpeningAdmission`` applied in the queue's accepting transaction, and the reads of
/// ``AccountOpeningBook``. Shared by every gateway instance on the database.
///
/// Concurrency across instances: the ledger row a result names is locked (`FOR UPDATE`) before
/// ``AccountOpeningAdmission/decide(current:)`` runs, so two results for one request are judged one after the
/// other; two requests with one `requestRef` race on the primary key and the loser is refused with `409`.
public struct PostgresAccountOpeningBook: AccountOpeningBook {
    /// The database holding the ledger.
    public let database: PostgresDatabase

    /// A book reading `database` (whose queue migrations have been applied).
    public init(database: PostgresDatabase) {
        self.database = database
    }

    /// Applies `admission` on `connection` (inside the accepting transaction); throws the refusal.
    static func apply(_ admission: AccountOpeningAdmission, _ connection: PostgresConnection, logger: Logger) async throws {
        let requester = admission.requester.value
        let ref = admission.requestRef
        let rows = try await connection.query("""
            SELECT "bank", "status" FROM account_opening WHERE "requester" = \(requester) AND "request_ref" = \(ref) FOR UPDATE
            """, logger: logger).collect()
        let current = try rows.first.map { row -> AccountOpeningAdmission.Row in
            let row = row.makeRandomAccess()
            return AccountOpeningAdmission.Row(
                bank: try row[0].decode(String.self),
                status: AccountOpeningStatus(rawValue: try row[1].decode(String.self)) ?? .requested)
        }
        for write in try admission.decide(current: current) {
            switch write {
            case .insertOpening(let bank, let personalID):
                let inserted = try await connection.query("""
                    INSERT INTO account_opening ("requester", "request_ref", "bank", "personal_id", "status")
                    VALUES (\(requester), \(ref), \(bank), \(personalID), \(AccountOpeningStatus.requested.rawValue))
                    ON CONFLICT ("requester", "request_ref") DO NOTHING RETURNING 1
                    """, logger: logger).collect()
                guard !inserted.isEmpty else { throw AccountOpeningAdmission.duplicateRequest }
            case .setStatus(let status, let accountID, let reasonCode, let reason):
                try await connection.query("""
                    UPDATE account_opening SET "status" = \(status.rawValue),
                        "account_id" = COALESCE(\(accountID)::text, "account_id"),
                        "reason_code" = COALESCE(\(reasonCode)::text, "reason_code"),
                        "reason" = COALESCE(\(reason)::text, "reason")
                    WHERE "requester" = \(requester) AND "request_ref" = \(ref)
                    """, logger: logger)
            case .insertStep(let outcome, let reasonCode):
                try await connection.query("""
                    INSERT INTO account_opening_step ("requester", "request_ref", "outcome", "message_id", "at", "reason_code")
                    VALUES (\(requester), \(ref), \(outcome.rawValue), \(admission.messageID), \(admission.at), \(reasonCode))
                    """, logger: logger)
            }
        }
    }

    /// The account opening `requestRef` of `requester`, if any.
    public func opening(requester: MemberID, requestRef: String) async throws -> AccountOpening? {
        try await openings(where: requester.value, requestRef: requestRef, personalID: nil).first
    }

    /// Every account opening `requester` sent for the person with `personalID`, oldest request first.
    public func openings(requester: MemberID, personalID: String) async throws -> [AccountOpening] {
        try await openings(where: requester.value, requestRef: nil, personalID: personalID)
    }

    private func openings(where requester: String, requestRef: String?, personalID: String?) async throws -> [AccountOpening] {
        let logger = database.logger
        return try await database.withSnapshot { connection in
            let rows = try await connection.query("""
                SELECT o."request_ref", o."bank", o."status", o."account_id", o."reason_code", o."reason"
                FROM account_opening o
                WHERE o."requester" = \(requester)
                  AND (\(requestRef)::text IS NULL OR o."request_ref" = \(requestRef)::text)
                  AND (\(personalID)::text IS NULL OR o."personal_id" = \(personalID)::text)
                ORDER BY (SELECT MIN(s."step") FROM account_opening_step s
                          WHERE s."requester" = o."requester" AND s."request_ref" = o."request_ref")
                """, logger: logger).collect()
            var openings: [AccountOpening] = []
            for row in rows {
                let (ref, bank, status, accountID, reasonCode, reason) = try row.decode(
                    (String, String, String, String?, String?, String?).self)
                let steps = try await connection.query("""
                    SELECT "outcome", "message_id", "at", "reason_code" FROM account_opening_step
                    WHERE "requester" = \(requester) AND "request_ref" = \(ref) ORDER BY "at", "step"
                    """, logger: logger).collect().map { step in
                    let (outcome, messageID, at, stepReason) = try step.decode((String, String, Int64, String?).self)
                    return AccountOpening.Step(
                        outcome: AccountOpeningStatus(rawValue: outcome) ?? .requested, messageId: messageID,
                        at: AuditTimestamp.string(millisecondsSince1970: at), reasonCode: stepReason)
                }
                openings.append(AccountOpening(
                    requestRef: ref, requester: requester, bank: bank, status: AccountOpeningStatus(rawValue: status) ?? .requested,
                    accountId: accountID, reasonCode: reasonCode, reason: reason, steps: steps))
            }
            return openings
        }
    }
}
