import Foundation
import LienthongAdapters
import LienthongAudit
import LienthongClient
import LienthongConfig
import LienthongCore
import LienthongGateway
import LienthongPKI
import LienthongSimulators

/// The demo's end-to-end scenario, step by step. Output names citizens by their row in the synthetic
/// register, never by name or number.
struct DemoScenario {
    struct Step {
        var title: String
        var held: Bool
        var detail: String
    }

    let setup: DemoSetup
    let register: [SyntheticCitizen]
    let endpoints: GatewayEndpoints
    let config: GatewayConfiguration
    let gateway: Gateway
    let received: ReceivedMessages
    let recipientFaults: FaultInjector

    var baseURL: String { "https://127.0.0.1:\(endpoints.partnerPort)" }

    func client(_ member: String) throws -> PartnerClient {
        try PartnerClient(
            baseURL: baseURL,
            certificateFile: setup.certs.appendingPathComponent("\(member).pem").path,
            keyFile: setup.certs.appendingPathComponent("\(member)-key.pem").path,
            caFile: setup.certs.appendingPathComponent("ca.pem").path)
    }

    func run() async -> [Step] {
        var steps: [Step] = []
        func record(_ title: String, _ body: () async throws -> (Bool, String)) async {
            do {
                let (held, detail) = try await body()
                steps.append(Step(title: title, held: held, detail: detail))
            } catch {
                steps.append(Step(title: title, held: false, detail: "failed: \(type(of: error))"))
            }
        }

        let labour: PartnerClient
        do { labour = try client("gov.labour.dongnai") } catch {
            return [Step(title: "labour department client", held: false, detail: "cannot load its certificate")]
        }
        defer { Task { try? await labour.shutdown() } }

        func verify(_ request: VerifyCitizenRequest) async throws -> (PartnerClient.Answer, VerifyCitizenResponse?) {
            let answer = try await labour.call(
                service: "population.verify-citizen", body: try JSONEncoder().encode(request),
                user: "canbo-ldtbxh-01", purpose: "asxh.verify-beneficiary")
            return (answer, answer.status == 200 ? try answer.decode(VerifyCitizenResponse.self) : nil)
        }
        func request(for index: Int) -> VerifyCitizenRequest {
            let c = register[index]
            return VerifyCitizenRequest(
                personalId: c.personalId ?? "", fullName: c.fullName, dateOfBirth: c.dateOfBirth,
                hometown: c.hometown, permanentResidence: c.permanentResidence)
        }

        let adults = register.indices.filter { register[$0].personalId != nil }
        if let i = adults.first {
            await record("verify a citizen exactly as registered (row \(i + 1))") {
                let (answer, body) = try await verify(request(for: i))
                return (body?.status == .matched, "HTTP \(answer.status), \(body?.status.rawValue ?? "-"), audit seq \(answer.auditSeq ?? 0)")
            }
        }
        if let (i, variant) = adults.lazy.compactMap({ i in ToneMarks.flipped(register[i].fullName).map { (i, $0) } }).first {
            await record("verify with the other tone-mark style (hoà/hòa) (row \(i + 1))") {
                var r = request(for: i)
                r.fullName = variant
                let (answer, body) = try await verify(r)
                return (body?.status == .matched, "HTTP \(answer.status), \(body?.status.rawValue ?? "-")")
            }
        } else {
            steps.append(Step(title: "verify with the other tone-mark style", held: false, detail: "no oa/oe/uy name in the register"))
        }
        if let i = adults.dropFirst(1).first {
            await record("verify a name sent in Unicode NFD (row \(i + 1))") {
                var r = request(for: i)
                r.fullName = r.fullName.decomposedStringWithCanonicalMapping
                let (answer, body) = try await verify(r)
                return (body?.status == .matched, "HTTP \(answer.status), \(body?.status.rawValue ?? "-")")
            }
        }
        if let i = adults.dropFirst(2).first {
            await record("verify with a wrong date of birth (row \(i + 1))") {
                var r = request(for: i)
                let date = try CalendarDate(iso: r.dateOfBirth)
                r.dateOfBirth = try CalendarDate(year: date.year, month: date.month, day: date.day == 1 ? 2 : 1).iso
                let (answer, body) = try await verify(r)
                let fields = body?.mismatches.map(\.field.rawValue) ?? []
                let registered = body?.mismatches.first?.registered == register[i].dateOfBirth
                return (body?.status == .mismatch && fields == ["dateOfBirth"] && registered,
                        "HTTP \(answer.status), \(body?.status.rawValue ?? "-"), fields \(fields), register's value returned: \(registered)")
            }
            await record("verify an id number the register does not hold") {
                let known = Set(register.compactMap(\.registeredPersonalId))
                var serial = 999_999
                var id = PersonalID.make(provinceCode: "75", birthYear: 1980, sex: .female, serial: serial)
                while known.contains(id.digits) { serial -= 1; id = PersonalID.make(provinceCode: "75", birthYear: 1980, sex: .female, serial: serial) }
                var r = request(for: i)
                r.personalId = id.digits
                let (answer, body) = try await verify(r)
                return (body?.status == .notFound, "HTTP \(answer.status), \(body?.status.rawValue ?? "-")")
            }
            await record("malformed id number is refused with problem+json") {
                var r = request(for: i)
                r.personalId = "07512"
                let (answer, _) = try await verify(r)
                let problem = answer.problem
                return (answer.status == 400 && problem?.type == "urn:lienthong:error:bad-request" && answer.contentType == "application/problem+json",
                        "HTTP \(answer.status), \(problem?.type ?? "-")")
            }
        }
        if let i = register.indices.first(where: { register[$0].personalId == nil && register[$0].assignedPersonalId != nil }) {
            await record("find the number of a child listed without one (row \(i + 1))") {
                let c = register[i]
                let body = RequestPersonalIDRequest(
                    fullName: c.fullName, dateOfBirth: c.dateOfBirth, sex: c.sex,
                    parentName: c.motherName, birthRegistrationPlace: c.birthRegistrationPlace)
                let answer = try await labour.call(
                    service: "population.request-personal-id", body: try JSONEncoder().encode(body),
                    user: "canbo-ldtbxh-01", purpose: "asxh.verify-beneficiary")
                let decoded = try? answer.decode(RequestPersonalIDResponse.self)
                return (decoded?.personalId == c.assignedPersonalId, "HTTP \(answer.status), \(decoded?.status.rawValue ?? "-")")
            }
        }
        await record("a bank without the grant is refused (403)") {
            let bank = try client("bank.970436")
            defer { Task { try? await bank.shutdown() } }
            let answer = try await bank.call(
                service: "population.verify-citizen", body: Data("{}".utf8), user: "bank-ops-1", purpose: "asxh.verify-beneficiary")
            return (answer.status == 403 && answer.problem?.type == "urn:lienthong:error:forbidden", "HTTP \(answer.status)")
        }
        await record("a certificate from another CA is refused at the handshake") {
            let stranger = try SelfSigned.client(commonName: "gov.labour.dongnai", validity: Date().addingTimeInterval(-60)...Date().addingTimeInterval(86_400))
            let certFile = setup.data.appendingPathComponent("stranger.pem")
            let keyFile = setup.data.appendingPathComponent("stranger-key.pem")
            try stranger.certificatePEM.write(to: certFile, atomically: true, encoding: .utf8)
            try stranger.privateKeyPEM.write(to: keyFile, atomically: true, encoding: .utf8)
            let client = try PartnerClient(
                baseURL: baseURL, certificateFile: certFile.path, keyFile: keyFile.path,
                caFile: setup.certs.appendingPathComponent("ca.pem").path)
            defer { Task { try? await client.shutdown() } }
            do {
                let answer = try await client.call(service: "directory.banks", body: Data("{}".utf8), user: "x", purpose: nil)
                return (false, "answered HTTP \(answer.status)")
            } catch {
                return (true, "handshake refused")
            }
        }
        await record("the bank directory is served") {
            let answer = try await labour.call(service: "directory.banks", body: Data("{}".utf8), user: "canbo-ldtbxh-01", purpose: nil)
            struct Banks: Decodable { var banks: [Bank] }
            let banks = try answer.decode(Banks.self).banks
            return (banks.contains { $0.bin == "970436" }, "\(banks.count) banks")
        }
        await record("account-opening requests reach a push bank (taken down, then up) and a pull bank") {
            func envelope(_ id: UUID, to bank: String, ref: Int) -> Data {
                Data(#"{"id":"\#(id.uuidString.lowercased())","type":"asxh.account-opening-request","to":"\#(bank)","payload":{"requestRef":"DEMO-\#(ref)","bank":{"bin":"\#(bank.dropFirst(5))"},"person":{"fullName":"Người Thử Nghiệm","personalId":"075090000001","dateOfBirth":"1990-01-01"}}}"#.utf8)
            }
            let headers = [("Content-Type", "application/json"), ("X-User-Id", "canbo-ldtbxh-01")]
            recipientFaults.setDown()
            var pushIDs: [UUID] = []
            var pullIDs: [UUID] = []
            for n in 0..<6 {
                let id = UUID()
                let bank = n % 2 == 0 ? "bank.970436" : "bank.970418"
                let answer = try await labour.send(method: .POST, path: "/v1/messages", headers: headers, body: envelope(id, to: bank, ref: n))
                guard answer.status == 202 else { return (false, "accept answered HTTP \(answer.status)") }
                if n % 2 == 0 { pushIDs.append(id) } else { pullIDs.append(id) }
            }
            try await Task.sleep(for: .seconds(1))
            let whileDown = received.uniqueIDs.count
            recipientFaults.heal()
            // The pull bank leases its inbox and acknowledges each message.
            let pull = try client("bank.970418")
            defer { Task { try? await pull.shutdown() } }
            struct Inbox: Decodable { struct Item: Decodable { var id: String; var leaseToken: String }; var messages: [Item] }
            var acked: Set<String> = []
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline, Set(received.uniqueIDs) != Set(pushIDs) || acked.count < pullIDs.count {
                let inbox = try JSONDecoder().decode(Inbox.self, from: try await pull.send(method: .GET, path: "/v1/inbox?limit=10", headers: [], body: nil).body)
                for item in inbox.messages {
                    let ack = try await pull.send(method: .POST, path: "/v1/inbox/\(item.id)/ack", headers: [("Content-Type", "application/json")],
                                                  body: Data(#"{"leaseToken":"\#(item.leaseToken)"}"#.utf8))
                    if ack.status == 200 { acked.insert(item.id) }
                }
                try await Task.sleep(for: .milliseconds(200))
            }
            let pushed = Set(received.uniqueIDs) == Set(pushIDs)
            let pulled = acked == Set(pullIDs.map { $0.uuidString.lowercased() })
            return (whileDown == 0 && pushed && pulled,
                    "push bank: 0 received while down, \(received.uniqueIDs.count)/\(pushIDs.count) after it came back (\(received.deliveryCount) deliveries); pull bank: \(acked.count)/\(pullIDs.count) acknowledged")
        }
        await record("the audit chain verifies") {
            try await Task.sleep(for: .milliseconds(300))   // let the handshake refusal's record land
            let store = gateway.auditStore
            _ = try await store.checkpoint()
            let result = try store.verify(publicKey: try Gateway.auditKeys(config.audit).signingKey.publicKey)
            let refused = try store.records(from: 1, limit: 1_000_000).filter { $0.outcome == .denied }.count
            return (result.isIntact && refused >= 3, "\(result.recordsChecked) records, \(result.checkpointsChecked) checkpoints, \(refused) refusals recorded")
        }
        return steps
    }

    static func printSummary(_ steps: [Step], endpoints: GatewayEndpoints, setup: DemoSetup) {
        print("\nLienthong demo: population database (CSDLQG về dân cư) through the gateway\n")
        for step in steps {
            print("  \(step.held ? "✓" : "✗") \(step.title)\n      \(step.detail)")
        }
        let held = steps.filter(\.held).count
        print("\n\(held) of \(steps.count) steps held.")
        print("Partner listener: https://127.0.0.1:\(endpoints.partnerPort)  (mTLS)")
        print("Admin listener:   http://127.0.0.1:\(endpoints.adminPort)/metrics")
        print("Configuration:    \(setup.configFile.path)")
    }
}

/// Moves the tone mark of a final oa/oe/uy cluster to the other style (hoà ↔ hòa), for the demo's variant step.
enum ToneMarks {
    static let pairs: [(String, String)] = [
        ("oà", "òa"), ("oá", "óa"), ("oả", "ỏa"), ("oã", "õa"), ("oạ", "ọa"),
        ("oè", "òe"), ("oé", "óe"), ("oẻ", "ỏe"), ("oẽ", "õe"), ("oẹ", "ọe"),
        ("uỳ", "ùy"), ("uý", "úy"), ("uỷ", "ủy"), ("uỹ", "ũy"), ("uỵ", "ụy"),
    ]

    static func flipped(_ name: String) -> String? {
        var changed = false
        let words = name.split(separator: " ").map { word -> String in
            let w = String(word)
            for (a, b) in pairs {
                if w.hasSuffix(a) { changed = true; return String(w.dropLast(a.count)) + b }
                if w.hasSuffix(b) { changed = true; return String(w.dropLast(b.count)) + a }
            }
            return w
        }
        return changed ? words.joined(separator: " ") : nil
    }
}
