import AsyncHTTPClient
import Foundation
import Hummingbird
import LienthongAdapters
import LienthongCore
import LienthongSOAP
import LienthongPKI
import LienthongSimulators
import Logging
import NIOCore
import NIOSSL
import XCTest

/// Adapter ↔ simulator over real mTLS on 127.0.0.1 ephemeral ports, with the example PKI in a temp directory.
final class PopulationAdapterIntegrationTests: XCTestCase {
    private var fixture: UpstreamFixture!

    static let registered = PopulationSOAP.Citizen(
        personalID: PersonalID.make(provinceCode: "75", birthYear: 1990, sex: .female, serial: 12345).digits,
        fullName: "Nguyễn Thị Hoà", dateOfBirth: "1990-03-15", sex: .female
    )
    static let childNumber = PersonalID.make(provinceCode: "75", birthYear: 2016, sex: .male, serial: 777).digits

    static var citizens: [SyntheticCitizen] {
        var list = SyntheticPopulation.generate(citizens: 50, seed: 3)
        list.append(
            SyntheticCitizen(
                personalId: registered.personalID, fullName: registered.fullName, dateOfBirth: registered.dateOfBirth,
                sex: .female, ethnicity: "Kinh", hometown: "Tỉnh Nam Định",
                permanentResidence: "Phường Tân Phong, Thành phố Biên Hòa, Tỉnh Đồng Nai", fatherName: "Nguyễn Văn An",
                motherName: "Trần Thị Lan", birthRegistrationPlace: "Tỉnh Đồng Nai"
            )
        )
        list.append(
            SyntheticCitizen(
                personalId: nil, assignedPersonalId: childNumber, fullName: "Lê Minh Khoa", dateOfBirth: "2016-05-20",
                sex: .male, ethnicity: "Kinh", hometown: "Xã Tam An, Huyện Long Thành, Tỉnh Đồng Nai",
                permanentResidence: "Xã Tam An, Huyện Long Thành, Tỉnh Đồng Nai", fatherName: "Lê Văn Bình",
                motherName: "Phạm Thị Thuý", birthRegistrationPlace: "Xã Tam An, Huyện Long Thành, Tỉnh Đồng Nai"
            )
        )
        return list
    }

    override func setUp() async throws {
        fixture = try await UpstreamFixture.make(label: "adapter")
    }

    override func tearDown() async throws {
        try await fixture?.shutdown()
    }

    /// Runs the simulator on an ephemeral port for the duration of `body`.
    private func withSimulator<T: Sendable>(
        faults: FaultInjector = FaultInjector(),
        _ body: (Int) async throws -> T
    ) async throws -> T {
        try await fixture.withApplication({ onServerRunning in
            PopulationSimulator.makeApplication(
                host: "127.0.0.1", port: 0, tls: fixture.serverTLS, citizens: Self.citizens, faults: faults,
                logger: Logger(label: "test.sim.population"), onServerRunning: onServerRunning
            )
        }, body: body)
    }

    private func adapter(_ port: Int, timeout: Duration = .seconds(5)) -> PopulationAdapter {
        PopulationAdapter(endpoint: "https://127.0.0.1:\(port)/soap", httpClient: fixture.client, timeout: timeout)
    }

