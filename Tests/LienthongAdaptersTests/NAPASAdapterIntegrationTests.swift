import AsyncHTTPClient
import Crypto
import Foundation
import Hummingbird
import LienthongAdapters
import LienthongCore
import LienthongPKI
import LienthongSimulators
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import XCTest

/// NAPAS adapter ↔ simulator over real mTLS on 127.0.0.1 ephemeral ports, with the example PKI in a temp directory:
/// the gateway signs with `gateway-key.pem`, the switch with `fin.napas-key.pem`, key ids are certificate pins.
final class NAPASAdapterIntegrationTests: XCTestCase {
    private var fixture: UpstreamFixture!
    private var gatewaySigner: JWSSigner!
    private var napasSigner: JWSSigner!

    static let anPersonalId = PersonalID.make(provinceCode: "75", birthYear: 1985, sex: .male, serial: 123456).digits
    static let thuyPersonalId = PersonalID.make(provinceCode: "75", birthYear: 1992, sex: .female, serial: 4321).digits
    static let binhPersonalId = PersonalID.make(provinceCode: "70", birthYear: 1970, sex: .male, serial: 99).digits
    static let otherPersonalId = PersonalID.make(provinceCode: "01", birthYear: 1985, sex: .male, serial: 1).digits

    static var register: AccountRegister {
        var register = AccountRegister(citizens: SyntheticPopulation.generate(citizens: 200, seed: 5), seed: 5)
        register.add(.init(providerCode: "970436", accountNumber: "0071000123456", type: .bankAccount, holderName: "NGUYEN VAN AN", holderPersonalId: anPersonalId))
        register.add(.init(providerCode: "970418", accountNumber: "31410001234567", type: .bankAccount, holderName: "NGUYEN VAN AN", holderPersonalId: otherPersonalId, open: false))
        register.add(.init(providerCode: "971005", accountNumber: "0912345678", type: .eWallet, holderName: "DANG THI THUY", holderPersonalId: thuyPersonalId))
        register.add(.init(providerCode: "971011", accountNumber: "0987654321", type: .mobileMoney, holderName: "LE VAN BINH", holderPersonalId: binhPersonalId))
        return register
    }

    override func setUp() async throws {
        fixture = try await UpstreamFixture.make(label: "napas", members: ["fin.napas"])
        gatewaySigner = try signer("gateway")
        napasSigner = try signer("fin.napas")
    }

    override func tearDown() async throws {
        try await fixture?.shutdown()
    }

    /// The signer of an example PKI identity: its key, and the pin of its certificate as key id.
    private func signer(_ name: String) throws -> JWSSigner {
        let key = try P256.Signing.PrivateKey(pemRepresentation: String(contentsOfFile: fixture.path("\(name)-key.pem"), encoding: .utf8))
        let certificate = try XCTUnwrap(try TLSProfile.loadCertificates(file: fixture.path("\(name).pem")).first)
        let pin = try CertificatePin.pin(ofCertificateDER: try certificate.toDERBytes())
        XCTAssertTrue(CertificatePin.isWellFormed(pin))
        return JWSSigner(key: key, keyID: pin)
    }

    /// Runs the simulator on an ephemeral port for the duration of `body`.
    private func withSimulator<T: Sendable>(
        quirks: Set<NAPASSimulator.Quirk> = [],
        requestKeys: [String: P256.Signing.PublicKey]? = nil,
        faults: FaultInjector = FaultInjector(),
        _ body: (Int) async throws -> T
    ) async throws -> T {
        try await fixture.withApplication({ onServerRunning in
            NAPASSimulator.makeApplication(
                host: "127.0.0.1", port: 0, tls: fixture.serverTLS, register: Self.register, signer: napasSigner,
                requestVerifier: JWSVerifier(keys: requestKeys ?? [gatewaySigner.keyID: gatewaySigner.publicKey]),
                quirks: quirks, faults: faults, logger: Logger(label: "test.sim.napas"), onServerRunning: onServerRunning
            )
        }, body: body)
    }

    private func endpoint(_ port: Int) -> String { "https://127.0.0.1:\(port)\(NAPASMessages.path)" }

