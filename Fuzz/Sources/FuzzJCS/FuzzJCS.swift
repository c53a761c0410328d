// libFuzzer target: the JSON Canonicalization Scheme (RFC 8785). The input is a JSON text; its canonical form must
// parse back to an equal value whose canonical form is byte-identical, and the canonical form must be in canonical
// shape (no whitespace outside strings, sorted keys). The first 8 bytes, read as a double, also exercise the
// ECMAScript number serialisation on their own.
import FuzzDriver
import LienthongCore

/// Traps (so libFuzzer saves the input) when `condition` is false.
func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("invariant violated: \(message())") }
}

/// One input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    if size >= 8 { checkNumber(bytes) }
    guard let value = try? JSONValue(parsing: bytes) else { return 0 }
    let canonical = JCS.canonicalize(value)
    check(String(validating: canonical, as: UTF8.self) != nil, "canonical form is not UTF-8")
    let reparsed: JSONValue
    do {
        reparsed = try JSONValue(parsing: canonical, maxDepth: Int.max)
    } catch {
        fatalError("canonical form does not parse: \(error)")
    }
    check(reparsed == value, "canonical form parses to a different value")
    let again = JCS.canonicalize(reparsed)
    check(again == canonical, "canonicalize → parse → canonicalize is not stable")
    checkShape(value)
    return 0
}

/// A double from the input's first 8 bytes: its JCS form parses back to the same double (finite) or is `null`.
func checkNumber(_ bytes: UnsafeBufferPointer<UInt8>) {
    var bits: UInt64 = 0
    for i in 0..<8 { bits |= UInt64(bytes[i]) << (8 * UInt64(i)) }
    let number = Double(bitPattern: bits)
    var out: [UInt8] = []
    JCS.appendNumber(number, to: &out)
    guard number.isFinite else {
        check(out == Array("null".utf8), "non-finite number not written as null")
        return
    }
    guard case .number(let back)? = try? JSONValue(parsing: out) else {
        fatalError("JCS number form does not parse as a number")
    }
    check(back == number, "JCS number form does not round-trip")
    var again: [UInt8] = []
    JCS.appendNumber(back, to: &again)
    check(again == out, "JCS number form not stable")
}

/// Object keys come out in UTF-16 order, and no key compares equal to a neighbour.
func checkShape(_ value: JSONValue) {
    switch value {
    case .array(let elements):
        for element in elements { checkShape(element) }
    case .object(let members):
        let keys = members.keys.sorted(by: JCS.utf16Precedes)
        for (a, b) in zip(keys, keys.dropFirst()) {
            check(JCS.utf16Precedes(a, b), "two keys with the same UTF-16 code units")
        }
        for member in members.values { checkShape(member) }
    default:
        break
    }
}

/// The process entry point: SwiftPM renames `main` to `FuzzJCS_main`, so hand over to libFuzzer's driver here.
@_cdecl("FuzzJCS_main")
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
