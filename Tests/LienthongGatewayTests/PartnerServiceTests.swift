import Foundation
import LienthongAdapters
import LienthongAudit
import LienthongClient
import LienthongCore
import LienthongGateway
import LienthongSimulators
import XCTest

/// `vss.lookup-participant` and `napas.verify-account` through the gateway, against the real simulators over mTLS:
/// every outcome, upstream faults as problems, and each exchange audited.
final class PartnerServiceTests: XCTestCase {
    var harness: GatewayHarness!
    var labour: PartnerClient!

    override func tearDown() async throws {
        try? await labour?.shutdown()
        await harness?.stop()
    }

    func start(napasQuirks: Set<NAPASSimulator.Quirk> = []) async throws {
        harness = try GatewayHarness()
        try await harness.start(napasQuirks: napasQuirks)
        labour = try harness.client("gov.labour.dongnai")
    }

    func vss(_ body: String) async throws -> PartnerClient.Answer {
        try await labour.call(service: "vss.lookup-participant", body: Data(body.utf8), user: "canbo-01", purpose: "labor.analysis")
    }

    func napas(_ request: VerifyAccountRequest) async throws -> PartnerClient.Answer {
        try await labour.call(service: "napas.verify-account", body: try JSONEncoder().encode(request), user: "canbo-01", purpose: "asxh.verify-account")
    }

    func audit(_ answer: PartnerClient.Answer) throws -> AuditRecord? {
        try harness.auditRecords().first { $0.seq == answer.auditSeq }
    }

    // MARK: Social insurance