    private func adapter(_ port: Int, timeout: Duration = .seconds(5), signer: JWSSigner? = nil, verifier: JWSVerifier? = nil) -> NAPASAdapter {
        NAPASAdapter(
            endpoint: endpoint(port), httpClient: fixture.client, timeout: timeout, signer: signer ?? gatewaySigner,
            verifier: verifier ?? JWSVerifier(keys: [napasSigner.keyID: napasSigner.publicKey]), assigner: "gov.police.dongnai")
    }

    private func expectProblem(
        _ expected: ProblemCode, detail: String? = nil, file: StaticString = #filePath, line: UInt = #line,
        _ call: () async throws(GatewayProblem) -> VerifyAccountResponse
    ) async {
        do throws(GatewayProblem) {
            let answer = try await call()
            XCTFail("expected \(expected.rawValue), got \(answer)", file: file, line: line)
        } catch {
            XCTAssertEqual(error.code, expected, error.detail, file: file, line: line)
            if let detail { XCTAssertEqual(error.detail, detail, file: file, line: line) }
            for secret in [Self.anPersonalId, Self.otherPersonalId, "0071000123456", "NGUYEN", "Nguyễn"] {
                XCTAssertFalse(error.detail.contains(secret), "detail leaks request data", file: file, line: line)
            }
        }
    }

    // MARK: Outcomes

    func testVerifiedWithDiacriticsAndNameMismatch() async throws {
        try await withSimulator { port in
            let adapter = self.adapter(port)
            let exact = try await adapter.verifyAccount(
                VerifyAccountRequest(bin: "970436", accountNumber: "0071000123456", holderName: "Nguyễn Văn An"), requestID: "a1")
            XCTAssertEqual(exact, VerifyAccountResponse(status: .verified, registeredName: "NGUYEN VAN AN"))

            let loose = try await adapter.verifyAccount(
                VerifyAccountRequest(bin: "970436", accountNumber: "0071000123456", accountType: .bank,
                                     holderName: "  nguyễn   văn an ".decomposedStringWithCanonicalMapping, personalId: Self.anPersonalId),
                requestID: UUID().uuidString)
            XCTAssertEqual(loose, VerifyAccountResponse(status: .verified, registeredName: "NGUYEN VAN AN"))

            let anh = try await adapter.verifyAccount(
                VerifyAccountRequest(bin: "970436", accountNumber: "0071000123456", holderName: "Nguyễn Văn Anh"), requestID: "a3")
            XCTAssertEqual(anh, VerifyAccountResponse(status: .nameMismatch, registeredName: "NGUYEN VAN AN", mismatches: [.holderName]))
        }
    }

    func testPersonalIdNotTheHolders() async throws {
        try await withSimulator { port in
            let adapter = self.adapter(port)
            let wrongId = try await adapter.verifyAccount(
                VerifyAccountRequest(bin: "970436", accountNumber: "0071000123456", holderName: "NGUYEN VAN AN", personalId: Self.otherPersonalId),
                requestID: "p1")
            XCTAssertEqual(wrongId, VerifyAccountResponse(status: .nameMismatch, registeredName: "NGUYEN VAN AN", mismatches: [.personalId]))
            let both = try await adapter.verifyAccount(
                VerifyAccountRequest(bin: "970436", accountNumber: "0071000123456", holderName: "Trần Văn An", personalId: Self.otherPersonalId),
                requestID: "p2")
            XCTAssertEqual(both, VerifyAccountResponse(status: .nameMismatch, registeredName: "NGUYEN VAN AN", mismatches: [.holderName, .personalId]))
        }
    }

