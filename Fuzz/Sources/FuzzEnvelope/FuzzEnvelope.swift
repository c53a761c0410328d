// libFuzzer target: the building blocks of the gateway's message envelope (`MessageRoutes.Envelope`, internal to
// LienthongGateway): strict JSON parsing, the payload contracts of every message type, JCS, member ids, and the
// participant sync's record checks. Crashes and violated invariants trap, so libFuzzer records the input.
import FuzzDriver
import Foundation
import LienthongCore

/// The message types of `MessagePayloads` (its table is internal), and one it does not know.
let messageTypes = [
    "asxh.account-opening-request", "asxh.account-opening-result", "asxh.beneficiary-list",
    "vss.participant-sync", "labor.worker-records", "no.such-type",
]

/// A fixed "today" for the participant sync, so runs are reproducible.
let today: CalendarDate = {
    guard let date = try? CalendarDate(iso: "2025-07-01") else { fatalError("fixed date does not parse") }
    return date
}()

/// Traps (so libFuzzer saves the input) when `condition` is false.
func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("invariant violated: \(message())") }
}

/// Canonicalizes `value`, and checks the canonical form parses back to an equal value with the same canonical form.
func checkCanonicalRoundTrip(_ value: JSONValue) {
    let canonical = JCS.canonicalize(value)
    let reparsed: JSONValue
    do {
        reparsed = try JSONValue(parsing: canonical, maxDepth: Int.max)
    } catch {
        fatalError("canonical form does not parse: \(error)")
    }
    check(reparsed == value, "canonical form parses to a different value")
    check(JCS.canonicalize(reparsed) == canonical, "canonicalize → parse → canonicalize is not stable")
}

/// One input: a JSON text, tried as an envelope and as the payload of every message type.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let value: JSONValue
    do {
        value = try JSONValue(parsing: bytes)
    } catch let error as JSONParseError {
        check(error.offset >= 0 && error.offset <= size, "error offset \(error.offset) outside the input of \(size) bytes")
        return 0
    } catch {
        fatalError("the JSON parser threw something other than JSONParseError: \(error)")
    }
    checkCanonicalRoundTrip(value)

    // As the gateway reads an envelope: { id, type, to, payload }.
    if case .object(let envelope) = value {
        if case .string(let id)? = envelope["id"] { _ = UUID(uuidString: id) }
        if case .string(let to)? = envelope["to"] { _ = try? MemberID(to) }
        if case .string(let type)? = envelope["type"], let payload = envelope["payload"] {
            validate(type: type, payload: payload)
        }
        if let payload = envelope["payload"] {
            for type in messageTypes { validate(type: type, payload: payload) }
            syncCheck(payload)
        }
    }
    // The whole document as a payload of every type.
    for type in messageTypes { validate(type: type, payload: value) }
    syncCheck(value)
    return 0
}

/// Runs the payload contract of `type`; a refusal must name a path under `payload` (or `type`) and a reason.
func validate(type: String, payload: JSONValue) {
    do {
        try MessagePayloads.validate(type: type, payload: payload)
    } catch {
        check(error.path == "type" || error.path.hasPrefix("payload"), "refusal path outside the payload")
        check(!error.reason.isEmpty, "refusal without a reason")
    }
}

/// Runs the participant sync's checks and the report's bookkeeping invariants.
func syncCheck(_ payload: JSONValue) {
    let report = ParticipantSync.validate(payload, today: today)
    check(report.accepted.count == report.acceptedIndices.count, "accepted and acceptedIndices differ in length")
    if report.isBatchRefused {
        check(report.accepted.isEmpty && report.refused.count == 1, "a refused batch accepts records")
        return
    }
    check(report.accepted.count + report.refused.count == report.total, "records neither accepted nor refused, or both")
    let refusedIndices = Set(report.refused.map(\.index))
    check(refusedIndices.count == report.refused.count, "a record refused twice")
    check(refusedIndices.isDisjoint(with: report.acceptedIndices), "a record both accepted and refused")
    check(report.acceptedIndices == report.acceptedIndices.sorted(), "accepted records out of order")
    check(refusedIndices.allSatisfy { $0 >= 0 && $0 < report.total }, "refusal index out of range")
    for refusal in report.refused {
        check(!refusal.field.isEmpty && !refusal.reason.isEmpty, "refusal without field or reason")
    }
}

/// The process entry point: SwiftPM renames `main` to `FuzzEnvelope_main`, so hand over to libFuzzer's driver here.
@_cdecl("FuzzEnvelope_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        guard let data else {
            var none: UInt8 = 0
            return withUnsafePointer(to: &none) { fuzz($0, 0) }
        }
        return fuzz(data, size)
    }
}
