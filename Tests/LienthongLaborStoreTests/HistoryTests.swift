import Foundation
import LienthongCore
import LienthongLabor
import LienthongLaborStore
import XCTest

final class HistoryTests: XCTestCase {
    func testUpsertInsertsThenReplacesTheSameAsOfDate() throws {
        let dir = try TempDir()
        let store = try LaborStore(path: dir.databasePath)
        XCTAssertEqual(try store.synchronousMode(), 2)
        let first = Synthetic.worker(serial: 1, status: .employed, asOf: "2025-01-01")
        let second = Synthetic.worker(serial: 2, status: .inactive, asOf: "2025-01-01")
        XCTAssertEqual(try store.upsert([first, second]), UpsertSummary(inserted: 2, replaced: 0))

        var corrected = first
        corrected.employmentStatus = .unemployed
        XCTAssertEqual(try store.upsert([corrected]), UpsertSummary(inserted: 0, replaced: 1))
        XCTAssertEqual(try store.record(personalID: first.personalID, on: nil)?.employmentStatus, .unemployed)
        XCTAssertEqual(try store.history(personalID: first.personalID), [corrected])

        let counts = try store.counts()
        XCTAssertEqual(counts.records, 2)
        XCTAssertEqual(counts.people, 2)
        XCTAssertEqual(counts.bySource, [.industrialZone: 2])
        XCTAssertEqual(counts.unverified, 2)
        XCTAssertEqual(counts.latestAsOf, Synthetic.date("2025-01-01"))
    }

    func testOlderRecordArrivingLaterIsKeptAsHistoryButDoesNotOverride() throws {
        let dir = try TempDir()
        let store = try LaborStore(path: dir.databasePath)
        let newer = Synthetic.worker(serial: 7, status: .unemployed, asOf: "2025-06-01")
        let older = Synthetic.worker(serial: 7, status: .employed, asOf: "2025-01-01", source: .survey)
        try store.upsert([newer])
        XCTAssertEqual(try store.upsert([older]), UpsertSummary(inserted: 1, replaced: 0))

        XCTAssertEqual(try store.record(personalID: newer.personalID, on: nil), newer)
        XCTAssertEqual(try store.record(personalID: newer.personalID, on: Synthetic.date("2025-07-01")), newer)
        // The older record is what was in force before the newer one.
        XCTAssertEqual(try store.record(personalID: newer.personalID, on: Synthetic.date("2025-03-01")), older)
        XCTAssertNil(try store.record(personalID: newer.personalID, on: Synthetic.date("2024-12-31")))
        XCTAssertEqual(try store.history(personalID: newer.personalID), [older, newer])

        let snapshot = try store.snapshot(on: Synthetic.date("2025-07-01"))
        XCTAssertEqual(snapshot.people, 1)
        XCTAssertEqual(snapshot.recordsConsidered, 2)
        XCTAssertEqual(snapshot.snapshot, LaborSnapshot([newer]))
        let counts = try store.counts()
        XCTAssertEqual(counts.records, 2)
        XCTAssertEqual(counts.people, 1)
        XCTAssertEqual(counts.bySource, [.industrialZone: 1, .survey: 1])
    }

    func testUpsertIsAllOrNothing() throws {
        let dir = try TempDir()
        let store = try LaborStore(path: dir.databasePath)
        try store.upsert([Synthetic.worker(serial: 1)])
        // A database that refuses writes halfway (a trigger standing in for a full disk) leaves nothing behind.
        try FailingTrigger.install(at: dir.databasePath, onSerial: 3)
        let batch = (2...4).map { Synthetic.worker(serial: $0) }
        XCTAssertThrowsError(try store.upsert(batch)) { error in
            XCTAssertEqual((error as? LaborStoreError)?.code, .database)
            XCTAssertFalse(String(describing: error).contains(batch[1].personalID.digits))
        }
        XCTAssertEqual(try store.counts().records, 1)
    }

