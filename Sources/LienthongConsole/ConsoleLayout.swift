/// The page frame shared by every console page: an HTML5 document that is also well-formed XML (every element
/// closed, attributes quoted, only XML entities), with one inline stylesheet, system fonts, no script, and no URL
/// outside the machine.
public enum ConsoleLayout {
    /// The console's stylesheet (inlined into every page; system fonts only, nothing fetched).
    public static let stylesheet = """
    :root{--fg:#1d232a;--muted:#5b6673;--line:#d7dde3;--bg:#f6f8fa;--card:#fff;--accent:#0b5cad;--ok:#17663a;--okbg:#e3f4ea;\
    --warn:#8a5300;--warnbg:#fff3d6;--bad:#a1111b;--badbg:#fde7e9}
    *{box-sizing:border-box}
    body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Liberation Sans",Arial,sans-serif;\
    font-size:15px;line-height:1.45;color:var(--fg);background:var(--bg)}
    header{background:#10263f;color:#fff;padding:.6rem 1.2rem;display:flex;flex-wrap:wrap;align-items:center;gap:.4rem 1.2rem}
    header .brand{font-weight:700;letter-spacing:.02em}
    header .instance{color:#b8c7d8;font-size:.85rem}
    header nav{display:flex;flex-wrap:wrap;gap:.2rem}
    header nav a{color:#dce6f1;text-decoration:none;padding:.3rem .6rem;border-radius:4px}
    header nav a:hover,header nav a:focus{background:#23456b;color:#fff}
    header nav a[aria-current="page"]{background:#fff;color:#10263f;font-weight:600}
    header .lang{margin-left:auto;color:#fff}
    main{max-width:1200px;margin:0 auto;padding:1rem 1.2rem 2rem}
    h1{font-size:1.5rem;margin:.4rem 0 1rem}
    h2{font-size:1.1rem;margin:1.6rem 0 .6rem}
    section.card,div.card{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.8rem 1rem;margin:0 0 1rem}
    .tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:.8rem;margin:0 0 1rem}
    .tile{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.6rem .8rem}
    .tile .label{color:var(--muted);font-size:.8rem}
    .tile .value{font-size:1.5rem;font-weight:650;font-variant-numeric:tabular-nums}
    table{border-collapse:collapse;width:100%;background:var(--card);font-variant-numeric:tabular-nums}
    th,td{border-bottom:1px solid var(--line);padding:.35rem .5rem;text-align:left;vertical-align:top}
    th{background:#eef2f6;font-weight:600;font-size:.85rem}
    td.num,th.num{text-align:right}
    code,.mono{font-family:ui-monospace,"DejaVu Sans Mono","Liberation Mono",Menlo,Consolas,monospace;font-size:.85rem}
    .badge{display:inline-block;padding:.05rem .45rem;border:1px solid currentColor;border-radius:999px;font-size:.75rem;font-weight:600;white-space:nowrap}
    .badge.ok{background:var(--okbg);color:var(--ok)}
    .badge.warn{background:var(--warnbg);color:var(--warn)}
    .badge.bad{background:var(--badbg);color:var(--bad)}
    tr.warning td{background:var(--warnbg)}
    tr.expired td{background:var(--badbg)}
    .flash{padding:.5rem .8rem;border-radius:6px;margin:0 0 1rem;font-weight:600}
    .flash.success{background:var(--okbg);color:var(--ok)}
    .flash.error{background:var(--badbg);color:var(--bad)}
    .muted,.note{color:var(--muted);font-size:.85rem}
    button,input[type=submit]{font:inherit;padding:.25rem .7rem;border:1px solid var(--accent);background:var(--accent);\
    color:#fff;border-radius:4px;cursor:pointer;white-space:nowrap}
    input[type=password]{font:inherit;padding:.35rem .5rem;border:1px solid var(--line);border-radius:4px;width:100%}
    form.inline{margin:0}
    progress{width:140px;height:.9rem;vertical-align:middle}
    .charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:1rem}
    figure{margin:0;background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.6rem .8rem}
    figcaption{font-weight:600;margin:0 0 .4rem}
    svg{max-width:100%;height:auto;font-family:inherit}
    svg text{font-size:12px;fill:#1d232a}
    svg text.axis{fill:#5b6673}
    details{margin-top:.4rem}
    summary{cursor:pointer;color:var(--accent);font-size:.85rem}
    footer{max-width:1200px;margin:0 auto;padding:0 1.2rem 1.5rem;color:var(--muted);font-size:.8rem}
    .login{max-width:380px;margin:3rem auto}
    .login label{display:block;margin:.6rem 0 .3rem;font-weight:600}
    .login button{margin-top:.8rem}
    """

    /// The `Content-Type` of every console page.
    public static let contentType = "text/html; charset=utf-8"

    /// Response headers to send with every console page. The Content-Security-Policy lets the browser load
    /// nothing at all (no script, font, image or frame; inline styles only; forms post to the console itself), so
    /// "nothing from outside the machine" also holds if a page were ever given an outside URL.
    public static let securityHeaders: [String: String] = [
        "Content-Security-Policy":
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
            + "frame-ancestors 'none'; base-uri 'none'",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
        "X-Frame-Options": "DENY",
    ]

