import LienthongQueue
import XCTest

/// Every status × outcome pair of the account-opening state machine.
final class AccountOpeningStatusTests: XCTestCase {
    func testEveryPair() {
        typealias S = AccountOpeningStatus
        let expected: [S: [S: AccountOpeningStatus.Transition]] = [
            .requested: [.requested: .contradicts, .acknowledged: .moveTo(.acknowledged), .opened: .moveTo(.opened),
                         .rejected: .moveTo(.rejected), .cardDelivered: .contradicts],
            .acknowledged: [.requested: .contradicts, .acknowledged: .unchanged, .opened: .moveTo(.opened),
                            .rejected: .moveTo(.rejected), .cardDelivered: .contradicts],
            .opened: [.requested: .contradicts, .acknowledged: .unchanged, .opened: .unchanged, .rejected: .contradicts,
                      .cardDelivered: .moveTo(.cardDelivered)],
            .rejected: [.requested: .contradicts, .acknowledged: .unchanged, .opened: .contradicts, .rejected: .unchanged,
                        .cardDelivered: .contradicts],
            .cardDelivered: [.requested: .contradicts, .acknowledged: .unchanged, .opened: .unchanged, .rejected: .contradicts,
                             .cardDelivered: .unchanged],
        ]
        for status in S.allCases {
            for outcome in S.allCases {
                XCTAssertEqual(status.applying(outcome), expected[status]?[outcome], "\(status) + \(outcome)")
            }
        }
    }
}