    func testSocialInsuranceUpdateAppliesOnlyWhenNewerThanTheRecord() throws {
        let dir = try TempDir()
        let store = try LaborStore(path: dir.databasePath)
        let old = Synthetic.worker(serial: 11, insurance: .none, asOf: "2025-01-01")
        let recent = Synthetic.worker(serial: 12, insurance: .compulsory, asOf: "2025-05-01")
        try store.upsert([old, recent])
        XCTAssertEqual(try store.apply([
            SocialInsuranceUpdate(personalID: old.personalID, participation: .compulsory, asOf: Synthetic.date("2025-03-01")),
            SocialInsuranceUpdate(personalID: recent.personalID, participation: .none, asOf: Synthetic.date("2025-03-01")),
            // A fact about someone without a record creates nothing.
            SocialInsuranceUpdate(personalID: Synthetic.id(born: "1980-01-01", .female, serial: 99),
                                  participation: .voluntary, asOf: Synthetic.date("2025-03-01")),
        ]), 3)

        XCTAssertEqual(try store.record(personalID: old.personalID, on: nil)?.socialInsurance, .compulsory)
        XCTAssertEqual(try store.record(personalID: recent.personalID, on: nil)?.socialInsurance, .compulsory)
        // Before the update's date, the record's own value.
        XCTAssertEqual(try store.record(personalID: old.personalID, on: Synthetic.date("2025-02-01"))?.socialInsurance,
                       SocialInsuranceParticipation.none)

        let july = try store.snapshot(on: Synthetic.date("2025-07-01"))
        XCTAssertEqual(july.people, 2)
        XCTAssertEqual(july.socialInsuranceUpdated, 1)
        XCTAssertEqual(july.snapshot, LaborSnapshot([old.applying(SocialInsuranceUpdate(
            personalID: old.personalID, participation: .compulsory, asOf: Synthetic.date("2025-03-01"))), recent]))
        let february = try store.snapshot(on: Synthetic.date("2025-02-01"))
        XCTAssertEqual(february.snapshot, LaborSnapshot([old]))
        XCTAssertEqual(try store.counts().socialInsuranceUpdates, 3)
        XCTAssertEqual(try store.counts().people, 2)

        // A later fact of the same date replaces the earlier one.
        try store.apply([SocialInsuranceUpdate(personalID: old.personalID, participation: .voluntary,
                                               asOf: Synthetic.date("2025-03-01"))])
        XCTAssertEqual(try store.record(personalID: old.personalID, on: nil)?.socialInsurance, .voluntary)
        XCTAssertEqual(try store.counts().socialInsuranceUpdates, 3)
    }

    func testIdentityExclusionAndMismatchReplacesTheDateOfBirth() throws {
        let dir = try TempDir()
        let store = try LaborStore(path: dir.databasePath)
        let matched = Synthetic.worker(serial: 1)
        let notFound = Synthetic.worker(serial: 2)
        let invalid = Synthetic.worker(serial: 3)
        // The survey wrote 2011 (age 14 in July 2025); the register says 2010, as the number does.
        let mismatch = Synthetic.worker(serial: 4, born: "2011-03-01", idBorn: "2010-03-01")
        let unchecked = Synthetic.worker(serial: 5)
        try store.upsert([matched, notFound, invalid, mismatch, unchecked])

        let pending = try store.pendingIdentities(afterPersonalID: nil, limit: 10)
        XCTAssertEqual(pending.map(\.personalID), [matched, notFound, invalid, mismatch, unchecked].map(\.personalID).sorted())
        XCTAssertEqual(pending.first { $0.personalID == mismatch.personalID },
                       IdentityTask(personalID: mismatch.personalID, fullName: mismatch.fullName,
                                    dateOfBirth: mismatch.dateOfBirth))
        let registered = Synthetic.date("2010-03-01")
        try store.recordIdentities([
            (matched.personalID, .matched), (notFound.personalID, .notFound), (invalid.personalID, .invalid),
            (mismatch.personalID, .mismatch(registeredName: "Người Đăng Ký", registeredDateOfBirth: registered)),
        ])
        XCTAssertEqual(try store.pendingIdentities(afterPersonalID: nil, limit: 10).map(\.personalID), [unchecked.personalID])
        XCTAssertEqual(try store.identityStatus(of: notFound.personalID), .notFound)
        XCTAssertNil(try store.identityStatus(of: unchecked.personalID))

        let result = try store.snapshot(on: Synthetic.date("2025-07-01"))
        XCTAssertEqual(result.people, 3)
        XCTAssertEqual(result.excludedIdentity, 2)
        XCTAssertEqual(result.unverified, 1)
        XCTAssertEqual(result.recordsConsidered, 5)
        XCTAssertEqual(result.registeredDatesOfBirth, 1)
        var corrected = mismatch
        corrected.dateOfBirth = registered
        // In personal id number order.
        XCTAssertEqual(result.snapshot, LaborSnapshot([matched, corrected, unchecked].sorted { $0.personalID < $1.personalID }))
        // Aged 15 by the register, the corrected person is analysed.
        XCTAssertEqual(analyse(result.snapshot, by: [], on: Synthetic.date("2025-07-01"), threshold: 1).total.count, 3)

        let current = try store.record(personalID: mismatch.personalID, on: nil)
        XCTAssertEqual(current?.dateOfBirth, registered)
        XCTAssertEqual(current?.fullName, "Người Đăng Ký")

        let counts = try store.counts()
        XCTAssertEqual(counts.byIdentity, [.matched: 1, .notFound: 1, .invalid: 1, .mismatch: 1])
        XCTAssertEqual(counts.unverified, 1)
    }