    func testAccountNotFoundAndClosed() async throws {
        try await withSimulator { port in
            let adapter = self.adapter(port)
            let unknown = try await adapter.verifyAccount(
                VerifyAccountRequest(bin: "970436", accountNumber: "0071000999999", holderName: "Nguyễn Văn An"), requestID: "n1")
            XCTAssertEqual(unknown, VerifyAccountResponse(status: .accountNotFound))
            let otherBank = try await adapter.verifyAccount(
                VerifyAccountRequest(bin: "970415", accountNumber: "0071000123456", holderName: "Nguyễn Văn An"), requestID: "n2")
            XCTAssertEqual(otherBank.status, .accountNotFound)
            let wrongType = try await adapter.verifyAccount(
                VerifyAccountRequest(bin: "970436", accountNumber: "0071000123456", accountType: .eWallet, holderName: "Nguyễn Văn An"), requestID: "n3")
            XCTAssertEqual(wrongType.status, .accountNotFound)
            let closed = try await adapter.verifyAccount(
                VerifyAccountRequest(bin: "970418", accountNumber: "31410001234567", holderName: "Nguyễn Văn An"), requestID: "n4")
            XCTAssertEqual(closed, VerifyAccountResponse(status: .accountClosed))
        }
    }

    func testEWalletAndMobileMoney() async throws {
        try await withSimulator { port in
            let adapter = self.adapter(port)
            let wallet = try await adapter.verifyAccount(
                VerifyAccountRequest(bin: "971005", accountNumber: "0912345678", accountType: .eWallet, holderName: "Đặng Thị Thuý", personalId: Self.thuyPersonalId),
                requestID: "w1")
            XCTAssertEqual(wallet, VerifyAccountResponse(status: .verified, registeredName: "DANG THI THUY"))
            let walletAsBank = try await adapter.verifyAccount(
                VerifyAccountRequest(bin: "971005", accountNumber: "0912345678", holderName: "Đặng Thị Thuý"), requestID: "w2")
            XCTAssertEqual(walletAsBank.status, .accountNotFound)
            let momo = try await adapter.verifyAccount(
                VerifyAccountRequest(bin: "971011", accountNumber: "0987654321", accountType: .mobileMoney, holderName: "Lê Văn Bình"),
                requestID: "m1")
            XCTAssertEqual(momo, VerifyAccountResponse(status: .verified, registeredName: "LE VAN BINH"))
            let momoOtherName = try await adapter.verifyAccount(
                VerifyAccountRequest(bin: "971011", accountNumber: "0987654321", accountType: .mobileMoney, holderName: "Lê Văn Bính"),
                requestID: "m2")
            XCTAssertEqual(momoOtherName.status, .verified, "tone marks do not count in bank names")
            let momoWrong = try await adapter.verifyAccount(
                VerifyAccountRequest(bin: "971011", accountNumber: "0987654321", accountType: .mobileMoney, holderName: "Lê Văn Bình Minh"),
                requestID: "m3")
            XCTAssertEqual(momoWrong.mismatches, [.holderName])
        }
    }

    func testGeneratedAccountsVerify() async throws {
        let register = Self.register
        let open = try XCTUnwrap(register.accounts.first { $0.open && $0.type == .bankAccount && $0.providerCode != "970436" })
        try await withSimulator { port in
            let answer = try await self.adapter(port).verifyAccount(
                VerifyAccountRequest(bin: open.providerCode, accountNumber: open.accountNumber, holderName: open.holderName.lowercased(),
                                     personalId: open.holderPersonalId),
                requestID: "g1")
            XCTAssertEqual(answer, VerifyAccountResponse(status: .verified, registeredName: open.holderName))
        }
    }

    // MARK: Signatures

    func testBadlySignedOrUnsignedAnswersAreUpstreamErrors() async throws {
        let request = VerifyAccountRequest(bin: "970436", accountNumber: "0071000123456", holderName: "Nguyễn Văn An")
        for quirk in [NAPASSimulator.Quirk.badSignature, .unsignedAnswers] {
            try await withSimulator(quirks: [quirk]) { port in
                await self.expectProblem(.upstreamError, detail: "NAPAS answer signature is invalid") { () async throws(GatewayProblem) in
                    try await self.adapter(port).verifyAccount(request, requestID: "s-\(quirk.rawValue)")
                }
            }
        }
    }

