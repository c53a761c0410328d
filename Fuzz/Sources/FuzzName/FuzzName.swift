// libFuzzer target: the Vietnamese name normaliser. The input is decoded as UTF-8 (invalid bytes become U+FFFD).
// Invariants (a violation traps, so libFuzzer records the input):
// - `normalized` is idempotent, byte for byte, and its output is NFC;
// - `comparisonKey` ignores the normalisation form of its input: NFD(x), NFC(x) and x give the same bytes;
// - `comparisonKey` is idempotent, and ignores tone-mark style (`placingToneMarks` in either style);
// - `sameName` is reflexive; `asciiKey` is idempotent.
import FuzzDriver
import Foundation
import LienthongCore

/// Traps (so libFuzzer saves the input) when `condition` is false.
func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("invariant violated: \(message())") }
}

/// The UTF-8 bytes of `s`, for comparisons that canonical equivalence (`String ==`) would blur.
func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

/// One input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let x = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let nfd = x.decomposedStringWithCanonicalMapping
    let nfc = x.precomposedStringWithCanonicalMapping

    let normalized = VietnameseName.normalized(x)
    check(bytes(VietnameseName.normalized(normalized)) == bytes(normalized), "normalized is not idempotent")
    check(bytes(normalized.precomposedStringWithCanonicalMapping) == bytes(normalized), "normalized is not NFC")

    let key = VietnameseName.comparisonKey(x)
    check(bytes(VietnameseName.comparisonKey(nfd)) == bytes(key), "comparisonKey(NFD(x)) != comparisonKey(x)")
    check(bytes(VietnameseName.comparisonKey(nfc)) == bytes(key), "comparisonKey(NFC(x)) != comparisonKey(x)")
    check(bytes(VietnameseName.comparisonKey(key)) == bytes(key), "comparisonKey is not idempotent")
    check(VietnameseName.sameName(x, x), "sameName is not reflexive")

    for style in VietnameseName.ToneMarkStyle.allCases {
        let placed = VietnameseName.placingToneMarks(x, style: style)
        check(bytes(VietnameseName.placingToneMarks(placed, style: style)) == bytes(placed), "placingToneMarks(\(style)) not idempotent")
        check(bytes(VietnameseName.comparisonKey(placed)) == bytes(key), "comparisonKey depends on the tone-mark style (\(style))")
    }

    let ascii = VietnameseName.asciiKey(x)
    check(bytes(VietnameseName.asciiKey(ascii)) == bytes(ascii), "asciiKey is not idempotent")
    check(bytes(VietnameseName.asciiKey(nfd)) == bytes(ascii), "asciiKey(NFD(x)) != asciiKey(x)")
    return 0
}

/// The process entry point: SwiftPM renames `main` to `FuzzName_main`, so hand over to libFuzzer's driver here.
@_cdecl("FuzzName_main")
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
