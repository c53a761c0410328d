import ArgumentParser
import Foundation
import LienthongAudit
import LienthongConfig
import LienthongCore
import LienthongGateway
import LienthongQueue

struct QueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue", abstract: "The durable outbound queue: list, show, retry dead messages, purge delivered ones.",
        subcommands: [List.self, Show.self, Retry.self, Purge.self])

    /// Runs `body` on the queue of the configuration's storage (SQLite or PostgreSQL).
    static func withQueue<T: Sendable>(_ options: ConfigOption, _ body: @escaping @Sendable (any GatewayQueue) async throws -> T) async throws -> T {
        try await withStorage(try options.load(checkFiles: false)) { storage, _ in try await body(storage.queue) }
    }

    static func member(_ text: String?, option: String) throws -> MemberID? {
        guard let text else { return nil }
        guard let id = try? MemberID(text) else { throw ValidationError("\(option) must be a member id, e.g. bank.970436") }
        return id
    }

    /// One line per message: no payload (it may hold personal data).
    static func line(_ m: QueuedMessage) -> String {
        let error = m.lifecycle.lastError.map { " last-error=\($0)" } ?? ""
        return "\(m.id)  \(m.status.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(m.type)  \(m.sender) → \(m.recipient)  attempts=\(m.lifecycle.attempts)  accepted=\(m.acceptedAt.formatted(.iso8601))\(error)"
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List messages, newest filters first: by state, recipient, type.")
        @OptionGroup var options: ConfigOption
        @Option(help: "queued | leased | waiting-retry | delivered | dead") var state: String?
        @Option(help: "Recipient member id.") var recipient: String?
        @Option(help: "Message type.") var type: String?
        @Option(help: "At most this many.") var limit: Int = 100

        func run() async throws {
            let kind = try state.map { text -> MessageState.Kind in
                guard let kind = MessageState.Kind(rawValue: text) else {
                    throw ValidationError("--state must be one of \(MessageState.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return kind
            }
            let recipient = try QueueCommand.member(recipient, option: "--recipient")
            let (type, limit) = (type, limit)
            let messages = try await QueueCommand.withQueue(options) { try await $0.list(state: kind, recipient: recipient, type: type, limit: limit) }
            for message in messages { print(QueueCommand.line(message)) }
            print("\(messages.count) message(s)")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one message's state (not its payload).")
        @OptionGroup var options: ConfigOption
        @Argument(help: "Message id.") var id: String

        func run() async throws {
            let id = id
            guard let message = try await QueueCommand.withQueue(options, { try await $0.message(id: id.lowercased()) }) else { throw CLIError(message: "no message \(id)") }
            print(QueueCommand.line(message))
            print("state: \(message.lifecycle.state.kind.rawValue), payload: \(message.payload.count) bytes, sha256 \(message.payloadHash)")
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Put a dead message, or all dead messages of a recipient, back in the queue (audited).")
        @OptionGroup var options: ConfigOption
        @Argument(help: "Message id (or use --recipient).") var id: String?
        @Option(help: "Retry every dead message of this recipient.") var recipient: String?
        @Option(help: "Operator name recorded in the audit log.") var user: String = NSUserName()

        func run() async throws {
            let user = user
            if let id {
                guard try await QueueCommand.withQueue(options, { try await $0.retryDead(id: id.lowercased(), now: Date(), user: user) }) else {
                    throw CLIError(message: "\(id): not a dead message")
                }
                print("\(id): queued again")
            } else if let recipient = try QueueCommand.member(recipient, option: "--recipient") {
                let count = try await QueueCommand.withQueue(options) { try await $0.retryAllDead(recipient: recipient, now: Date(), user: user) }
                print("\(count) dead message(s) of \(recipient) queued again")
            } else {
                throw ValidationError("give a message id or --recipient")
            }
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete delivered messages older than N days (audited).")
        @OptionGroup var options: ConfigOption
        @Option(help: "Age in days.") var olderThanDays: Int
        @Option(help: "Operator name recorded in the audit log.") var user: String = NSUserName()

        func run() async throws {
            guard olderThanDays >= 0 else { throw ValidationError("--older-than-days must be ≥ 0") }
            let (cutoff, user) = (Date().addingTimeInterval(-Double(olderThanDays) * 86_400), user)
            let count = try await QueueCommand.withQueue(options) { try await $0.purgeDelivered(olderThan: cutoff, user: user) }
            print("\(count) delivered message(s) purged")
        }
    }
}
