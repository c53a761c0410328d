/// The login page (`/console/login`): one password field for the operator token.
///
/// The form posts to `/console/login` with the fields `token`, `lang`, optionally `csrf` and `next` (the console
/// path to return to; the handler must accept only paths under `/console`).
public struct LoginViewModel: Sendable, Hashable {
    /// Time and instance name (refresh is ignored on this page).
    public var context: ConsoleContext
    /// `true` after a wrong token: shows "Mã vận hành không đúng" / "Wrong operator token".
    public var failed: Bool
    /// A console path to return to after signing in (sent back as `next`), or `nil`.
    public var next: String?
    /// An anti-CSRF token for the login form, or `nil` when the caller does not use one.
    public var csrfToken: String?

    /// Creates the model.
    public init(context: ConsoleContext, failed: Bool = false, next: String? = nil, csrfToken: String? = nil) {
        self.context = context
        self.failed = failed
        self.next = next
        self.csrfToken = csrfToken
    }
}

extension ConsoleRenderer {
    /// The path the login form posts to.
    public static let loginPath = "/console/login"

    /// The login page (`/console/login`).
    public static func renderLogin(_ model: LoginViewModel, language: ConsoleLanguage) -> String {
        let l = language
        var html = "<div class=\"card login\">\n"
        html += "<p>" + HTML.escape(l.pick(
            "Bảng điều khiển đang mở trên một địa chỉ không phải loopback; hãy nhập mã vận hành.",
            "The console is bound to a non-loopback address; enter the operator token."
        )) + "</p>\n"
        html += "<form method=\"post\" action=\"\(loginPath)\">\n"
        html += "<label for=\"token\">\(HTML.escape(l.pick("Mã vận hành", "Operator token")))</label>\n"
        html += "<input type=\"password\" id=\"token\" name=\"token\" autocomplete=\"current-password\" required=\"required\" />\n"
        html += ConsoleLayout.hiddenLanguage(l) + "\n"
        if let next = model.next {
            html += "<input type=\"hidden\" name=\"next\" value=\"\(HTML.attribute(next))\" />\n"
        }
        if let csrf = model.csrfToken {
            html += "<input type=\"hidden\" name=\"csrf\" value=\"\(HTML.attribute(csrf))\" />\n"
        }
        html += "<button type=\"submit\">\(HTML.escape(l.pick("Đăng nhập", "Sign in")))</button>\n</form>\n</div>\n"
        let flash = model.failed ? ConsoleFlash(kind: .error, message: l.pick("Mã vận hành không đúng", "Wrong operator token")) : nil
        return ConsoleLayout.render(page: .login, language: l, context: model.context, content: html, flash: flash, showsNavigation: false)
    }
}
