import Foundation
import LienthongAdapters
import LienthongCore
import LienthongSOAP
import XCTest

final class SOAPMappingTests: XCTestCase {
    let record = PopulationSOAP.Citizen(
        personalID: "075190012345", fullName: "Nguyễn Thị Hoà", dateOfBirth: "1990-03-15", sex: .female,
        ethnicity: "Kinh", hometown: "Tỉnh Nam Định", permanentResidence: "Phường Tân Phong, Thành phố Biên Hòa, Tỉnh Đồng Nai",
        fatherName: "Nguyễn Văn An", motherName: "Trần Thị Lan", birthRegistrationPlace: "Tỉnh Đồng Nai"
    )

    func testLookupRequestRoundTrips() throws {
        let request = PopulationSOAP.Request.lookup(personalID: "075190012345")
        let bytes = SOAPEnvelope(body: .payload(request.element)).encoded()
        let text = String(decoding: bytes, as: UTF8.self)
        XCTAssertTrue(text.contains("http://schemas.xmlsoap.org/soap/envelope/"))
        XCTAssertTrue(text.contains("<dc:SoDinhDanh>075190012345</dc:SoDinhDanh>"))
        guard case .payload(let payload) = try SOAPEnvelope.decode(bytes).body else { return XCTFail("no payload") }
        XCTAssertEqual(try PopulationSOAP.Request(payload), request)
    }

    func testFindRequestRoundTrips() throws {
        let request = PopulationSOAP.Request.findPersonalID(
            .init(fullName: "Lê Minh Khoa", dateOfBirth: "2015-01-02", sex: .male, parentName: "Lê Văn Bình", birthRegistrationPlace: "Xã Tam An, Huyện Long Thành, Tỉnh Đồng Nai")
        )
        let bytes = SOAPEnvelope(body: .payload(request.element)).encoded()
        guard case .payload(let payload) = try SOAPEnvelope.decode(bytes).body else { return XCTFail("no payload") }
        XCTAssertEqual(try PopulationSOAP.Request(payload), request)
    }

    func testCitizenResponseRoundTripsBothWays() throws {
        for response in [PopulationSOAP.Response.citizen(record), .citizen(nil), .personalID("075215000001"), .personalID(nil)] {
            let bytes = SOAPEnvelope(body: .payload(response.element)).encoded()
            guard case .payload(let payload) = try SOAPEnvelope.decode(bytes).body else { return XCTFail("no payload") }
            XCTAssertEqual(try PopulationSOAP.Response(payload, operation: response.operation), response)
        }
    }

    func testForeignPrefixesAndDefaultNamespaceAreAccepted() throws {
        let xml = """
            <?xml version="1.0"?>
            <e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/">
              <e:Body>
                <LayThongTinCongDanResponse xmlns="urn:lienthong:sim:csdlqg-dc:v1">
                  <CongDan><SoDinhDanh>075190012345</SoDinhDanh><HoVaTen>Nguyễn Thị Hoà</HoVaTen>
                  <NgaySinh>1990-03-15</NgaySinh><GioiTinh>2</GioiTinh></CongDan>
                </LayThongTinCongDanResponse>
              </e:Body>
            </e:Envelope>
            """
        guard case .payload(let payload) = try SOAPEnvelope.decode(Array(xml.utf8)).body else { return XCTFail("no payload") }
        guard case .citizen(let citizen?) = try PopulationSOAP.Response(payload, operation: .layThongTinCongDan) else {
            return XCTFail("no citizen")
        }
        XCTAssertEqual(citizen.sex, .female)
        XCTAssertNil(citizen.hometown)
    }

    func testFaultRoundTripsWithDetail() throws {
        let fault = SOAPFault(
            code: SOAPFault.server, string: "internal error", actor: "urn:sim",
            detail: [XMLElement(PopulationSOAP.name("MaLoi"), prefix: "dc", text: "E42")]
        )
        let bytes = SOAPEnvelope(body: .fault(fault)).encoded()
        let text = String(decoding: bytes, as: UTF8.self)
        XCTAssertTrue(text.contains("<faultcode>soap:Server</faultcode>"))
        guard case .fault(let back) = try SOAPEnvelope.decode(bytes).body else { return XCTFail("no fault") }
        XCTAssertEqual(back.code, fault.code)
        XCTAssertEqual(back.string, fault.string)
        XCTAssertEqual(back.actor, fault.actor)
        XCTAssertEqual(back.detail?.map(\.name), [PopulationSOAP.name("MaLoi")])
        XCTAssertEqual(back.detail?.first?.text, "E42")
    }

