public import Foundation

/// The console's pages and their paths on the admin listener.
public enum ConsolePage: String, Sendable, Hashable, CaseIterable {
    /// `/console`: traffic, errors, queue depth, audit head.
    case overview
    /// `/console/queue`: counts per recipient and state, dead letters with retry.
    case queue
    /// `/console/members`: members and certificate expiry.
    case members
    /// `/console/audit`: chain status and the latest checkpoints.
    case audit
    /// `/console/registry`: social-security registry batches and running jobs.
    case registry
    /// `/console/labor`: the labour dashboard.
    case labor
    /// `/console/login`: the operator-token form (not in the navigation).
    case login

    /// The pages listed in the navigation, in order.
    public static let navigation: [ConsolePage] = [.overview, .queue, .members, .audit, .registry, .labor]

    /// The page's path (`/console`, `/console/queue`, …).
    public var path: String {
        self == .overview ? "/console" : "/console/\(rawValue)"
    }

    /// The page whose path is `path` (a trailing `/` is ignored); `nil` for any other path.
    public init?(path: String) {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let page = ConsolePage.allCases.first(where: { $0.path == trimmed }) else { return nil }
        self = page
    }

    /// The page's title in `language` (also its navigation label).
    public func title(_ language: ConsoleLanguage) -> String {
        switch self {
        case .overview: language.pick("Tổng quan", "Overview")
        case .queue: language.pick("Hàng đợi", "Queue")
        case .members: language.pick("Thành viên", "Members")
        case .audit: language.pick("Nhật ký kiểm toán", "Audit")
        case .registry: language.pick("An sinh xã hội", "Registry")
        case .labor: language.pick("Lao động", "Labour")
        case .login: language.pick("Đăng nhập", "Sign in")
        }
    }

    /// The page's path with the language query when it is not the default (`/console/queue?lang=en`).
    public func href(_ language: ConsoleLanguage) -> String {
        language == .vi ? path : path + "?lang=" + language.rawValue
    }
}

/// What every page shows around its content, filled by the caller once per request.
public struct ConsoleContext: Sendable, Hashable {
    /// The time of rendering; used for "days left", ages and the footer. Pass `Date()` in the server.
    public var now: Date
    /// The gateway instance shown in the header (for example the host name or `lienthong-dongnai`).
    public var instanceName: String
    /// When set, the page reloads itself every so many seconds (`<meta http-equiv="refresh">`, no script).
    public var refreshSeconds: Int?
    /// Offset from UTC, in seconds, used to show times (default +7 h, Vietnam; the footer names the offset).
    public var utcOffsetSeconds: Int

    /// Creates a context.
    public init(now: Date, instanceName: String = "lienthong", refreshSeconds: Int? = nil, utcOffsetSeconds: Int = 25_200) {
        self.now = now
        self.instanceName = instanceName
        self.refreshSeconds = refreshSeconds
        self.utcOffsetSeconds = utcOffsetSeconds
    }
}

/// A one-line message shown at the top of a page after an action (for example after a retry).
public struct ConsoleFlash: Sendable, Hashable {
    /// Whether the action succeeded.
    public enum Kind: String, Sendable, Hashable {
        /// Shown in green.
        case success
        /// Shown in red.
        case error
    }

    /// Success or error.
    public var kind: Kind
    /// The text (escaped when rendered); the caller writes it in the page's language or uses a constructor below.
    public var message: String

    /// Creates a message.
    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    /// "Đã đưa lại vào hàng đợi: <id>" / "Requeued: <id>", after a successful retry of a dead letter.
    public static func requeued(messageID: String, _ language: ConsoleLanguage) -> ConsoleFlash {
        ConsoleFlash(kind: .success, message: language.pick("Đã đưa lại vào hàng đợi: ", "Requeued: ") + messageID)
    }

    /// "Không thể đưa lại vào hàng đợi: <id> (<reason>)" / "Could not requeue …", after a refused retry.
    public static func requeueFailed(messageID: String, reason: String, _ language: ConsoleLanguage) -> ConsoleFlash {
        ConsoleFlash(
            kind: .error,
            message: language.pick("Không thể đưa lại vào hàng đợi: ", "Could not requeue: ") + "\(messageID) (\(reason))"
        )
    }

    /// "Phiên không hợp lệ, hãy thử lại" / "Invalid or expired form, try again", when the CSRF token did not match.
    public static func invalidForm(_ language: ConsoleLanguage) -> ConsoleFlash {
        ConsoleFlash(kind: .error, message: language.pick("Phiên không hợp lệ, hãy thử lại", "Invalid or expired form, try again"))
    }
}