    func testPendingIdentitiesPagesInNumberOrderWithTheLatestRecord() throws {
        let dir = try TempDir()
        let store = try LaborStore(path: dir.databasePath)
        var records = (1...7).map { Synthetic.worker(serial: $0, asOf: "2025-01-01") }
        var renamed = Synthetic.worker(serial: 3, asOf: "2025-04-01")
        renamed.fullName = "Tên Mới"
        records.append(renamed)
        try store.upsert(records)
        let ids = (1...7).map { Synthetic.worker(serial: $0).personalID }.sorted()

        let first = try store.pendingIdentities(afterPersonalID: nil, limit: 3)
        XCTAssertEqual(first.map(\.personalID), Array(ids[0..<3]))
        XCTAssertEqual(first[2].fullName, "Tên Mới")
        let second = try store.pendingIdentities(afterPersonalID: first.last?.personalID, limit: 3)
        XCTAssertEqual(second.map(\.personalID), Array(ids[3..<6]))
        XCTAssertEqual(try store.pendingIdentities(afterPersonalID: second.last?.personalID, limit: 3).map(\.personalID),
                       [ids[6]])
        XCTAssertThrowsError(try store.pendingIdentities(afterPersonalID: nil, limit: 0)) { error in
            XCTAssertEqual((error as? LaborStoreError)?.code, .invalidArgument)
        }
    }

    func testSnapshotOnAPastDateUsesTheRecordsOfThatTime() throws {
        let dir = try TempDir()
        let store = try LaborStore(path: dir.databasePath)
        let a2024 = Synthetic.worker(serial: 1, area: .rural, status: .unemployed, district: "732", commune: "26100",
                                     asOf: "2024-06-01")
        let a2025 = Synthetic.worker(serial: 1, area: .urban, status: .employed, qualification: .college,
                                     sector: EconomicSector(rawValue: "C"), income: .from5to10m, asOf: "2025-06-01")
        let b2025 = Synthetic.worker(serial: 2, .female, status: .inactive, asOf: "2025-02-01")
        try store.upsert([a2025, b2025, a2024])

        XCTAssertEqual(try store.snapshot(on: Synthetic.date("2024-05-31")).people, 0)
        let past = try store.snapshot(on: Synthetic.date("2024-12-31"))
        XCTAssertEqual(past.snapshot, LaborSnapshot([a2024]))
        XCTAssertEqual(past.recordsConsidered, 1)
        let spring = try store.snapshot(on: Synthetic.date("2025-03-01"))
        XCTAssertEqual(spring.snapshot, LaborSnapshot([a2024, b2025]))
        XCTAssertEqual(spring.snapshot.districtCodes, ["732", "731"])
        let summer = try store.snapshot(on: Synthetic.date("2025-06-01"))
        XCTAssertEqual(summer.snapshot, LaborSnapshot([a2025, b2025]))
        XCTAssertEqual(summer.recordsConsidered, 3)
    }

    func testReopeningKeepsEverything() throws {
        let dir = try TempDir()
        let records = [Synthetic.worker(serial: 1, asOf: "2025-01-01"), Synthetic.worker(serial: 1, status: .unemployed, asOf: "2025-03-01"),
                       Synthetic.worker(serial: 2, .female, sector: EconomicSector(rawValue: "P"))]
        let update = SocialInsuranceUpdate(personalID: records[2].personalID, participation: .voluntary,
                                           asOf: Synthetic.date("2025-04-01"))
        let before: SnapshotResult
        let countsBefore: LaborCounts
        do {
            let store = try LaborStore(path: dir.databasePath)
            try store.upsert(records)
            try store.apply([update])
            try store.recordIdentities([(records[0].personalID, .matched)])
            before = try store.snapshot(on: Synthetic.date("2025-07-01"))
            countsBefore = try store.counts()
        }
        let reopened = try LaborStore(path: dir.databasePath)
        XCTAssertEqual(try reopened.snapshot(on: Synthetic.date("2025-07-01")), before)
        XCTAssertEqual(try reopened.counts(), countsBefore)
        XCTAssertEqual(countsBefore.records, 3)
        XCTAssertEqual(countsBefore.byIdentity, [.matched: 1])
        XCTAssertEqual(try reopened.history(personalID: records[0].personalID), Array(records[0...1]))
        XCTAssertEqual(try reopened.record(personalID: records[2].personalID, on: nil)?.socialInsurance, .voluntary)
        XCTAssertEqual(try reopened.identityStatus(of: records[0].personalID), .matched)
        XCTAssertEqual(before.people, 2)
    }
}