    func testFaultCodeResolvesAgainstDocumentPrefixes() throws {
        let xml = """
            <S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body><S:Fault>
            <faultcode>S:Client</faultcode><faultstring>bad</faultstring></S:Fault></S:Body></S:Envelope>
            """
        guard case .fault(let fault) = try SOAPEnvelope.decode(Array(xml.utf8)).body else { return XCTFail("no fault") }
        XCTAssertEqual(fault.code, SOAPFault.client)
        XCTAssertNil(fault.detail)
    }

    func testEnvelopeErrors() {
        func code(_ xml: String) -> SOAPError.Code? {
            do throws(SOAPError) { _ = try SOAPEnvelope.decode(Array(xml.utf8)); return nil } catch { return error.code }
        }
        XCTAssertEqual(code("<a/>"), .notAnEnvelope)
        XCTAssertEqual(code("<E:Envelope xmlns:E='http://www.w3.org/2003/05/soap-envelope'/>"), .versionMismatch)
        XCTAssertEqual(code("<E:Envelope xmlns:E='http://schemas.xmlsoap.org/soap/envelope/'/>"), .missingBody)
        XCTAssertEqual(code("<E:Envelope xmlns:E='http://schemas.xmlsoap.org/soap/envelope/'><E:Body/></E:Envelope>"), .bodyNotSingleElement)
        XCTAssertEqual(code("<E:Envelope xmlns:E='http://schemas.xmlsoap.org/soap/envelope/'><E:Body><E:Fault/></E:Body></E:Envelope>"), .malformedFault)
        XCTAssertEqual(code("<E:Envelope"), .malformedXML)
    }

    func testVerifyComparisonIsVietnameseAwareAndReportsRegisterValues() {
        let tone = VerifyCitizenRequest(personalId: record.personalID, fullName: "NGUYỄN THỊ HÒA", dateOfBirth: "1990-03-15")
        XCTAssertEqual(VerifyCitizenResponse.compare(tone, with: record).status, .matched)
        let nfd = VerifyCitizenRequest(
            personalId: record.personalID, fullName: "Nguyễn Thị Hoà".decomposedForTest, dateOfBirth: "1990-03-15",
            permanentResidence: "phường tân phong,  thành phố biên hoà, tỉnh đồng nai"
        )
        XCTAssertEqual(VerifyCitizenResponse.compare(nfd, with: record).status, .matched)
        let wrong = VerifyCitizenRequest(personalId: record.personalID, fullName: "Nguyễn Thị Hoà", dateOfBirth: "1990-03-16", hometown: "Tỉnh Nam Đinh")
        let answer = VerifyCitizenResponse.compare(wrong, with: record)
        XCTAssertEqual(answer.status, .mismatch)
        XCTAssertEqual(answer.mismatches, [
            FieldMismatch(field: .dateOfBirth, submitted: "1990-03-16", registered: "1990-03-15"),
            FieldMismatch(field: .hometown, submitted: "Tỉnh Nam Đinh", registered: "Tỉnh Nam Định"),
        ])
    }

    func testPurposePolicyLimitsFields() {
        XCTAssertEqual(PurposePolicy.standard.fields(for: "asxh.verify-beneficiary"), Set(CitizenField.allCases))
        XCTAssertEqual(PurposePolicy.standard.fields(for: "labor.analysis"), [.dateOfBirth, .sex, .permanentResidence])
        XCTAssertNil(PurposePolicy.standard.fields(for: "marketing"))
        let summary = CitizenSummary(record, fields: [.dateOfBirth, .sex, .permanentResidence])
        XCTAssertNil(summary.fullName)
        XCTAssertNil(summary.hometown)
        XCTAssertEqual(summary.sex, .female)
    }