    func testParticipantLookupByEitherNumberAndNotFound() async throws {
        try await start()
        let participant = try XCTUnwrap(harness.participants.participants.first)
        let byID = try await vss(#"{"personalId":"\#(participant.personalId)"}"#)
        XCTAssertEqual(byID.status, 200)
        let found = try byID.decode(LookupParticipantResponse.self)
        XCTAssertEqual(found.status, .found)
        XCTAssertEqual(found.participant?.socialInsuranceNumber, participant.socialInsuranceNumber)
        XCTAssertEqual(found.participant?.scheme, participant.scheme)

        let byNumber = try await vss(#"{"socialInsuranceNumber":"\#(participant.socialInsuranceNumber)"}"#)
        XCTAssertEqual(try byNumber.decode(LookupParticipantResponse.self).participant?.personalId, participant.personalId)
        let a = try audit(byID), b = try audit(byNumber)
        XCTAssertEqual(a?.target, "vss.lookup-participant")
        XCTAssertEqual(a?.purpose, "labor.analysis")
        XCTAssertFalse(a?.subject.isEmpty ?? true)
        XCTAssertEqual(a?.subject, b?.subject, "a look-up by BHXH number is audited under the person the answer names")

        let known = Set(harness.participants.participants.map(\.personalId))
        var serial = 900_000
        while known.contains(PersonalID.make(provinceCode: "075", birthYear: 1970, sex: .male, serial: serial).digits) { serial += 1 }
        let unknown = try await vss(#"{"personalId":"\#(PersonalID.make(provinceCode: "075", birthYear: 1970, sex: .male, serial: serial).digits)"}"#)
        XCTAssertEqual(try unknown.decode(LookupParticipantResponse.self).status, .notFound)

        let both = try await vss(#"{"personalId":"\#(participant.personalId)","socialInsuranceNumber":"\#(participant.socialInsuranceNumber)"}"#)
        XCTAssertEqual(both.status, 400)
        XCTAssertFalse(String(decoding: both.body, as: UTF8.self).contains(participant.personalId), "no number in the refusal")
    }

    func testSocialInsuranceFaultsBecomeProblemsAndAreAudited() async throws {
        try await start()
        let participant = try XCTUnwrap(harness.participants.participants.first)
        let body = #"{"personalId":"\#(participant.personalId)"}"#

        harness.vssFaults.setLatency(.milliseconds(2500))   // the harness's upstream timeout is 1500 ms
        let slow = try await vss(body)
        XCTAssertEqual(slow.status, 504)
        XCTAssertEqual(slow.problem?.type, "urn:lienthong:error:upstream-timeout")
        XCTAssertEqual(try audit(slow)?.outcome, .error)
        harness.vssFaults.reset()

        harness.vssFaults.setErrorRate(1)
        let failing = try await vss(body)
        XCTAssertEqual(failing.status, 502)
        XCTAssertEqual(failing.problem?.type, "urn:lienthong:error:upstream-error")
        harness.vssFaults.reset()

        harness.vssFaults.setDown()
        let down = try await vss(body)
        XCTAssertEqual(down.problem?.type, "urn:lienthong:error:upstream-unavailable")
        harness.vssFaults.heal()
        let healed = try await vss(body)
        XCTAssertEqual(healed.status, 200, "heals without a restart")
    }

    // MARK: NAPAS

    func testAccountVerificationOutcomes() async throws {
        try await start()
        let byNumber = Dictionary(grouping: harness.register, by: { $0.registeredPersonalId ?? "" })
        let open = try XCTUnwrap(harness.accounts.accounts.first { $0.open && $0.type == .bankAccount })
        let owner = try XCTUnwrap(byNumber[open.holderPersonalId]?.first)

        let verified = try await napas(VerifyAccountRequest(
            bin: open.providerCode, accountNumber: open.accountNumber, holderName: owner.fullName, personalId: open.holderPersonalId))
        XCTAssertEqual(verified.status, 200, String(decoding: verified.body, as: UTF8.self))
        let answer = try verified.decode(VerifyAccountResponse.self)
        XCTAssertEqual(answer.status, .verified, "the Vietnamese name matches the bank's upper-case ASCII name")
        XCTAssertEqual(answer.registeredName, open.holderName)
        let record = try audit(verified)
        XCTAssertEqual(record?.target, "napas.verify-account")
        XCTAssertEqual(record?.purpose, "asxh.verify-account")
        XCTAssertFalse(record?.subject.isEmpty ?? true)

        let mismatch = try await napas(VerifyAccountRequest(bin: open.providerCode, accountNumber: open.accountNumber, holderName: owner.fullName + " Anh"))
        XCTAssertEqual(try mismatch.decode(VerifyAccountResponse.self).status, .nameMismatch)
        XCTAssertEqual(try mismatch.decode(VerifyAccountResponse.self).mismatches, [.holderName])

        let missing = try await napas(VerifyAccountRequest(bin: open.providerCode, accountNumber: "000000000000001", holderName: owner.fullName))
        XCTAssertEqual(try missing.decode(VerifyAccountResponse.self).status, .accountNotFound)

        if let closed = harness.accounts.accounts.first(where: { !$0.open }) {
            let answer = try await napas(VerifyAccountRequest(
                bin: closed.providerCode, accountNumber: closed.accountNumber, accountType: closed.type == .bankAccount ? .bank : closed.type == .eWallet ? .eWallet : .mobileMoney,
                holderName: "X"))
            XCTAssertEqual(try answer.decode(VerifyAccountResponse.self).status, .accountClosed)
        }
        if let wallet = harness.accounts.accounts.first(where: { $0.open && $0.type != .bankAccount }),
           let holder = byNumber[wallet.holderPersonalId]?.first {
            let answer = try await napas(VerifyAccountRequest(
                bin: wallet.providerCode, accountNumber: wallet.accountNumber, accountType: wallet.type == .eWallet ? .eWallet : .mobileMoney,
                holderName: holder.fullName))
            XCTAssertEqual(try answer.decode(VerifyAccountResponse.self).status, .verified, "e-wallets and mobile money are verified too")
        }

        let unknownBIN = try await napas(VerifyAccountRequest(bin: "999999", accountNumber: "1", holderName: "A"))
        XCTAssertEqual(unknownBIN.status, 400)
        XCTAssertEqual(unknownBIN.problem?.detail, "bin: is not in the bank directory")
    }

    func testAnAnswerWithABadSignatureIsRefusedAsUpstreamErrorAndAudited() async throws {
        try await start(napasQuirks: [.badSignature])
        let open = try XCTUnwrap(harness.accounts.accounts.first { $0.open && $0.type == .bankAccount })
        let answer = try await napas(VerifyAccountRequest(bin: open.providerCode, accountNumber: open.accountNumber, holderName: "A"))
        XCTAssertEqual(answer.status, 502)
        XCTAssertEqual(answer.problem?.type, "urn:lienthong:error:upstream-error")
        XCTAssertEqual(answer.problem?.detail, "NAPAS answer signature is invalid")
        let record = try audit(answer)
        XCTAssertEqual(record?.outcome, .error)
        XCTAssertEqual(record?.status, 502)
        XCTAssertFalse(String(decoding: answer.body, as: UTF8.self).contains(open.holderName), "nothing of the unverified answer leaks")
    }

    func testUnsignedAnswersAreRefusedToo() async throws {
        try await start(napasQuirks: [.unsignedAnswers])
        let open = try XCTUnwrap(harness.accounts.accounts.first { $0.open })
        let answer = try await napas(VerifyAccountRequest(bin: open.providerCode, accountNumber: open.accountNumber, holderName: "A"))
        XCTAssertEqual(answer.status, 502)
        XCTAssertEqual(answer.problem?.detail, "NAPAS answer signature is invalid")
    }

    func testNAPASTimeoutIs504() async throws {
        try await start()
        harness.napasFaults.setLatency(.milliseconds(2500))
        let open = try XCTUnwrap(harness.accounts.accounts.first { $0.open })
        let answer = try await napas(VerifyAccountRequest(bin: open.providerCode, accountNumber: open.accountNumber, holderName: "A"))
        XCTAssertEqual(answer.status, 504)
        XCTAssertEqual(answer.problem?.type, "urn:lienthong:error:upstream-timeout")
    }
}
