import Foundation
import LienthongCore
import LienthongLabor

/// The `labor_record.record` column: a ``WorkerRecord`` as the JSON its `Codable` conformance reads (member names
/// as the properties, absent optionals omitted, dates `YYYY-MM-DD`, enums by raw value).
///
/// Written by hand because Foundation's `JSONEncoder` costs about 20 µs a record, a third of a million-row import;
/// read back with `JSONDecoder`. The tests check that this writes the same JSON value as `JSONEncoder` for a record
/// with every member set, so a member added to ``WorkerRecord`` and not here fails them.
enum RecordJSON {
    static func encode(_ record: WorkerRecord) -> Data {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        var first = true
        func key(_ name: StaticString) {
            out.append(first ? UInt8(ascii: "{") : UInt8(ascii: ","))
            first = false
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        }
        func string(_ name: StaticString, _ value: String?) {
            guard let value else { return }
            key(name)
            appendString(value, to: &out)
        }
        func number(_ name: StaticString, _ value: Int?) {
            guard let value else { return }
            key(name)
            out.append(contentsOf: String(value).utf8)
        }
        func bool(_ name: StaticString, _ value: Bool?) {
            guard let value else { return }
            key(name)
            out.append(contentsOf: (value ? "true" : "false").utf8)
        }
        string("personalID", record.personalID.digits)
        string("fullName", record.fullName)
        string("dateOfBirth", record.dateOfBirth.iso)
        string("sex", record.sex.rawValue)
        string("ethnicity", record.ethnicity)
        string("districtCode", record.districtCode)
        string("communeCode", record.communeCode)
        string("area", record.area.rawValue)
        string("education", record.education.rawValue)
        string("qualification", record.qualification.rawValue)
        string("fieldOfStudy", record.fieldOfStudy)
        string("employmentStatus", record.employmentStatus.rawValue)
        string("jobTitle", record.jobTitle)
        string("position", record.position)
        string("workplace", record.workplace)
        string("establishment", record.establishment?.rawValue)
        string("sector", record.sector?.rawValue)
        string("previousJob", record.previousJob)
        number("unemploymentMonths", record.unemploymentMonths)
        string("inactivityReason", record.inactivityReason?.rawValue)
        bool("wantsTraining", record.wantsTraining)
        bool("wantsJob", record.wantsJob)
        string("incomeBand", record.incomeBand.rawValue)
        string("socialInsurance", record.socialInsurance.rawValue)
        string("asOf", record.asOf.iso)
        string("source", record.source.rawValue)
        out.append(UInt8(ascii: "}"))
        return Data(out)
    }

    /// A JSON string: quotes, backslashes and control characters escaped, everything else as UTF-8.
    private static func appendString(_ value: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                        hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