    func testValidationNamesFieldsNotValues() throws {
        do throws(GatewayProblem) {
            try VerifyCitizenRequest(personalId: "12345", fullName: "A", dateOfBirth: "1990-01-01").validate()
            XCTFail("accepted")
        } catch {
            XCTAssertEqual(error.code, .badRequest)
            XCTAssertTrue(error.detail.contains("personalId"))
            XCTAssertFalse(error.detail.contains("12345"))
        }
        do throws(GatewayProblem) {
            try VerifyCitizenRequest(personalId: "075190012345", fullName: "A", dateOfBirth: "15/03/1990").validate()
            XCTFail("accepted")
        } catch {
            XCTAssertTrue(error.detail.contains("dateOfBirth"))
            XCTAssertFalse(error.detail.contains("1990"))
        }
        do throws(GatewayProblem) {
            _ = try ContractValidation.decode(VerifyCitizenRequest.self, from: Array(#"{"personalId":"075190012345","dateOfBirth":"1990-03-15"}"#.utf8))
            XCTFail("accepted")
        } catch {
            XCTAssertEqual(error, GatewayProblem(.badRequest, detail: "fullName is required"))
        }
        do throws(GatewayProblem) {
            _ = try ContractValidation.decode(RequestPersonalIDRequest.self, from: Array(#"{"fullName":"A","dateOfBirth":"2015-01-01","sex":"x","parentName":"B","birthRegistrationPlace":"C"}"#.utf8))
            XCTFail("accepted")
        } catch {
            XCTAssertEqual(error.detail, "sex has an invalid value")
        }
    }

    func testJSONShapes() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let notFound = String(decoding: try encoder.encode(VerifyCitizenResponse(status: .notFound)), as: UTF8.self)
        XCTAssertEqual(notFound, #"{"mismatches":[],"status":"not_found"}"#)
        let lookup = String(decoding: try encoder.encode(LookupCitizenResponse(status: .found, citizen: CitizenSummary(personalId: "075190012345", sex: .male))), as: UTF8.self)
        XCTAssertEqual(lookup, #"{"citizen":{"personalId":"075190012345","sex":"male"},"status":"found"}"#)
    }
}

extension String {
    /// The NFD form (checked to differ from the NFC input at the byte level).
    var decomposedForTest: String {
        let nfd = decomposedStringWithCanonicalMapping
        precondition(Array(nfd.utf8) != Array(self.utf8), "test string has no composed characters")
        return nfd
    }
}

final class UpstreamContractExampleTests: XCTestCase {
    private func example(_ name: String) throws -> [UInt8] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return Array(try Data(contentsOf: root.appendingPathComponent("Contracts/upstream/\(name)")))
    }

    func testContractExamplesDecode() throws {
        guard case .payload(let lookup) = try SOAPEnvelope.decode(try example("population-LayThongTinCongDan-request.xml")).body,
            case .lookup(let number) = try PopulationSOAP.Request(lookup)
        else { return XCTFail("lookup request") }
        XCTAssertEqual(number, "075190012345")
        guard case .payload(let found) = try SOAPEnvelope.decode(try example("population-LayThongTinCongDan-response.xml")).body,
            case .citizen(let citizen?) = try PopulationSOAP.Response(found, operation: .layThongTinCongDan)
        else { return XCTFail("lookup response") }
        XCTAssertEqual(citizen.personalID, number)
        XCTAssertEqual(try PersonalID(citizen.personalID).sex, citizen.sex)
        guard case .payload(let missing) = try SOAPEnvelope.decode(try example("population-LayThongTinCongDan-response-notfound.xml")).body else {
            return XCTFail("not found")
        }
        XCTAssertEqual(try PopulationSOAP.Response(missing, operation: .layThongTinCongDan), .citizen(nil))
        guard case .payload(let find) = try SOAPEnvelope.decode(try example("population-TimSoDinhDanh-request.xml")).body,
            case .findPersonalID = try PopulationSOAP.Request(find)
        else { return XCTFail("find request") }
        guard case .payload(let answer) = try SOAPEnvelope.decode(try example("population-TimSoDinhDanh-response.xml")).body,
            case .personalID(let child?) = try PopulationSOAP.Response(answer, operation: .timSoDinhDanh)
        else { return XCTFail("find response") }
        XCTAssertEqual(try PersonalID(child).birthYear, 2016)
        guard case .fault(let fault) = try SOAPEnvelope.decode(try example("population-fault.xml")).body else { return XCTFail("fault") }
        XCTAssertEqual(fault.code, SOAPFault.client)
    }
}
