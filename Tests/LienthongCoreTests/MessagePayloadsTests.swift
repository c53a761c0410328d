import LienthongCore
import XCTest

final class MessagePayloadsTests: XCTestCase {
    func check(_ type: String, _ json: String) -> MessagePayloads.Problem? {
        do {
            try MessagePayloads.validate(type: type, payload: try JSONValue(parsing: json))
            return nil
        } catch let problem as MessagePayloads.Problem {
            return problem
        } catch {
            XCTFail("not JSON: \(error)")
            return nil
        }
    }

    let person = #""person":{"fullName":"Lê Thị Hoà","personalId":"075190000123","dateOfBirth":"1990-05-06"}"#

    func testAccountOpeningRequest() {
        XCTAssertNil(check("asxh.account-opening-request", #"{"requestRef":"R1","bank":{"bin":"970436"},\#(person)}"#))
        XCTAssertNil(check("asxh.account-opening-request", #"{"requestRef":"R1","bank":{"bin":"970436"},\#(person),"account":{"type":"e-wallet"},"extra":1}"#),
                     "unlisted members are allowed")
        XCTAssertEqual(check("asxh.account-opening-request", #"{"bank":{"bin":"970436"},\#(person)}"#)?.path, "payload.requestRef")
        XCTAssertEqual(check("asxh.account-opening-request", #"{"requestRef":"R1","bank":{"bin":"97043"},\#(person)}"#)?.path, "payload.bank.bin")
        let badID = check("asxh.account-opening-request", #"{"requestRef":"R1","bank":{"bin":"970436"},"person":{"fullName":"A","personalId":"075190000","dateOfBirth":"1990-05-06"}}"#)
        XCTAssertEqual(badID?.path, "payload.person.personalId")
        XCTAssertFalse(badID?.description.contains("075190000") ?? true, "the value never appears in the refusal")
        XCTAssertEqual(check("asxh.account-opening-request", #"{"requestRef":"R1","bank":{"bin":"970436"},"person":{"fullName":"A","personalId":"075190000123","dateOfBirth":"1990-02-30"}}"#)?.path,
                       "payload.person.dateOfBirth")
        XCTAssertEqual(check("asxh.account-opening-request", #"{"requestRef":"R1","bank":{"bin":"970436"},\#(person),"account":{"type":"cash"}}"#)?.path,
                       "payload.account.type")
    }

    func testResultBeneficiaryListAndRecordBatches() {
        XCTAssertNil(check("asxh.account-opening-result", #"{"requestRef":"R1","outcome":"opened","accountId":"0123456789"}"#))
        XCTAssertEqual(check("asxh.account-opening-result", #"{"requestRef":"R1","outcome":"maybe"}"#)?.path, "payload.outcome")
        XCTAssertNil(check("asxh.beneficiary-list", #"{"period":"2026-12","payees":[{"personalId":"075190000123","fullName":"A","accountId":"1","bin":"970436","amount":1500000}]}"#))
        XCTAssertEqual(check("asxh.beneficiary-list", #"{"period":"2026-13","payees":[]}"#)?.path, "payload.period")
        XCTAssertEqual(check("asxh.beneficiary-list", #"{"period":"2026-12","payees":[{"personalId":"075190000123","fullName":"A","accountId":"1","bin":"970436","amount":-5}]}"#)?.path,
                       "payload.payees[0].amount")
        XCTAssertNil(check("vss.participant-sync", #"{"records":[{},{}]}"#))
        XCTAssertEqual(check("labor.worker-records", #"{"records":[1]}"#)?.path, "payload.records[0]")
        XCTAssertEqual(check("asxh.teleport", "{}")?.path, "type")
    }
}
