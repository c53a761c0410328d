/// The old identity-card number (chứng minh nhân dân, CMND), kept only as a legacy field.
///
/// Accepts the 9-digit form (first two digits = issuing province, in the CMND's own numbering,
/// which is not checked here) and the 12-digit form issued 2012–2016, which has the layout of the
/// personal id number and is validated as one. 9-digit CMNDs stopped being valid identity documents
/// on 31 Dec 2024; use ``PersonalID`` for new data.
///
/// ```swift
/// let old = try CMND("271234567")
/// old.isTwelveDigit   // false
/// ```
///
/// `description` is redacted; read ``digits`` explicitly. Encodes as a plain JSON string.
public struct CMND: Sendable, Hashable, Codable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The 9 or 12 ASCII digits.
    public let digits: String

    /// Parses a CMND: 9 ASCII digits, or 12 digits that form a valid personal id number.
    public init(_ text: String, field: String = "cmnd") throws(IdentifierError) {
        let count = try ASCIIDigits.count(text, field: field, name: "CMND number")
        switch count {
        case 9:
            break
        case 12:
            _ = try PersonalID(text, field: field)
        default:
            throw IdentifierError(.wrongLength, field: field, detail: "CMND number must have 9 or 12 digits")
        }
        self.digits = text
    }

    /// Whether this is the 12-digit form (equal to the holder's personal id number).
    public var isTwelveDigit: Bool { digits.utf8.count == 12 }

    /// The personal id number for the 12-digit form, `nil` for the 9-digit form.
    public var personalID: PersonalID? { isTwelveDigit ? try? PersonalID(digits) : nil }

    /// Redacted: never the number itself.
    public var description: String { "CMND(redacted)" }
    /// Redacted: never the number itself.
    public var debugDescription: String { description }

    /// Decodes from a JSON string, validating it.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do { self = try CMND(text) } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes as a JSON string of the digits.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(digits)
    }
}

/// The social-insurance number (mã số BHXH): 10 digits, lifelong, first two = province code.
///
/// Since 1 Aug 2025 the personal id number replaces it in new exchanges (Official Letter
/// 1804/BHXH-QLT); synchronisations carry both.
///
/// `description` is redacted; read ``digits`` explicitly. Encodes as a plain JSON string.
public struct SocialInsuranceNumber: Sendable, Hashable, Codable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The 10 ASCII digits.
    public let digits: String

    /// Parses exactly 10 ASCII digits.
    public init(_ text: String, field: String = "socialInsuranceNumber") throws(IdentifierError) {
        try ASCIIDigits.check(text, length: 10, field: field, name: "social-insurance number")
        self.digits = text
    }

    /// The two-digit province code at the start (as assigned by social insurance; not validated).
    public var provinceCode: String { String(digits.prefix(2)) }

    /// Redacted: never the number itself.
    public var description: String { "SocialInsuranceNumber(redacted)" }
    /// Redacted: never the number itself.
    public var debugDescription: String { description }

    /// Decodes from a JSON string, validating it.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do { self = try SocialInsuranceNumber(text) } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes as a JSON string of the digits.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(digits)
    }
}

/// The 15-character health-insurance card code (mã thẻ BHYT, Decision 1351/QĐ-BHXH):
/// `XX N PP NNNNNNNNNN`, i.e. `^[A-Z]{2}[1-5][0-9]{2}[0-9]{10}$`.
///
/// ```swift
/// let card = try HealthInsuranceCardCode("DN4797512345678")
/// card.group      // "DN"
/// card.level      // 4
/// card.province   // "79"
/// card.socialInsuranceNumber.digits   // "7512345678"
/// ```
///
/// Cards issued since 1 Apr 2021 print only the 10-digit ``SocialInsuranceNumber``; parse that with
/// its own type. `description` is redacted. Encodes as a plain JSON string.
public struct HealthInsuranceCardCode: Sendable, Hashable, Codable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The 15 characters.
    public let value: String

    /// Parses a card code strictly: two upper-case ASCII letters, a benefit level 1–5, two province
    /// digits, then the 10-digit social-insurance number.
    public init(_ text: String, field: String = "healthInsuranceCard") throws(IdentifierError) {
        var index = 0
        for byte in text.utf8 {
            let ok: Bool
            switch index {
            case 0, 1: ok = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")
            case 2: ok = byte >= UInt8(ascii: "1") && byte <= UInt8(ascii: "5")
            case 3...14: ok = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
            default: ok = false
            }
            guard ok else {
                if index >= 15 {
                    throw IdentifierError(.wrongLength, field: field, detail: "health-insurance card code must have 15 characters")
                }
                throw IdentifierError(.invalidFormat, field: field,
                                      detail: "health-insurance card code must be 2 letters A-Z, a level 1-5, 2 province digits and 10 digits")
            }
            index += 1
        }
        guard index == 15 else {
            throw IdentifierError(.wrongLength, field: field, detail: "health-insurance card code must have 15 characters")
        }
        self.value = text
    }

    /// The two-letter beneficiary group (e.g. `DN`, `HT`, `TE`, `HN`, `CN`).
    public var group: String { String(value.prefix(2)) }

    /// The benefit level, 1–5.
    public var level: Int { Int(value.utf8[value.utf8.index(value.utf8.startIndex, offsetBy: 2)] - UInt8(ascii: "0")) }

    /// The two-digit province code of the issuing office.
    public var province: String { String(value.dropFirst(3).prefix(2)) }

    /// The 10-digit social-insurance number at the end.
    public var socialInsuranceNumber: SocialInsuranceNumber {
        // The initialiser checked that the last ten characters are digits.
        SocialInsuranceNumber(uncheckedDigits: String(value.suffix(10)))
    }

    /// Redacted: never the code itself.
    public var description: String { "HealthInsuranceCardCode(redacted)" }
    /// Redacted: never the code itself.
    public var debugDescription: String { description }

    /// Decodes from a JSON string, validating it.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do { self = try HealthInsuranceCardCode(text) } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes as a JSON string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}

extension SocialInsuranceNumber {
    /// For digits already validated by a containing code.
    init(uncheckedDigits: String) { self.digits = uncheckedDigits }
}