    func testAnswerSignedByAnotherKeyIsRefused() async throws {
        let request = VerifyAccountRequest(bin: "970436", accountNumber: "0071000123456", holderName: "Nguyễn Văn An")
        try await withSimulator { port in
            // The switch's kid mapped to another key, and no key at all.
            let impostor = JWSVerifier(keys: [self.napasSigner.keyID: P256.Signing.PrivateKey().publicKey])
            await self.expectProblem(.upstreamError, detail: "NAPAS answer signature is invalid") { () async throws(GatewayProblem) in
                try await self.adapter(port, verifier: impostor).verifyAccount(request, requestID: "k1")
            }
            await self.expectProblem(.upstreamError, detail: "NAPAS answer signature is invalid") { () async throws(GatewayProblem) in
                try await self.adapter(port, verifier: JWSVerifier(keys: [:])).verifyAccount(request, requestID: "k2")
            }
            // The same simulator answers a correctly configured adapter.
            let answer = try await self.adapter(port).verifyAccount(request, requestID: "k3")
            XCTAssertEqual(answer.status, .verified)
        }
    }

    func testRequestSignedByUnknownKeyIsRefusedBySwitch() async throws {
        let request = VerifyAccountRequest(bin: "970436", accountNumber: "0071000123456", holderName: "Nguyễn Văn An")
        try await withSimulator { port in
            let stranger = JWSSigner(key: P256.Signing.PrivateKey(), keyID: self.gatewaySigner.keyID)
            await self.expectProblem(.upstreamError, detail: "NAPAS answered with HTTP 401") { () async throws(GatewayProblem) in
                try await self.adapter(port, signer: stranger).verifyAccount(request, requestID: "u1")
            }
        }
        // A switch that answers 200 to an unsigned request still cannot pass a report off: the body is an error.
        try await withSimulator(quirks: [.wrongStatus], requestKeys: [:]) { port in
            await self.expectProblem(.upstreamError, detail: "NAPAS answered with an unreadable document") { () async throws(GatewayProblem) in
                try await self.adapter(port).verifyAccount(request, requestID: "u2")
            }
        }
    }

    func testReportWithoutOriginalIdIsUpstreamError() async throws {
        try await withSimulator(quirks: [.missingFields]) { port in
            await self.expectProblem(.upstreamError) { () async throws(GatewayProblem) in
                try await self.adapter(port).verifyAccount(
                    VerifyAccountRequest(bin: "970436", accountNumber: "0071000123456", holderName: "Nguyễn Văn An"), requestID: "f1")
            }
        }
    }

    // MARK: Faults

    func testLatencyAboveTimeoutIsUpstreamTimeout() async throws {
        let faults = FaultInjector()
        try await withSimulator(faults: faults) { port in
            let adapter = self.adapter(port, timeout: .milliseconds(400))
            let request = VerifyAccountRequest(bin: "970436", accountNumber: "0071000123456", holderName: "Nguyễn Văn An")
            faults.setLatency(.seconds(3))
            await self.expectProblem(.upstreamTimeout, detail: "NAPAS did not answer in time") { () async throws(GatewayProblem) in
                try await adapter.verifyAccount(request, requestID: "t1")
            }
            faults.reset()
        }
    }

    func testDownIsUpstreamUnavailableAndItsAnswerIsSigned() async throws {
        let faults = FaultInjector()
        try await withSimulator(faults: faults) { port in
            let adapter = self.adapter(port)
            let request = VerifyAccountRequest(bin: "970436", accountNumber: "0071000123456", holderName: "Nguyễn Văn An")
            faults.setDown(for: .seconds(30))
            await self.expectProblem(.upstreamUnavailable, detail: "NAPAS is unavailable (HTTP 503)") { () async throws(GatewayProblem) in
                try await adapter.verifyAccount(request, requestID: "d1")
            }
            // The simulated 503 is signed by the switch.
            var raw = HTTPClientRequest(url: self.endpoint(port))
            raw.method = .POST
            raw.body = .bytes(ByteBuffer(string: "{}"))
            let response = try await self.fixture.client.execute(raw, timeout: .seconds(5))
            XCTAssertEqual(response.status.code, 503)
            let body = Array(try await response.body.collect(upTo: 65_536).readableBytesView)
            XCTAssertNoThrow(try JWSVerifier(keys: [self.napasSigner.keyID: self.napasSigner.publicKey])
                .verify(response.headers.first(name: DetachedJWS.headerName), body: body))
            let error = try JSONDecoder().decode(NAPASMessages.ErrorAnswer.self, from: Data(body))
            XCTAssertEqual(error.errorCode, NAPASMessages.ErrorCode.serviceUnavailable)

            faults.heal()
            let healed = try await adapter.verifyAccount(request, requestID: "d2")
            XCTAssertEqual(healed.status, .verified)
            // An error rate gives 500: an upstream error.
            faults.setErrorRate(1)
            await self.expectProblem(.upstreamError, detail: "NAPAS answered with HTTP 500") { () async throws(GatewayProblem) in
                try await adapter.verifyAccount(request, requestID: "d3")
            }
        }
    }

