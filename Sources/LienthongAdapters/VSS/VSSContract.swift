public import LienthongCore

// The gateway's JSON contract of `vss.lookup-participant` (`Contracts/services/vss.md`).
// Keys are lowerCamelCase, dates `YYYY-MM-DD`, ids strings.

/// Request of `vss.lookup-participant`: exactly one of the two numbers.
///
/// ```swift
/// let request = try ContractValidation.decode(LookupParticipantRequest.self, from: body)
/// try request.validate()
/// ```
public struct LookupParticipantRequest: Codable, Sendable, Hashable {
    /// The 12-digit personal id number.
    public var personalId: String?
    /// The 10-digit social-insurance number (mã số BHXH).
    public var socialInsuranceNumber: String?

    /// Creates a request; give exactly one of the two numbers.
    public init(personalId: String? = nil, socialInsuranceNumber: String? = nil) {
        self.personalId = personalId
        self.socialInsuranceNumber = socialInsuranceNumber
    }

    /// Checks that exactly one number is given and well formed; the problem names the field, never its value.
    public func validate() throws(GatewayProblem) {
        _ = try query()
    }

    /// The validated upstream query.
    public func query() throws(GatewayProblem) -> VSSUpstream.Query {
        switch (personalId, socialInsuranceNumber) {
        case (let number?, nil):
            return .personalID(try ContractValidation.personalID(number, field: "personalId").digits)
        case (nil, let number?):
            return .socialInsuranceNumber(try ContractValidation.socialInsuranceNumber(number, field: "socialInsuranceNumber").digits)
        case (nil, nil):
            throw GatewayProblem(.badRequest, detail: "one of personalId or socialInsuranceNumber is required")
        case (_?, _?):
            throw GatewayProblem(.badRequest, detail: "give only one of personalId or socialInsuranceNumber")
        }
    }
}

/// A participant as `vss.lookup-participant` returns it.
public struct ParticipantSummary: Codable, Sendable, Hashable {
    /// The 12-digit personal id number.
    public var personalId: String
    /// The 10-digit social-insurance number.
    public var socialInsuranceNumber: String
    /// Whether the person contributes now.
    public var participation: InsuranceParticipation
    /// The scheme.
    public var scheme: InsuranceScheme
    /// Since when the current participation state holds, `YYYY-MM-DD`.
    public var since: String
    /// The 15-character health-insurance card code, when the person holds a card.
    public var healthInsuranceCard: String?

    /// Creates a summary.
    public init(
        personalId: String, socialInsuranceNumber: String, participation: InsuranceParticipation, scheme: InsuranceScheme,
        since: String, healthInsuranceCard: String? = nil
    ) {
        self.personalId = personalId
        self.socialInsuranceNumber = socialInsuranceNumber
        self.participation = participation
        self.scheme = scheme
        self.since = since
        self.healthInsuranceCard = healthInsuranceCard
    }

    /// The upstream record without its province code.
    public init(_ record: VSSUpstream.Participant) {
        self.init(
            personalId: record.personalId, socialInsuranceNumber: record.socialInsuranceNumber,
            participation: record.participation, scheme: record.scheme, since: record.since,
            healthInsuranceCard: record.healthInsuranceCard)
    }
}

/// Answer of `vss.lookup-participant`.
public struct LookupParticipantResponse: Codable, Sendable, Hashable {
    /// The outcome.
    public enum Status: String, Codable, Sendable, Hashable {
        /// The person is in the social-insurance register.
        case found
        /// The number is not in the register.
        case notFound = "not_found"
    }

    /// The outcome.
    public var status: Status
    /// The participant; absent when not found.
    public var participant: ParticipantSummary?

    /// Creates an answer.
    public init(status: Status, participant: ParticipantSummary? = nil) {
        self.status = status
        self.participant = participant
    }
}

extension ContractValidation {
    /// A 10-digit social-insurance number.
    public static func socialInsuranceNumber(_ text: String, field: String) throws(GatewayProblem) -> SocialInsuranceNumber {
        do {
            return try SocialInsuranceNumber(text, field: field)
        } catch {
            throw GatewayProblem(.badRequest, detail: "\(field) must be a 10-digit social-insurance number")
        }
    }
}
