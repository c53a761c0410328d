import Foundation
import LienthongAdapters
import LienthongAudit
import LienthongClient
import LienthongConfig
import LienthongCore
import LienthongLabor
import LienthongGateway
import LienthongPKI
import LienthongRegistryService
import LienthongRegistryStore
import Logging
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
    let participants: ParticipantRegister
    let accounts: AccountRegister
    /// The desks of the push bank (970436) and the pull bank (970418).
    let banks: [BankDesk]
    let pushBankFaults: FaultInjector

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
        if let (i, variant) = adults.lazy.compactMap({ i in VietnameseName.inOtherToneMarkStyle(register[i].fullName).map { (i, $0) } }).first {
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
        await partnerSteps(labour: labour, record: record)
        await registrySteps(labour: labour, record: record)
        await laborSteps(labour: labour, record: record)
        await record("the audit chain verifies") {
            try await Task.sleep(for: .milliseconds(300))   // let the handshake refusal's record land
            let store = gateway.auditLog
            _ = try await store.checkpoint()
            let result = try await store.verify(publicKey: try Gateway.auditKeys(config.audit).signingKey.publicKey)
            let refused = try await store.records(from: 1, limit: 1_000_000).filter { $0.outcome == .denied }.count
            return (result.isIntact && refused >= 3, "\(result.recordsChecked) records, \(result.checkpointsChecked) checkpoints, \(refused) refusals recorded")
        }
        return steps
    }

    /// Social insurance, NAPAS, the banks' account openings and the participant sync.
    func partnerSteps(labour: PartnerClient, record: (String, () async throws -> (Bool, String)) async -> Void) async {
        let user = "canbo-ldtbxh-01"
        let byNumber = Dictionary(register.compactMap { c in c.registeredPersonalId.map { ($0, c) } }, uniquingKeysWith: { a, _ in a })

        if let participant = participants.participants.first(where: { $0.scheme == .compulsory && $0.participation == .participating }) {
            await record("social insurance: a worker's participation, by personal id and by BHXH number") {
                func lookup(_ body: String) async throws -> LookupParticipantResponse? {
                    let answer = try await labour.call(service: "vss.lookup-participant", body: Data(body.utf8), user: user, purpose: "labor.analysis")
                    return answer.status == 200 ? try answer.decode(LookupParticipantResponse.self) : nil
                }
                let byID = try await lookup(#"{"personalId":"\#(participant.personalId)"}"#)
                let byBHXH = try await lookup(#"{"socialInsuranceNumber":"\#(participant.socialInsuranceNumber)"}"#)
                let same = byID?.participant == byBHXH?.participant && byID?.participant?.personalId == participant.personalId
                return (byID?.status == .found && same,
                        "\(byID?.status.rawValue ?? "-"), \(byID?.participant?.scheme.rawValue ?? "-") since \(byID?.participant?.since ?? "-"), both look-ups agree: \(same)")
            }
        }

        await record("NAPAS: accounts verified, mismatched, not found and closed (answers signed, JWS checked)") {
            func verify(_ request: VerifyAccountRequest) async throws -> VerifyAccountResponse.Status? {
                let answer = try await labour.call(
                    service: "napas.verify-account", body: try JSONEncoder().encode(request), user: user, purpose: "asxh.verify-account")
                return answer.status == 200 ? try answer.decode(VerifyAccountResponse.self).status : nil
            }
            guard let open = accounts.accounts.first(where: { $0.open && $0.type == .bankAccount }), let owner = byNumber[open.holderPersonalId],
                  let closed = accounts.accounts.first(where: { !$0.open && $0.type == .bankAccount }),
                  let wallet = accounts.accounts.first(where: { $0.open && $0.type == .eWallet }), let walletOwner = byNumber[wallet.holderPersonalId]
            else { return (false, "the synthetic register lacks an open, a closed or a wallet account") }
            let outcomes = [
                try await verify(VerifyAccountRequest(bin: open.providerCode, accountNumber: open.accountNumber, holderName: owner.fullName, personalId: open.holderPersonalId)),
                try await verify(VerifyAccountRequest(bin: wallet.providerCode, accountNumber: wallet.accountNumber, accountType: .eWallet, holderName: walletOwner.fullName)),
                try await verify(VerifyAccountRequest(bin: open.providerCode, accountNumber: open.accountNumber, holderName: owner.fullName + " Anh")),
                try await verify(VerifyAccountRequest(bin: open.providerCode, accountNumber: "000000000000001", holderName: owner.fullName)),
                try await verify(VerifyAccountRequest(bin: closed.providerCode, accountNumber: closed.accountNumber, holderName: "X")),
            ]
            let expected: [VerifyAccountResponse.Status?] = [.verified, .verified, .nameMismatch, .accountNotFound, .accountClosed]
            return (outcomes == expected, outcomes.map { $0?.rawValue ?? "error" }.joined(separator: ", "))
        }

        // Account openings: two adults and one child without a guardian per bank; the push bank starts down.
        let adults = register.filter { c in
            c.personalId != nil && ((try? CalendarDate(iso: c.dateOfBirth)).map { $0.year <= 2000 } ?? false)
        }
        let children = register.filter { c in c.personalId != nil && ((try? CalendarDate(iso: c.dateOfBirth)).map { $0.year >= 2016 } ?? false) }
        let stamp = String(UInt64(Date().timeIntervalSince1970 * 1000), radix: 36)
        var requests: [(ref: String, bank: String, person: SyntheticCitizen, minor: Bool)] = []
        for (n, bank) in ["bank.970436", "bank.970418"].enumerated() {
            for k in 0..<2 where adults.count > n * 2 + k {
                requests.append(("DEMO-\(stamp)-\(bank.suffix(6))-\(k)", bank, adults[n * 2 + k], false))
            }
            if children.count > n { requests.append(("DEMO-\(stamp)-\(bank.suffix(6))-m", bank, children[n], true)) }
        }
        await record("account openings at a push bank (down, then up) and a pull bank; results back to labour") {
            let headers = [("Content-Type", "application/json"), ("X-User-Id", user)]
            pushBankFaults.setDown()
            for request in requests {
                let person = request.person
                let body = Data(#"{"id":"\#(UUID().uuidString.lowercased())","type":"asxh.account-opening-request","to":"\#(request.bank)","payload":{"requestRef":"\#(request.ref)","bank":{"bin":"\#(request.bank.dropFirst(5))"},"account":{"type":"bank","currency":"VND"},"category":"bao-tro-xa-hoi","person":{"fullName":"\#(person.fullName)","personalId":"\#(person.personalId ?? "")","dateOfBirth":"\#(person.dateOfBirth)","sex":"\#(person.sex.rawValue)"}}}"#.utf8)
                let answer = try await labour.send(method: .POST, path: "/v1/messages", headers: headers, body: body)
                guard answer.status == 202 else { return (false, "accept answered HTTP \(answer.status)") }
            }
            try await Task.sleep(for: .seconds(1))
            let whileDown = banks[0].counts.received
            pushBankFaults.heal()
            // Labour leases its inbox until every request has its final result.
            var final: [String: String] = [:]
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline, final.count < requests.count {
                for item in try await leaseInbox(labour) where item.type == "asxh.account-opening-result" {
                    if case .object(let payload) = item.payload, case .string(let ref)? = payload["requestRef"], case .string(let outcome)? = payload["outcome"],
                       outcome == "card-delivered" || outcome == "rejected" {
                        final[ref] = outcome
                    }
                }
                try await Task.sleep(for: .milliseconds(200))
            }
            let expected = Dictionary(uniqueKeysWithValues: requests.map { ($0.ref, $0.minor ? "rejected" : "card-delivered") })
            let opened = final.values.filter { $0 == "card-delivered" }.count
            return (whileDown == 0 && final == expected,
                    "push bank received \(whileDown) while down; \(final.count)/\(requests.count) final results: \(opened) opened with card delivered, \(final.count - opened) rejected (children without a guardian)")
        }
        if let first = requests.first {
            await record("each person's account openings are visible, correlated by requestRef") {
                let answer = try await labour.send(
                    method: .POST, path: "/v1/account-openings/query", headers: [("Content-Type", "application/json")],
                    body: Data(#"{"personalId":"\#(first.person.personalId ?? "")"}"#.utf8))
                struct List: Decodable { struct Opening: Decodable { var requestRef: String; var status: String; var steps: [Step] }; struct Step: Decodable { var outcome: String }; var accountOpenings: [Opening] }
                let list = answer.status == 200 ? try JSONDecoder().decode(List.self, from: answer.body) : nil
                let opening = list?.accountOpenings.first { $0.requestRef == first.ref }
                let steps = opening?.steps.map(\.outcome) ?? []
                return (steps == ["requested", "acknowledged", "opened", "card-delivered"], "HTTP \(answer.status), \(steps.joined(separator: " → "))")
            }
        }

        await record("social insurance pushes a participant sync: refused records reported, the rest delivered to labour") {
            let vss = try client("gov.vss.dongnai")
            defer { Task { try? await vss.shutdown() } }
            let payload = participants.syncBatch(count: 20, seed: 7, invalid: 3)
            let id = UUID().uuidString.lowercased()
            let envelope = JSONValue.object(["id": .string(id), "type": .string("vss.participant-sync"), "to": .string("gov.labour.dongnai"), "payload": payload])
            let answer = try await vss.send(
                method: .POST, path: "/v1/messages", headers: [("Content-Type", "application/json"), ("X-User-Id", "bhxh-sync")],
                body: Data(JCS.canonicalize(envelope)))
            struct Accepted: Decodable { struct Validation: Decodable { var total: Int; var accepted: Int; var refused: [ParticipantSync.Refusal] }; var validation: Validation }
            guard answer.status == 202, let validation = try? JSONDecoder().decode(Accepted.self, from: answer.body).validation else {
                return (false, "accept answered HTTP \(answer.status)")
            }
            var delivered: Int?
            let deadline = ContinuousClock.now + .seconds(10)
            while delivered == nil, ContinuousClock.now < deadline {
                for item in try await leaseInbox(labour) where item.id == id {
                    if case .object(let p) = item.payload, case .array(let records)? = p["records"] { delivered = records.count }
                }
                if delivered == nil { try await Task.sleep(for: .milliseconds(200)) }
            }
            let fields = validation.refused.map(\.field).joined(separator: ", ")
            return (validation.total == 20 && validation.refused.count == 3 && delivered == 17,
                    "\(validation.accepted) of \(validation.total) accepted, refused fields: \(fields); labour received \(delivered ?? 0) records")
        }
    }

    /// The social-security registry (SPEC §6) as the labour department's member system, through the gateway.
    func registrySteps(labour: PartnerClient, record: (String, () async throws -> (Bool, String)) async -> Void) async {
        let logger = Logger(label: "lienthong.demo.registry")
        let store: RegistryStore
        do {
            store = try RegistryStore(path: setup.data.appendingPathComponent("registry.sqlite").path, defaultBankBIN: "970418")
        } catch {
            await record("the registry opens its database") { (false, "failed: \(type(of: error))") }
            return
        }
        let runs = RegistryRuns(store: store, gateway: RegistryGateway(client: labour, user: "canbo-ldtbxh-01"), logger: logger)
        let list = BeneficiaryListGenerator(citizens: register, accounts: accounts, seed: 11)
            .make(rows: 60, defects: BeneficiaryListGenerator.Defect.allCases)
        let file = setup.data.appendingPathComponent("danh-sach-doi-tuong.xlsx")
        let period = "2026-12"
        var batchID = ""
        await record("registry: import a commune's list (XLSX) with the plan's problems") {
            try list.write(xlsx: file)
            let batch = try store.importList(url: file, name: file.lastPathComponent, importedBy: "canbo-ldtbxh-01",
                                             referenceDate: SyntheticPopulation.referenceDate)
            batchID = batch.id
            let c = batch.counts
            return (c.total == 60 && c.returnedToCommune >= 3 && c.toRequestPersonalID >= 1,
                    "\(c.total) rows: \(c.toVerify) to verify, \(c.toRequestPersonalID) child to request a number for, \(c.returnedToCommune) returned to the commune (wrong birth year, missing id, duplicate)")
        }
        guard !batchID.isEmpty else { return }
        await record("registry: verify the list against the population database (NFD, old tone marks and a year-only birth date match)") {
            let p = try await runs.verify(batch: batchID, concurrency: 8)
            let statuses = p.byStatus.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            return (p.done == p.total && p.byStatus["mismatch"] == 1 && p.byStatus["not_found"] == 1 && (p.byStatus["number_assigned"] ?? 0) >= 1
                        && (p.byStatus["invalid"] ?? 0) == 0,
                    "\(p.done)/\(p.total): \(statuses)")
        }
        await record("registry: verify accounts for period \(period) and decide the payment channel") {
            let checked = try await runs.verifyAccounts(batch: batchID, period: period)
            let decisions = try store.paymentDecisions(batch: batchID, period: period)
            let counts = Dictionary(grouping: decisions, by: { $0.decision.status.rawValue }).mapValues(\.count)
            return (checked > 0 && decisions.contains { $0.decision.status == .readyCashless },
                    "\(checked) accounts checked; " + counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        await record("registry: open accounts at the banks for payees without one; results recorded per person") {
            let sent = try await runs.openAccounts(batch: batchID, period: period)
            let deadline = ContinuousClock.now + .seconds(30)
            var final = 0
            while ContinuousClock.now < deadline {
                try await runs.collectOpeningResults()
                final = try store.openings(batch: batchID).filter { [.cardDelivered, .rejected].contains($0.status) }.count
                if final == sent { break }
                try await Task.sleep(for: .milliseconds(250))
            }
            return (sent > 0 && final == sent, "\(sent) requests sent, \(final) with a final result")
        }
        await record("registry: reports written (CSV and XLSX, Vietnamese headers)") {
            let folder = setup.directory.appendingPathComponent("reports")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            var files = [try store.writeDiscrepancyReport(batch: batchID, to: folder)]
            files += Array(try store.writeBankLists(batch: batchID, period: period, to: folder).values)
            files.append(try store.writeCashList(batch: batchID, period: period, to: folder))
            files.append(try store.writeMonthlyReport(batch: batchID, period: period, to: folder))
            let present = files.allSatisfy { FileManager.default.fileExists(atPath: $0.xlsx.path) && FileManager.default.fileExists(atPath: $0.csv.path) }
            return (present, "\(files.count * 2) files in \(folder.path)")
        }
    }

    /// Labour analysis (SPEC §7): worker records from the industrial-zone board and social insurance, a commune
    /// survey, identities verified, the analysis with small cells suppressed, the IOC's feed.
    func laborSteps(labour: PartnerClient, record: (String, () async throws -> (Bool, String)) async -> Void) async {
        let asOf = SyntheticPopulation.referenceDate
        let records = WorkerRecordGenerator(citizens: register, seed: 5).make(asOf: asOf)
        let zone = records.filter { $0.source == .industrialZone }
        let survey = records.filter { $0.source == .survey }
        func send(_ sender: PartnerClient, type: String, payload: JSONValue, user: String) async throws -> (Int, Data) {
            let envelope = JSONValue.object([
                "id": .string(UUID().uuidString.lowercased()), "type": .string(type), "to": .string("gov.labour.dongnai"), "payload": payload,
            ])
            let answer = try await sender.send(
                method: .POST, path: "/v1/messages", headers: [("Content-Type", "application/json"), ("X-User-Id", user)],
                body: Data(JCS.canonicalize(envelope)))
            return (answer.status, answer.body)
        }
        await record("labour: the industrial-zone board sends its workers (labor.worker-records), checked record by record") {
            let board = try client("gov.iz.dongnai")
            defer { Task { try? await board.shutdown() } }
            guard case .object(var payload) = WorkerRecordGenerator.messagePayload(zone), case .array(var items)? = payload["records"] else {
                return (false, "no records generated")
            }
            // Two deliberate mistakes: a record without its employment status, and one dated in the future.
            if case .object(var first)? = items.first { first["employmentStatus"] = nil; items.append(.object(first)) }
            if case .object(var second)? = items.dropFirst().first { second["asOf"] = .string("2099-01-01"); items.append(.object(second)) }
            payload["records"] = .array(items)
            let (status, body) = try await send(board, type: "labor.worker-records", payload: .object(payload), user: "bql-kcn-01")
            struct Accepted: Decodable { struct Validation: Decodable { var total: Int; var accepted: Int; var refused: [ParticipantSync.Refusal] }; var validation: Validation }
            guard status == 202, let validation = try? JSONDecoder().decode(Accepted.self, from: body).validation else {
                return (false, "accept answered HTTP \(status)")
            }
            return (validation.refused.count == 2 && validation.accepted == zone.count,
                    "\(validation.accepted) of \(validation.total) accepted; refused: \(validation.refused.map(\.description).joined(separator: "; "))")
        }
        await record("labour: social insurance sends a participant sync for the same people") {
            let vss = try client("gov.vss.dongnai")
            defer { Task { try? await vss.shutdown() } }
            let (status, _) = try await send(vss, type: "vss.participant-sync", payload: participants.syncBatch(count: 40, seed: 9), user: "bhxh-sync")
            return (status == 202, "HTTP \(status)")
        }
        await record("labour: a commune survey (XLSX, form 01 columns, Vietnamese headers) imported through /v1/labor/surveys") {
            let file = setup.data.appendingPathComponent("phieu-01-khao-sat.xlsx")
            try WorkerRecordGenerator.writeSurvey(survey, to: file)
            let answer = try await labour.send(
                method: .POST, path: "/v1/labor/surveys?name=phieu-01-khao-sat.xlsx&asOf=\(asOf.iso)",
                headers: [("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), ("X-User-Id", "canbo-ldtbxh-01")],
                body: try Data(contentsOf: file))
            struct Summary: Decodable { var rows: Int; var people: Int }
            let summary = try? JSONDecoder().decode(Summary.self, from: answer.body)
            return (answer.status == 201 && summary?.rows == survey.count, "HTTP \(answer.status): \(summary?.rows ?? 0) rows")
        }
        await record("labour: take the inbox and verify every person against the population database") {
            let answer = try await labour.send(method: .POST, path: "/v1/labor/ingest", headers: [("X-User-Id", "canbo-ldtbxh-01")], body: nil)
            struct Round: Decodable { struct Ingest: Decodable { var messages: Int; var records: Int; var socialInsuranceUpdates: Int }; var ingest: Ingest?; var verified: Int?; var cause: String? }
            let round = try? JSONDecoder().decode(Round.self, from: answer.body)
            let ingest = round?.ingest
            // Everyone checked (on a second run of the demo, the people of the first are already checked).
            let status = try await labour.send(method: .GET, path: "/v1/labor/status", headers: [("X-User-Id", "canbo-ldtbxh-01")], body: nil)
            struct Status: Decodable { struct Counts: Decodable { var unverified: Int; var people: Int }; var counts: Counts }
            let counts = try? JSONDecoder().decode(Status.self, from: status.body).counts
            return (answer.status == 200 && ingest?.records == zone.count && (ingest?.socialInsuranceUpdates ?? 0) > 0
                        && counts?.unverified == 0 && (counts?.people ?? 0) >= records.count,
                    "HTTP \(answer.status): \(ingest?.messages ?? 0) messages, \(ingest?.records ?? 0) worker records, "
                    + "\(ingest?.socialInsuranceUpdates ?? 0) social-insurance facts, \(round?.verified ?? 0) identities checked\(round?.cause.map { " (\($0))" } ?? "")")
        }
        await record("labour: analysis by age group × urban/rural, small cells suppressed; CSV and XLSX export") {
            let answer = try await labour.send(
                method: .GET, path: "/v1/labor/analysis?by=ageGroup,area&date=\(asOf.iso)", headers: [("X-User-Id", "canbo-ldtbxh-01")], body: nil)
            struct View: Decodable { var analysis: LaborAnalysis }
            guard answer.status == 200, let analysis = try? JSONDecoder().decode(View.self, from: answer.body).analysis else {
                return (false, "HTTP \(answer.status)")
            }
            let xlsx = try await labour.send(
                method: .GET, path: "/v1/labor/analysis?by=district,employmentStatus&date=\(asOf.iso)&format=xlsx",
                headers: [("X-User-Id", "canbo-ldtbxh-01")], body: nil)
            let file = setup.directory.appendingPathComponent("reports/phan-tich-lao-dong-huyen.xlsx")
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try xlsx.body.write(to: file)
            let total = analysis.total
            let lfpr = total.indicators.laborForceParticipationRate.map { LaborExport.Value.percent($0).text + "%" } ?? "—"
            return (xlsx.status == 200 && total.count != nil,
                    "\(total.count ?? 0) people 15+, participation \(lfpr), \(analysis.suppressedCells) cells suppressed; \(file.path)")
        }
        await record("labour: the IOC reads its feed; any other member is refused") {
            let ioc = try client("gov.ioc.dongnai")
            let bank = try client("bank.970436")
            defer { Task { try? await ioc.shutdown(); try? await bank.shutdown() } }
            let feed = try await ioc.send(method: .GET, path: "/v1/labor/ioc-feed?date=\(asOf.iso)", headers: [("X-User-Id", "ioc-dashboard")], body: nil)
            let refused = try await bank.send(method: .GET, path: "/v1/labor/ioc-feed", headers: [("X-User-Id", "x")], body: nil)
            let labourToo = try await labour.send(method: .GET, path: "/v1/labor/ioc-feed", headers: [("X-User-Id", "x")], body: nil)
            return (feed.status == 200 && refused.status == 403 && labourToo.status == 403,
                    "IOC HTTP \(feed.status); bank HTTP \(refused.status); labour HTTP \(labourToo.status)")
        }
    }

    /// One lease of the labour department's inbox, acknowledging every message it got.
    func leaseInbox(_ labour: PartnerClient) async throws -> [(id: String, type: String, payload: JSONValue)] {
        let answer = try await labour.send(method: .GET, path: "/v1/inbox?limit=50", headers: [], body: nil)
        guard answer.status == 200, case .object(let root) = try JSONValue(parsing: Array(answer.body)), case .array(let items)? = root["messages"] else { return [] }
        var out: [(id: String, type: String, payload: JSONValue)] = []
        for case .object(let item) in items {
            guard case .string(let id)? = item["id"], case .string(let type)? = item["type"], case .string(let token)? = item["leaseToken"] else { continue }
            _ = try await labour.send(
                method: .POST, path: "/v1/inbox/\(id)/ack", headers: [("Content-Type", "application/json")],
                body: Data(#"{"leaseToken":"\#(token)"}"#.utf8))
            out.append((id, type, item["payload"] ?? .null))
        }
        return out
    }

    static func printSummary(_ steps: [Step], endpoints: GatewayEndpoints, setup: DemoSetup) {
        print("\nLienthong demo: population database, social insurance, NAPAS, two banks, the social-security registry and labour analysis through the gateway\n")
        for step in steps {
            print("  \(step.held ? "✓" : "✗") \(step.title)\n      \(step.detail)")
        }
        let held = steps.filter(\.held).count
        print("\n\(held) of \(steps.count) steps held.")
        print("Partner listener: https://127.0.0.1:\(endpoints.partnerPort)  (mTLS)")
        print("Admin listener:   http://127.0.0.1:\(endpoints.adminPort)/metrics")
        print("Console:          http://127.0.0.1:\(endpoints.adminPort)/console  (labour dashboard: /console/labor?date=\(SyntheticPopulation.referenceDate.iso))")
        print("Reports:          \(setup.directory.appendingPathComponent("reports").path)")
        print("Configuration:    \(setup.configFile.path)")
    }
}