    // MARK: Requests

    func testBadRequestFieldsAreRefusedNamingTheField() async throws {
        try await withSimulator { port in
            let adapter = self.adapter(port)
            let cases: [(VerifyAccountRequest, String)] = [
                (VerifyAccountRequest(bin: "97043", accountNumber: "0071000123456", holderName: "Nguyễn Văn An"), "bin must be 6 digits"),
                (VerifyAccountRequest(bin: "97043A", accountNumber: "0071000123456", holderName: "Nguyễn Văn An"), "bin must be 6 digits"),
                (VerifyAccountRequest(bin: "970436", accountNumber: "", holderName: "Nguyễn Văn An"), "accountNumber must be 1 to 34 letters or digits"),
                (VerifyAccountRequest(bin: "970436", accountNumber: "0071-000123456", holderName: "Nguyễn Văn An"), "accountNumber must be 1 to 34 letters or digits"),
                (VerifyAccountRequest(bin: "970436", accountNumber: String(repeating: "1", count: 35), holderName: "Nguyễn Văn An"), "accountNumber must be 1 to 34 letters or digits"),
                (VerifyAccountRequest(bin: "970436", accountNumber: "0071000123456", holderName: "   "), "holderName is required"),
                (VerifyAccountRequest(bin: "970436", accountNumber: "0071000123456", holderName: String(repeating: "An ", count: 70)), "holderName is longer than 200 characters"),
                (VerifyAccountRequest(bin: "970436", accountNumber: "0071000123456", holderName: "Nguyễn Văn An", personalId: "07508512345"), "personalId must be a 12-digit personal id number"),
                (VerifyAccountRequest(bin: "970436", accountNumber: "0071000123456", holderName: "Nguyễn Văn An", personalId: "07508512345X"), "personalId must be a 12-digit personal id number"),
            ]
            for (request, detail) in cases {
                await self.expectProblem(.badRequest, detail: detail) { () async throws(GatewayProblem) in
                    try await adapter.verifyAccount(request, requestID: "b")
                }
            }
        }
        // Decoding the gateway's JSON: the problem names the key.
        let json = #"{"bin":"970436","accountNumber":"0071000123456","accountType":"cash","holderName":"Nguyễn Văn An"}"#
        do throws(GatewayProblem) {
            _ = try ContractValidation.decode(VerifyAccountRequest.self, from: Array(json.utf8))
            XCTFail("unknown account type accepted")
        } catch {
            XCTAssertEqual(error, GatewayProblem(.badRequest, detail: "accountType has an invalid value"))
        }
        let missing = #"{"bin":"970436","accountNumber":"0071000123456"}"#
        do throws(GatewayProblem) {
            _ = try ContractValidation.decode(VerifyAccountRequest.self, from: Array(missing.utf8))
            XCTFail("missing holderName accepted")
        } catch {
            XCTAssertEqual(error, GatewayProblem(.badRequest, detail: "holderName is required"))
        }
        let decoded = try ContractValidation.decode(
            VerifyAccountRequest.self, from: Array(#"{"bin":"971011","accountNumber":"0987654321","accountType":"mobile-money","holderName":"Lê Văn Bình"}"#.utf8))
        XCTAssertEqual(decoded.kind, .mobileMoney)
        XCTAssertEqual(try ContractValidation.decode(VerifyAccountRequest.self, from: Array(missing.replacingOccurrences(of: "}", with: #","holderName":"A"}"#).utf8)).kind, .bank)
    }

    func testAnswersEncodeAsTheContractSays() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        XCTAssertEqual(String(decoding: try encoder.encode(VerifyAccountResponse(status: .accountNotFound)), as: UTF8.self), #"{"status":"account_not_found"}"#)
        XCTAssertEqual(
            String(decoding: try encoder.encode(VerifyAccountResponse(status: .nameMismatch, registeredName: "NGUYEN VAN AN", mismatches: [.holderName, .personalId])), as: UTF8.self),
            #"{"mismatches":["holderName","personalId"],"registeredName":"NGUYEN VAN AN","status":"name_mismatch"}"#)
    }

    func testSimulatorRefusesUnsignedAndInvalidRequestsWithSignedErrors() async throws {
        try await withSimulator { port in
            let verifier = JWSVerifier(keys: [self.napasSigner.keyID: self.napasSigner.publicKey])
            func post(_ body: String, signed: Bool, requestID: String? = UUID().uuidString) async throws -> (Int, NAPASMessages.ErrorAnswer?, HTTPHeaders) {
                var raw = HTTPClientRequest(url: self.endpoint(port))
                raw.method = .POST
                raw.headers.add(name: "Content-Type", value: "application/json")
                if let requestID { raw.headers.add(name: NAPASMessages.requestIDHeader, value: requestID) }
                if signed { raw.headers.add(name: DetachedJWS.headerName, value: self.gatewaySigner.sign(Array(body.utf8))) }
                raw.body = .bytes(ByteBuffer(string: body))
                let response = try await self.fixture.client.execute(raw, timeout: .seconds(5))
                let bytes = Array(try await response.body.collect(upTo: 65_536).readableBytesView)
                XCTAssertNoThrow(try verifier.verify(response.headers.first(name: DetachedJWS.headerName), body: bytes))
                return (Int(response.status.code), try? JSONDecoder().decode(NAPASMessages.ErrorAnswer.self, from: Data(bytes)), response.headers)
            }
            let valid = #"{"assignment":{"msgId":"m1","creDtTm":"2026-11-29T08:15:30Z","assigner":{"memberId":"gov.police.dongnai"},"assignee":{"providerCode":"970436"}},"verification":{"id":"v1","party":{"name":"Nguyễn Văn An"},"account":{"id":"0071000123456","type":"CACC"}}}"#
            let requestID = UUID().uuidString
            let (okStatus, _, okHeaders) = try await post(valid, signed: true, requestID: requestID)
            XCTAssertEqual(okStatus, 200)
            XCTAssertEqual(okHeaders.first(name: NAPASMessages.requestIDHeader), requestID)

            let (unsigned, unsignedError, _) = try await post(valid, signed: false)
            XCTAssertEqual(unsigned, 401)
            XCTAssertEqual(unsignedError?.errorCode, NAPASMessages.ErrorCode.signatureInvalid)

            let (noID, noIDError, _) = try await post(valid, signed: true, requestID: nil)
            XCTAssertEqual(noID, 400)
            XCTAssertEqual(noIDError?.errorCode, NAPASMessages.ErrorCode.formatError)

            let badProvider = valid.replacingOccurrences(of: #""providerCode":"970436""#, with: #""providerCode":"97043""#)
            let (bad, badError, _) = try await post(badProvider, signed: true)
            XCTAssertEqual(bad, 400)
            XCTAssertEqual(badError?.message, "assignment.assignee.providerCode is invalid")

            let badType = valid.replacingOccurrences(of: #""CACC""#, with: #""SVGS""#)
            let (typeStatus, typeError, _) = try await post(badType, signed: true)
            XCTAssertEqual(typeStatus, 400)
            XCTAssertEqual(typeError?.message, "verification.account.type has an invalid value")

            let badId = valid.replacingOccurrences(of: #""name":"Nguyễn Văn An""#, with: #""name":"Nguyễn Văn An","privateId":{"id":"075085123456","scheme":"CCPT"}"#)
            let (idStatus, idError, _) = try await post(badId, signed: true)
            XCTAssertEqual(idStatus, 400)
            XCTAssertEqual(idError?.message, "verification.party.privateId.scheme is invalid")
        }
    }
}
