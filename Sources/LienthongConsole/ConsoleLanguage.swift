/// The console's language: Vietnamese first, English switchable (`?lang=en`).
public enum ConsoleLanguage: String, Sendable, Hashable, CaseIterable {
    /// Tiếng Việt (default).
    case vi
    /// English.
    case en

    /// The language named by a `lang` query value; Vietnamese for anything else.
    public init(query: String?) {
        self = query.flatMap(ConsoleLanguage.init(rawValue:)) ?? .vi
    }

    /// Picks the text for this language.
    public func pick(_ vietnamese: String, _ english: String) -> String {
        self == .vi ? vietnamese : english
    }
}