    /// A whole page: doctype, `<html lang>`, head (charset, viewport, title, optional refresh, stylesheet), header
    /// with the navigation and the language switch, the flash message, `content` (already escaped markup), footer.
    ///
    /// - Parameters:
    ///   - page: the page being shown (marks the navigation entry and builds the language-switch link).
    ///   - language: the page's language.
    ///   - context: time, instance name and refresh interval.
    ///   - content: the page body, markup produced by the console's renderers (never raw user text).
    ///   - flash: an optional message line above the content.
    ///   - showsNavigation: `false` for the login page.
    public static func render(
        page: ConsolePage,
        language: ConsoleLanguage,
        context: ConsoleContext,
        content: String,
        flash: ConsoleFlash? = nil,
        showsNavigation: Bool = true
    ) -> String {
        let title = page.title(language)
        var html = "<!DOCTYPE html>\n"
        html += "<html lang=\"\(language.rawValue)\">\n<head>\n"
        html += "<meta charset=\"utf-8\" />\n"
        html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n"
        html += "<meta name=\"robots\" content=\"noindex\" />\n"
        html += "<meta name=\"referrer\" content=\"no-referrer\" />\n"
        if let seconds = context.refreshSeconds, seconds > 0, page != .login {
            html += "<meta http-equiv=\"refresh\" content=\"\(seconds)\" />\n"
        }
        html += "<title>\(HTML.escape(title)) · Liên thông</title>\n"
        html += "<style>\n\(stylesheet)\n</style>\n</head>\n<body>\n"
        html += "<header>\n<span class=\"brand\">Liên thông</span>\n"
        html += "<span class=\"instance\">\(HTML.escape(context.instanceName))</span>\n"
        if showsNavigation {
            html += "<nav aria-label=\"\(HTML.attribute(language.pick("Trang", "Pages")))\">\n"
            for entry in ConsolePage.navigation {
                let current = entry == page ? " aria-current=\"page\"" : ""
                html += "<a href=\"\(HTML.attribute(entry.href(language)))\"\(current)>\(HTML.escape(entry.title(language)))</a>\n"
            }
            html += "</nav>\n"
        }
        let other: ConsoleLanguage = language == .vi ? .en : .vi
        let switchHref = page.path + "?lang=" + other.rawValue
        html += "<a class=\"lang\" href=\"\(HTML.attribute(switchHref))\" hreflang=\"\(other.rawValue)\" lang=\"\(other.rawValue)\">"
        html += HTML.escape(other == .en ? "English" : "Tiếng Việt") + "</a>\n"
        html += "</header>\n<main>\n"
        html += "<h1>\(HTML.escape(title))</h1>\n"
        if let flash {
            let role = flash.kind == .error ? "alert" : "status"
            html += "<p class=\"flash \(flash.kind.rawValue)\" role=\"\(role)\">\(HTML.escape(flash.message))</p>\n"
        }
        html += content
        html += "</main>\n<footer>\n"
        html += HTML.escape(
            language.pick("Cập nhật lúc ", "Rendered at ")
                + ConsoleFormat.dateTime(context.now, offsetSeconds: context.utcOffsetSeconds) + " ("
                + ConsoleFormat.utcOffset(context.utcOffsetSeconds) + ")"
        )
        if let seconds = context.refreshSeconds, seconds > 0, page != .login {
            html += HTML.escape(language.pick(" · tự làm mới sau \(seconds) giây", " · refreshes every \(seconds) s"))
        }
        html += "\n</footer>\n</body>\n</html>\n"
        return html
    }

    /// Hidden `lang` input, so a form's answer (a redirect) can keep the page's language.
    static func hiddenLanguage(_ language: ConsoleLanguage) -> String {
        "<input type=\"hidden\" name=\"lang\" value=\"\(language.rawValue)\" />"
    }

    /// A table cell with a right-aligned number.
    static func numberCell(_ value: Int?, _ language: ConsoleLanguage) -> String {
        "<td class=\"num\">\(HTML.escape(ConsoleFormat.integer(value, language)))</td>"
    }

    /// A table cell with escaped text.
    static func textCell(_ text: String, class className: String? = nil) -> String {
        let attribute = className.map { " class=\"\(HTML.attribute($0))\"" } ?? ""
        return "<td\(attribute)>\(HTML.escape(text))</td>"
    }

    /// A header row of a table (`<thead>`), the cells listed with `num` for right-aligned columns.
    static func headerRow(_ columns: [(String, Bool)]) -> String {
        var html = "<thead><tr>"
        for (label, numeric) in columns {
            html += numeric ? "<th scope=\"col\" class=\"num\">" : "<th scope=\"col\">"
            html += HTML.escape(label) + "</th>"
        }
        return html + "</tr></thead>\n"
    }

    /// A summary tile (label above a big value).
    static func tile(_ label: String, _ value: String, id: String? = nil) -> String {
        let identifier = id.map { " id=\"\(HTML.attribute($0))\"" } ?? ""
        return "<div class=\"tile\"\(identifier)><div class=\"label\">\(HTML.escape(label))</div>"
            + "<div class=\"value\">\(HTML.escape(value))</div></div>\n"
    }
}
