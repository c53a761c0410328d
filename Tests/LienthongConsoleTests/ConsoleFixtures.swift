import Foundation
import LienthongConsole
import LienthongCore

/// Filled view models with synthetic data, shared by the tests.
enum ConsoleFixtures {
    /// 2026-06-30T03:00:00Z (10:00 in Vietnam).
    static let now = Date(timeIntervalSince1970: 1_782_788_400)
    static let context = ConsoleContext(now: now, instanceName: "lienthong-test", refreshSeconds: 30)
    static let day: TimeInterval = 86_400

    static let overview = OverviewViewModel(
        context: context,
        requestsServed: 123_456,
        clientErrors: 321,
        serverErrors: 7,
        uptimeSeconds: 3 * 86_400 + 4 * 3_600 + 5 * 60,
        messages: MessageStateCounts(queued: 12, inFlight: 3, delivered: 4_567, dead: 2),
        auditHeadSeq: 98_765,
        auditStatus: .verified,
        trafficByService: [
            ServiceTraffic(service: "population.lookup", requests: 9_000, errors: 120),
            ServiceTraffic(service: "napas.verify-account", requests: 4_000, errors: 200),
            ServiceTraffic(service: "messages", requests: 1_500, errors: 8),
        ]
    )

    static let deadID = "6f1c2b0e-8d4a-4c1e-9a57-3b2d1e0f9a11"

    static let queue = QueueViewModel(
        context: context,
        recipients: [
            RecipientQueueCounts(recipient: "bank-vcb", counts: MessageStateCounts(queued: 5, inFlight: 1, delivered: 800, dead: 1)),
            RecipientQueueCounts(recipient: "labor-dongnai", counts: MessageStateCounts(queued: 7, inFlight: 2, delivered: 3_767, dead: 1)),
        ],
        deadLetters: [
            DeadLetterRow(
                id: deadID, type: "asxh.account-opening-request", sender: "labor-dongnai", recipient: "bank-vcb",
                attempts: 8, lastErrorCode: "http-503", deadSince: now.addingTimeInterval(-3_600)
            ),
            DeadLetterRow(
                id: "0a9b8c7d-1111-4222-8333-944455556666", type: "vss.participant-sync", sender: "vss", recipient: "labor-dongnai",
                attempts: 1, lastErrorCode: nil, deadSince: now.addingTimeInterval(-7_200)
            ),
        ],
        moreDeadLetters: 3,
        csrfToken: "csrf-Tok3n_abc",
        flash: .requeued(messageID: "11111111-2222-4333-8444-555555555555", .vi)
    )

    static let members = MembersViewModel(
        context: context,
        members: [
            MemberRow(id: "labor-dongnai", role: "partner", description: "Sở LĐ-TB&XH Đồng Nai", certificateSubject: "CN=labor-dongnai,O=Lienthong Example",
                      serial: "1a2b3c", notAfter: now.addingTimeInterval(60 * day)),
            MemberRow(id: "bank-vcb", role: "partner", description: "Ngân hàng <script>alert(1)</script> & co", certificateSubject: "CN=bank-vcb",
                      serial: "4d5e6f", notAfter: now.addingTimeInterval(10 * day)),
            MemberRow(id: "vss", role: "upstream", description: "BHXH \"Việt Nam\"", certificateSubject: "CN=vss",
                      serial: "778899", notAfter: now.addingTimeInterval(-2 * day)),
        ]
    )

    static let headHash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

    static let audit = AuditViewModel(
        context: context,
        status: .broken(firstBadSeq: 4_242),
        verifiedAt: now.addingTimeInterval(-600),
        headSeq: 98_765,
        headHash: headHash,
        checkpoints: [
            CheckpointRow(seq: 98_000, time: now.addingTimeInterval(-900), hash: "ab".repeated(32), keyID: "audit-2026"),
            CheckpointRow(seq: 97_000, time: now.addingTimeInterval(-1_800), hash: "cd".repeated(32), keyID: "audit-2026"),
        ]
    )

    static let registry = RegistryViewModel(
        context: context,
        batches: [
            RegistryBatchRow(id: "b-0007", fileName: "DS_BTXH_Bien_Hoa_T6.xlsx", rows: 450, importedAt: now.addingTimeInterval(-86_400),
                             verificationDone: 120, verificationTotal: 450, matched: 100, mismatch: 12, notFound: 5, invalid: 3),
            RegistryBatchRow(id: "b-0006", fileName: "ds-long-khanh.csv", rows: 80, importedAt: now.addingTimeInterval(-3 * 86_400),
                             verificationDone: 0, verificationTotal: 0, matched: 0, mismatch: 0, notFound: 0, invalid: 0),
        ],
        jobs: [
            RegistryJobRow(id: "job-31", kind: "verify", batch: "b-0007", startedAt: now.addingTimeInterval(-300), done: 120, total: 450),
        ]
    )

    static let labor = LaborViewModel(
        context: context,
        area: "Đồng Nai",
        asOf: try! CalendarDate(year: 2026, month: 6, day: 30),
        suppressionThreshold: 5,
        headline: LaborHeadline(people15Plus: 2_345_678, participationRate: 0.684, unemploymentRate: 0.021, trainedRate: 0.29,
                                socialInsuranceRate: nil),
        pyramid: [
            ChartRow(label: "15–24", values: [1_200, 1_100]),
            ChartRow(label: "25–34", values: [2_400, 2_300]),
            ChartRow(label: "35–44", values: [2_000, 2_100]),
            ChartRow(label: "45–54", values: [1_500, 1_600]),
            ChartRow(label: "55–64", values: [900, 1_000]),
            ChartRow(label: "65+", values: [nil, 450]),
        ],
        employmentByDistrict: [
            ChartRow(label: "Biên Hòa", values: [5_400, 130, 2_100]),
            ChartRow(label: "Long Khánh", values: [1_200, 40, 600]),
            ChartRow(label: "Định Quán", values: [800, nil, 420]),
        ],
        sectors: [
            ChartRow(label: "A – Nông nghiệp, lâm nghiệp và thủy sản", values: [1_300]),
            ChartRow(label: "C – Công nghiệp chế biến, chế tạo", values: [4_200]),
            ChartRow(label: "G – Bán buôn và bán lẻ", values: [1_100]),
            ChartRow(label: "U – Hoạt động của các tổ chức quốc tế", values: [nil]),
        ],
        socialInsurance: [
            ChartRow(label: "Nam", values: [2_300, 200, 1_100]),
            ChartRow(label: "Nữ", values: [2_100, 260, 1_240]),
        ]
    )

    static let login = LoginViewModel(context: context, failed: true, next: "/console/queue", csrfToken: "login-csrf")

    /// Every page rendered in `language`, by name.
    static func pages(_ language: ConsoleLanguage) -> [(String, String)] {
        [
            ("overview", ConsoleRenderer.renderOverview(overview, language: language)),
            ("queue", ConsoleRenderer.renderQueue(queue, language: language)),
            ("members", ConsoleRenderer.renderMembers(members, language: language)),
            ("audit", ConsoleRenderer.renderAudit(audit, language: language)),
            ("registry", ConsoleRenderer.renderRegistry(registry, language: language)),
            ("labor", ConsoleRenderer.renderLabor(labor, language: language)),
            ("login", ConsoleRenderer.renderLogin(login, language: language)),
        ]
    }
}

extension String {
    func repeated(_ count: Int) -> String { String(repeating: self, count: count) }

    func occurrences(of needle: String) -> Int { components(separatedBy: needle).count - 1 }
}
