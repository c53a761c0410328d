public import Hummingbird
import Foundation
import HTTPTypes
import HummingbirdCore
import HummingbirdTLS
public import LienthongAdapters
public import LienthongCore
public import LienthongSOAP
public import Logging
import NIOCore
public import NIOSSL

/// The population database's register as the simulator holds it, indexed for its two operations.
public struct PopulationRegister: Sendable {
    private var byNumber: [String: PopulationSOAP.Citizen] = [:]
    /// comparisonKey(name) | date | sex → candidates (citizens with their parents and birth place).
    private var byBirth: [String: [SyntheticCitizen]] = [:]

    /// Indexes `citizens` by registered number, and by name, birth date and sex.
    public init(_ citizens: [SyntheticCitizen]) {
        for citizen in citizens {
            if let record = citizen.upstreamRecord { byNumber[record.personalID] = record }
            byBirth[Self.birthKey(citizen.fullName, citizen.dateOfBirth, citizen.sex), default: []].append(citizen)
        }
    }

    /// Number of records held.
    public var count: Int { byNumber.count }

    /// `LayThongTinCongDan`.
    public func lookup(_ personalID: String) -> PopulationSOAP.Citizen? {
        byNumber[personalID]
    }

    /// `TimSoDinhDanh`: the number of the one person matching name, birth date, sex, one parent and the
    /// birth-registration place (Vietnamese-aware comparison); `nil` when none or several match.
    public func findPersonalID(_ query: PopulationSOAP.PersonalIDQuery) -> String? {
        let candidates = byBirth[Self.birthKey(query.fullName, query.dateOfBirth, query.sex)] ?? []
        let parentKey = VietnameseName.comparisonKey(query.parentName)
        let placeKey = VietnameseName.comparisonKey(query.birthRegistrationPlace)
        let matches = candidates.filter {
            (VietnameseName.comparisonKey($0.fatherName) == parentKey || VietnameseName.comparisonKey($0.motherName) == parentKey)
                && VietnameseName.comparisonKey($0.birthRegistrationPlace) == placeKey
        }
        guard matches.count == 1 else { return nil }
        return matches[0].registeredPersonalId
    }

    private static func birthKey(_ name: String, _ date: String, _ sex: Sex) -> String {
        "\(VietnameseName.comparisonKey(name))|\(date)|\(sex.rawValue)"
    }

    /// Answers one SOAP request document with a SOAP response document and its HTTP status.
    ///
    /// Faults: `soap:Client` for an unreadable envelope, an unknown operation or a `SOAPAction` naming another
    /// operation than the body; `soap:MustUnderstand` for mandatory headers; `soap:VersionMismatch` for a
    /// non-1.1 envelope. Fault strings are fixed and carry no request data.
    public func answer(body: some Collection<UInt8>, soapAction: String?) -> (status: Int, document: [UInt8]) {
        func fault(_ code: XMLName, _ text: String) -> (Int, [UInt8]) {
            (500, SOAPEnvelope(body: .fault(SOAPFault(code: code, string: text))).encoded())
        }
        let envelope: SOAPEnvelope
        do {
            envelope = try SOAPEnvelope.decode(body)
        } catch {
            if error.code == .versionMismatch { return fault(SOAPFault.versionMismatch, "SOAP 1.1 envelope required") }
            return fault(SOAPFault.client, "malformed SOAP envelope")
        }
        if !envelope.mustUnderstandHeaders.isEmpty {
            return fault(SOAPFault.mustUnderstand, "mandatory header not understood")
        }
        guard case .payload(let payload) = envelope.body else { return fault(SOAPFault.client, "a request cannot be a fault") }
        let request: PopulationSOAP.Request
        do {
            request = try PopulationSOAP.Request(payload)
        } catch {
            return fault(SOAPFault.client, "unknown operation or missing required element")
        }
        if let soapAction, !soapAction.trimmingCharacters(in: .whitespaces).isEmpty, soapAction != "\"\"" {
            guard PopulationSOAP.Operation(soapAction: soapAction) == request.operation else {
                return fault(SOAPFault.client, "SOAPAction does not match the body")
            }
        }
        let response: PopulationSOAP.Response
        switch request {
        case .lookup(let number): response = .citizen(lookup(number))
        case .findPersonalID(let query): response = .personalID(findPersonalID(query))
        }
        return (200, SOAPEnvelope(body: .payload(response.element)).encoded())
    }
}

/// The population database simulator: SOAP 1.1 over mTLS on `POST /soap` (SPEC §9).
///
/// ```swift
/// let app = PopulationSimulator.makeApplication(
///     host: "127.0.0.1", port: 0, tls: tls, citizens: citizens, faults: FaultInjector(), logger: logger
/// ) { port in print("listening on \(port)") }
/// try await app.runService()
/// ```
///
/// Logs carry the operation and outcome only, never numbers or names.
public enum PopulationSimulator {
    /// Builds the application. `onServerRunning` receives the bound port (useful with port 0).
    public static func makeApplication(
        host: String,
        port: Int,
        tls: TLSConfiguration,
        citizens: [SyntheticCitizen],
        faults: FaultInjector,
        logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void
    ) -> some ApplicationProtocol {
        let register = PopulationRegister(citizens)
        let router = Router(context: SimulatorRequestContext.self)
        router.add(middleware: FaultInjectionMiddleware(faults: faults) { status in
            let text = status == .serviceUnavailable ? "population database unavailable (simulated)" : "internal error (simulated)"
            return soapResponse(status: status, document: SOAPEnvelope(body: .fault(SOAPFault(code: SOAPFault.server, string: text))).encoded())
        })
        faults.addControlRoutes(to: router)
        router.post("/soap") { request, context in
            let body = try await request.body.collect(upTo: XMLReader.Limits.default.maxBytes)
            let action = request.headers[.soapAction]
            let (status, document) = register.answer(body: body.readableBytesView, soapAction: action)
            context.logger.info("population SOAP request", metadata: ["status": "\(status)"])
            return soapResponse(status: HTTPResponse.Status(code: status), document: document)
        }
        return SimulatorServer.makeApplication(
            router: router, host: host, port: port, tls: tls, serverName: "lienthong-sim-population",
            logger: logger, onServerRunning: onServerRunning)
    }

    static func soapResponse(status: HTTPResponse.Status, document: [UInt8]) -> Response {
        var buffer = ByteBuffer()
        buffer.writeBytes(document)
        return Response(status: status, headers: [.contentType: "text/xml; charset=utf-8"], body: .init(byteBuffer: buffer))
    }
}

extension HTTPField.Name {
    /// `SOAPAction` (SOAP 1.1).
    static let soapAction = HTTPField.Name("SOAPAction")!
}