    func testVerifyMatchedToneMarkVariantNFDMismatchAndNotFound() async throws {
        try await withSimulator { port in
            let adapter = self.adapter(port)
            let number = Self.registered.personalID
            let exact = try await adapter.verifyCitizen(
                VerifyCitizenRequest(personalId: number, fullName: "Nguyễn Thị Hoà", dateOfBirth: "1990-03-15", hometown: "Tỉnh Nam Định"),
                requestID: "r1"
            )
            XCTAssertEqual(exact, VerifyCitizenResponse(status: .matched))

            let tone = try await adapter.verifyCitizen(
                VerifyCitizenRequest(personalId: number, fullName: "Nguyễn Thị Hòa", dateOfBirth: "1990-03-15", permanentResidence: "Phường Tân Phong, Thành phố Biên Hoà, Tỉnh Đồng Nai"),
                requestID: "r2"
            )
            XCTAssertEqual(tone.status, .matched)

            let nfd = "Nguyễn Thị Hòa".decomposedStringWithCanonicalMapping
            XCTAssertNotEqual(Array(nfd.utf8), Array("Nguyễn Thị Hòa".utf8))
            let decomposed = try await adapter.verifyCitizen(
                VerifyCitizenRequest(personalId: number, fullName: nfd, dateOfBirth: "1990-03-15"), requestID: "r3"
            )
            XCTAssertEqual(decomposed.status, .matched)

            let wrongDate = try await adapter.verifyCitizen(
                VerifyCitizenRequest(personalId: number, fullName: "Nguyễn Thị Hoà", dateOfBirth: "1990-05-13"), requestID: "r4"
            )
            XCTAssertEqual(wrongDate.status, .mismatch)
            XCTAssertEqual(wrongDate.mismatches, [FieldMismatch(field: .dateOfBirth, submitted: "1990-05-13", registered: "1990-03-15")])

            // A register that holds only the year: compared on the year; a wrong year reports the register's full date.
            let yearOnly = try await adapter.verifyCitizen(
                VerifyCitizenRequest(personalId: number, fullName: "Nguyễn Thị Hoà", dateOfBirth: "1990"), requestID: "r4y"
            )
            XCTAssertEqual(yearOnly, VerifyCitizenResponse(status: .matched))
            let wrongYear = try await adapter.verifyCitizen(
                VerifyCitizenRequest(personalId: number, fullName: "Nguyễn Thị Hoà", dateOfBirth: "1991"), requestID: "r4z"
            )
            XCTAssertEqual(wrongYear.mismatches, [FieldMismatch(field: .dateOfBirth, submitted: "1991", registered: "1990-03-15")])
            for bad in ["199", "1990-03", "0990", "19900"] {
                do throws(GatewayProblem) {
                    _ = try await adapter.verifyCitizen(
                        VerifyCitizenRequest(personalId: number, fullName: "Nguyễn Thị Hoà", dateOfBirth: bad), requestID: "r4b"
                    )
                    XCTFail("date \(bad) accepted")
                } catch {
                    XCTAssertEqual(error.code, .badRequest)
                    XCTAssertEqual(error.detail, "dateOfBirth must be a date YYYY-MM-DD or a year YYYY")
                }
            }

            let unknown = PersonalID.make(provinceCode: "01", birthYear: 1980, sex: .male, serial: 1).digits
            let notFound = try await adapter.verifyCitizen(
                VerifyCitizenRequest(personalId: unknown, fullName: "Trần Văn Bình", dateOfBirth: "1980-01-01"), requestID: "r5"
            )
            XCTAssertEqual(notFound, VerifyCitizenResponse(status: .notFound))

            do throws(GatewayProblem) {
                _ = try await adapter.verifyCitizen(
                    VerifyCitizenRequest(personalId: "07519001234X", fullName: "A", dateOfBirth: "1990-03-15"), requestID: "r6"
                )
                XCTFail("malformed id accepted")
            } catch {
                XCTAssertEqual(error.code, .badRequest)
            }
        }
    }

    func testLookupIsLimitedByPurpose() async throws {
        try await withSimulator { port in
            let adapter = self.adapter(port)
            let request = LookupCitizenRequest(personalId: Self.registered.personalID)
            let full = try await adapter.lookupCitizen(request, purpose: "asxh.verify-beneficiary", requestID: "l1")
            XCTAssertEqual(full.status, .found)
            XCTAssertEqual(full.citizen?.fullName, "Nguyễn Thị Hoà")
            XCTAssertEqual(full.citizen?.hometown, "Tỉnh Nam Định")
            let labour = try await adapter.lookupCitizen(request, purpose: "labor.analysis", requestID: "l2")
            XCTAssertNil(labour.citizen?.fullName)
            XCTAssertEqual(labour.citizen?.sex, .female)
            do throws(GatewayProblem) {
                _ = try await adapter.lookupCitizen(request, purpose: "marketing", requestID: "l3")
                XCTFail("unknown purpose accepted")
            } catch {
                XCTAssertEqual(error.code, .forbidden)
            }
        }
    }

    func testChildPersonalIDIsFoundByBirthData() async throws {
        try await withSimulator { port in
            let adapter = self.adapter(port)
            let byFather = try await adapter.requestPersonalID(
                RequestPersonalIDRequest(fullName: "LÊ MINH KHOA", dateOfBirth: "2016-05-20", sex: .male, parentName: "Lê Văn Bình", birthRegistrationPlace: "Xã Tam An, Huyện Long Thành, Tỉnh Đồng Nai"),
                requestID: "c1"
            )
            XCTAssertEqual(byFather, RequestPersonalIDResponse(status: .matched, personalId: Self.childNumber))
            let byMother = try await adapter.requestPersonalID(
                RequestPersonalIDRequest(fullName: "Lê Minh Khoa", dateOfBirth: "2016-05-20", sex: .male, parentName: "Phạm Thị Thúy", birthRegistrationPlace: "xã tam an, huyện long thành, tỉnh đồng nai"),
                requestID: "c2"
            )
            XCTAssertEqual(byMother.personalId, Self.childNumber)
            let wrongParent = try await adapter.requestPersonalID(
                RequestPersonalIDRequest(fullName: "Lê Minh Khoa", dateOfBirth: "2016-05-20", sex: .male, parentName: "Lê Văn Binh", birthRegistrationPlace: "Xã Tam An, Huyện Long Thành, Tỉnh Đồng Nai"),
                requestID: "c3"
            )
            XCTAssertEqual(wrongParent, RequestPersonalIDResponse(status: .notFound))
            // The number the database assigned answers LayThongTinCongDan too.
            let lookup = try await adapter.lookupCitizen(LookupCitizenRequest(personalId: Self.childNumber), purpose: "asxh.verify-beneficiary", requestID: "c4")
            XCTAssertEqual(lookup.citizen?.fullName, "Lê Minh Khoa")
        }
    }

