import LienthongAdapters
import LienthongCore
import LienthongSimulators
import XCTest

/// The VSS simulator's synthetic register and its sync batches.
final class VSSRegisterTests: XCTestCase {
    static let citizens = SyntheticPopulation.generate(citizens: 3_000, seed: 11)
    static let register = ParticipantRegister(citizens: citizens, seed: 11)
    let reference = SyntheticPopulation.referenceDate

    func testRegisterIsDeterministic() {
        let again = ParticipantRegister(citizens: Self.citizens, seed: 11)
        XCTAssertEqual(again.participants, Self.register.participants)
        let other = ParticipantRegister(citizens: Self.citizens, seed: 12)
        XCTAssertNotEqual(other.participants, Self.register.participants)
        XCTAssertEqual(Self.register.syncBatch(count: 25, seed: 4, invalid: 5), Self.register.syncBatch(count: 25, seed: 4, invalid: 5))
        XCTAssertNotEqual(Self.register.syncBatch(count: 25, seed: 4), Self.register.syncBatch(count: 25, seed: 5))
    }

    func testNumbersAndCardsFollowTheReference() throws {
        let participants = Self.register.participants
        XCTAssertGreaterThan(participants.count, 1_000)
        XCTAssertEqual(Set(participants.map(\.socialInsuranceNumber)).count, participants.count, "numbers are unique")
        XCTAssertEqual(Set(participants.map(\.personalId)).count, participants.count)
        for participant in participants {
            let number = try SocialInsuranceNumber(participant.socialInsuranceNumber)
            XCTAssertEqual(number.provinceCode, "75")
            let birth = try CalendarDate(iso: participant.dateOfBirth)
            let since = try CalendarDate(iso: participant.since)
            XCTAssertGreaterThanOrEqual(since, birth)
            XCTAssertLessThanOrEqual(since, reference)
            XCTAssertEqual(try PersonalID(participant.personalId).consistencyProblems(birthYear: birth.year, sex: participant.sex), [])
            if let text = participant.healthInsuranceCard {
                let card = try HealthInsuranceCardCode(text)
                XCTAssertEqual(card.province, "75")
                XCTAssertEqual(card.socialInsuranceNumber, number)
            } else {
                XCTAssertEqual(participant.participation, .stopped, "only people who left the scheme hold no card")
            }
            XCTAssertEqual(participant.upstreamRecord.provinceCode, "75")
        }
    }

    func testDistributionByAge() throws {
        var adults = 0
        var adultParticipants = 0
        var schemes: [InsuranceScheme: Int] = [:]
        var states: [InsuranceParticipation: Int] = [:]
        for citizen in Self.citizens {
            guard let number = citizen.registeredPersonalId else { continue }
            let age = try CalendarDate(iso: citizen.dateOfBirth).age(on: reference)
            let participant = Self.register.participant(personalId: number)
            switch age {
            case ..<6:
                let child = try XCTUnwrap(participant, "every child under 6 holds a card")
                XCTAssertEqual(child.scheme, .healthInsuranceOnly)
                XCTAssertEqual(child.healthInsuranceCard.map { String($0.prefix(3)) }, "TE1")
                XCTAssertEqual(child.since, child.dateOfBirth)
            case 18...60:
                adults += 1
                if let participant, participant.scheme != .healthInsuranceOnly {
                    adultParticipants += 1
                    schemes[participant.scheme, default: 0] += 1
                    states[participant.participation, default: 0] += 1
                    if participant.scheme == .compulsory {
                        XCTAssertNotNil(participant.employer)
                        XCTAssertNotNil(participant.economicSector)
                    } else {
                        XCTAssertNil(participant.employer)
                    }
                    XCTAssertNotNil(participant.monthlyWageBand)
                }
            default:
                if let participant { XCTAssertEqual(participant.scheme, .healthInsuranceOnly) }
            }
        }
        let share = Double(adultParticipants) / Double(adults)
        XCTAssertEqual(share, 0.60, accuracy: 0.06, "about 60% of adults 18-60 take part")
        XCTAssertGreaterThan(schemes[.compulsory, default: 0], 3 * schemes[.voluntary, default: 0])
        XCTAssertGreaterThan(schemes[.voluntary, default: 0], 0)
        XCTAssertGreaterThan(states[.paused, default: 0], 0)
        XCTAssertGreaterThan(states[.stopped, default: 0], 0)
        XCTAssertGreaterThan(states[.participating, default: 0], 5 * states[.paused, default: 0])
    }

