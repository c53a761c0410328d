public import LienthongCore

/// Finds the bank a list's "Ngân hàng" cell names: a 6-digit BIN, a short name (`Agribank`, `BIDV`), a full name
/// (`Ngân hàng TMCP Ngoại Thương Việt Nam`), either with a leading "Ngân hàng"/"NH"/"Ngân hàng TMCP", or a common
/// abbreviation (`VCB`, `CTG`, `TCB`…). Matching ignores case, diacritics, spaces and punctuation. Keys on the BIN
/// (REFERENCE.md: short names differ between public lists).
public struct BankMatcher: Sendable {
    /// The matcher over ``BankCatalog/standard``.
    public static let standard = BankMatcher(catalog: .standard)

    /// Abbreviations seen in officers' lists that are not a catalog short name → BIN.
    public static let abbreviations: [String: String] = [
        "vcb": "970436", "ctg": "970415", "vietin": "970415", "viettinbank": "970415", "tcb": "970407",
        "mb": "970422", "quandoi": "970422", "vpb": "970432", "stb": "970403", "lpb": "970449",
        "lienvietpostbank": "970449", "lienviet": "970449", "bid": "970418", "vba": "970405", "hdb": "970437",
        "eib": "970431", "msb": "970426", "maritimebank": "970426", "ocb": "970448", "seab": "970440",
    ]

    /// The catalog searched.
    public let catalog: BankCatalog
    private let byKey: [String: String]

    /// Builds the lookup for `catalog` (e.g. the standard catalog merged with the configured VBSP entry).
    public init(catalog: BankCatalog) {
        self.catalog = catalog
        var byKey = BankMatcher.abbreviations
        for bank in catalog.banks {
            byKey[ListHeader.key(bank.shortName)] = bank.bin
            byKey[ListHeader.key(bank.name)] = bank.bin
        }
        self.byKey = byKey
    }

    /// The bank `text` names, `nil` when none (an e-wallet or mobile-money provider, or an unknown bank).
    public func bank(for text: String) -> Bank? {
        guard let text = FieldParser.trimmed(text) else { return nil }
        if text.utf8.count == 6, text.utf8.allSatisfy(FieldParser.isDigit) { return catalog.bank(bin: text) }
        let key = ListHeader.key(text)
        if let bin = byKey[key] { return catalog.bank(bin: bin) }
        for prefix in ["nganhangthuongmaicophan", "nganhangtmcp", "nganhang", "nhtmcp", "nh"] where key.hasPrefix(prefix) {
            if let bin = byKey[String(key.dropFirst(prefix.utf8.count))] { return catalog.bank(bin: bin) }
        }
        return nil
    }
}