    func testLatencyAboveTimeoutIsUpstreamTimeoutWithinBound() async throws {
        let faults = FaultInjector()
        try await withSimulator(faults: faults) { port in
            let adapter = self.adapter(port, timeout: .milliseconds(500))
            // Warm the connection so the timing measures the exchange, not the first handshake.
            _ = try await adapter.lookupCitizen(LookupCitizenRequest(personalId: Self.registered.personalID), purpose: "labor.analysis", requestID: "w")
            faults.setLatency(.seconds(3))
            let clock = ContinuousClock()
            let start = clock.now
            do throws(GatewayProblem) {
                _ = try await adapter.verifyCitizen(
                    VerifyCitizenRequest(personalId: Self.registered.personalID, fullName: "Nguyễn Thị Hoà", dateOfBirth: "1990-03-15"), requestID: "t1"
                )
                XCTFail("no timeout")
            } catch {
                XCTAssertEqual(error.code, .upstreamTimeout)
                XCTAssertFalse(error.detail.contains(Self.registered.personalID))
            }
            let elapsed = clock.now - start
            XCTAssertGreaterThanOrEqual(elapsed, .milliseconds(450))
            XCTAssertLessThan(elapsed, .milliseconds(1200))
            faults.reset()
        }
    }

    func testErrorRateOneIsUpstreamErrorAndDownIsUnavailable() async throws {
        let faults = FaultInjector()
        try await withSimulator(faults: faults) { port in
            let adapter = self.adapter(port)
            let request = VerifyCitizenRequest(personalId: Self.registered.personalID, fullName: "Nguyễn Thị Hoà", dateOfBirth: "1990-03-15")
            faults.setErrorRate(1.0)
            do throws(GatewayProblem) {
                _ = try await adapter.verifyCitizen(request, requestID: "e1")
                XCTFail("no error")
            } catch {
                XCTAssertEqual(error, GatewayProblem(.upstreamError, detail: "population database answered with a SOAP fault"))
            }
            faults.reset()
            faults.setDown(for: .seconds(30))
            do throws(GatewayProblem) {
                _ = try await adapter.verifyCitizen(request, requestID: "e2")
                XCTFail("no error")
            } catch {
                XCTAssertEqual(error.code, .upstreamUnavailable)
            }
            faults.heal()
            let healed = try await adapter.verifyCitizen(request, requestID: "e3")
            XCTAssertEqual(healed.status, .matched)
        }
    }

    func testFaultsCanBeSwitchedOverHTTP() async throws {
        let faults = FaultInjector()
        try await withSimulator(faults: faults) { port in
            var request = HTTPClientRequest(url: "https://127.0.0.1:\(port)/_sim/faults")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: #"{"latencyMs":20,"errorRate":1,"downForMs":60000}"#))
            let response = try await self.fixture.client.execute(request, timeout: .seconds(5))
            XCTAssertEqual(response.status, .ok)
            let snapshot = try JSONDecoder().decode(FaultInjector.Snapshot.self, from: Data(try await response.body.collect(upTo: 10_000).readableBytesView))
            XCTAssertTrue(snapshot.down)
            XCTAssertEqual(snapshot.latencyMs, 20)
            XCTAssertEqual(faults.snapshot().errorRate, 1)
            // Close-the-connection downtime is seen as unavailable too.
            faults.apply(.init(downMode: .closeConnection))
            do throws(GatewayProblem) {
                _ = try await self.adapter(port, timeout: .seconds(1)).lookupCitizen(LookupCitizenRequest(personalId: Self.registered.personalID), purpose: "labor.analysis", requestID: "f1")
                XCTFail("answered while down")
            } catch {
                XCTAssertEqual(error.code, .upstreamUnavailable)
            }
        }
    }

    func testStoppedServerIsUpstreamUnavailable() async throws {
        let port = try await withSimulator { port in port }
        let adapter = self.adapter(port, timeout: .seconds(1))
        let clock = ContinuousClock()
        let start = clock.now
        do throws(GatewayProblem) {
            _ = try await adapter.verifyCitizen(
                VerifyCitizenRequest(personalId: Self.registered.personalID, fullName: "Nguyễn Thị Hoà", dateOfBirth: "1990-03-15"), requestID: "s1"
            )
            XCTFail("nothing listening, yet an answer")
        } catch {
            XCTAssertEqual(error.code, .upstreamUnavailable)
        }
        XCTAssertLessThan(clock.now - start, .seconds(2))
    }

    func testClientWithoutCertificateIsRefusedAtHandshake() async throws {
        let ca = try TLSProfile.loadCertificates(file: fixture.path("ca.pem"))
        let anonymous = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: TLSProfile.client(trustRoots: ca)))
        defer { _ = anonymous.shutdown() }
        try await withSimulator { port in
            let adapter = PopulationAdapter(endpoint: "https://127.0.0.1:\(port)/soap", httpClient: anonymous, timeout: .seconds(1))
            do throws(GatewayProblem) {
                _ = try await adapter.lookupCitizen(LookupCitizenRequest(personalId: Self.registered.personalID), purpose: "labor.analysis", requestID: "a1")
                XCTFail("anonymous client served")
            } catch {
                XCTAssertEqual(error.code, .upstreamUnavailable)
            }
        }
    }
}