    func testLookups() throws {
        let someone = try XCTUnwrap(Self.register.participants.dropFirst(17).first)
        XCTAssertEqual(Self.register.participant(personalId: someone.personalId), someone)
        XCTAssertEqual(Self.register.participant(socialInsuranceNumber: someone.socialInsuranceNumber), someone)
        XCTAssertEqual(Self.register.lookup(.personalID(someone.personalId)), .found(someone.upstreamRecord))
        XCTAssertEqual(Self.register.lookup(.socialInsuranceNumber(someone.socialInsuranceNumber)), .found(someone.upstreamRecord))
        XCTAssertEqual(Self.register.lookup(.socialInsuranceNumber("0100000000")), .notFound)
        XCTAssertNil(Self.register.participant(personalId: "001080000001"))
    }

    func testSyncBatchIsValidAndDefectsAreRefusedExactlyWhereInjected() throws {
        let clean = Self.register.syncBatch(count: 300, seed: 21)
        let cleanReport = ParticipantSync.validate(clean, today: reference)
        XCTAssertEqual(cleanReport.total, 300)
        XCTAssertEqual(cleanReport.refused, [])
        guard case .object(let members) = clean, case .array(let records) = members["records"] else {
            return XCTFail("payload shape")
        }
        XCTAssertEqual(members["asOf"], .string(reference.iso))
        XCTAssertEqual(cleanReport.accepted, records, "accepted records are the records sent")

        let (payload, defects) = Self.register.syncBatchWithDefects(count: 60, seed: 8, invalid: 20)
        XCTAssertEqual(payload, Self.register.syncBatch(count: 60, seed: 8, invalid: 20))
        XCTAssertEqual(defects.count, 20)
        XCTAssertEqual(Set(defects.values), Set(ParticipantRegister.Defect.allCases), "every defect kind is used")
        let report = ParticipantSync.validate(payload, today: reference)
        XCTAssertEqual(report.total, 60)
        XCTAssertEqual(report.refused.map(\.index), defects.keys.sorted())
        XCTAssertEqual(report.accepted.count, 40)
        for refusal in report.refused {
            let expected: Set<String> = switch defects[refusal.index] {
            case .truncatedPersonalId?: ["personalId"]
            case .truncatedSocialInsuranceNumber?: ["socialInsuranceNumber"]
            case .swappedSex?: ["personalId"]
            case .missingFullName?: ["fullName"]
            case .unknownParticipation?: ["participation"]
            case .sinceBeforeBirth?: ["since"]
            case .foreignHealthInsuranceCard?: ["healthInsuranceCard"]
            // A copy of a defective record fails like it; of a good one, as a duplicate.
            case .duplicateOfPrevious?: ["personalId", "socialInsuranceNumber", "fullName", "participation", "since", "healthInsuranceCard"]
            case nil: []
            }
            XCTAssertTrue(expected.contains(refusal.field), "record \(refusal.index): \(refusal)")
        }

        // More records than the register holds: all of them, once each.
        let small = ParticipantRegister(participants: Array(Self.register.participants.prefix(5)))
        let all = ParticipantSync.validate(small.syncBatch(count: 50, seed: 1), today: reference)
        XCTAssertEqual(all.total, 5)
        XCTAssertEqual(all.accepted.count, 5)
        XCTAssertEqual(ParticipantSync.validate(small.syncBatch(count: 3, seed: 1, invalid: 9), today: reference).refused.count, 3)
    }
}
