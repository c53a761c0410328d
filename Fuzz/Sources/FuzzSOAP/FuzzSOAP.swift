// libFuzzer target: the SOAP 1.1 stack of LienthongSOAP — the XML reader, `SOAPEnvelope.decode`, faults, and the
// population database's request and response payloads (`PopulationSOAP.Request` / `.Response`). Besides crashes it
// checks the writers against the reader: what was read, written out and read again must write the same bytes, and a
// request or response read from the wire must survive being encoded and decoded.
import FuzzDriver
import LienthongSOAP
import LienthongCore

/// Traps (so libFuzzer saves the input) when `condition` is false.
func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("invariant violated: \(message())") }
}

/// One input: an XML document.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let limits = XMLReader.Limits(maxBytes: 64 * 1024, maxDepth: 32, maxAttributes: 16)

    // The XML reader and writer: write(parse(x)) is a fixed point of parse-then-write.
    guard let root = try? XMLReader.parse(bytes, limits: limits) else {
        _ = try? SOAPEnvelope.decode(bytes, limits: limits)
        return 0
    }
    let written = XMLWriter.write(root)
    let reparsed: XMLElement
    do {
        reparsed = try XMLReader.parse(written)
    } catch {
        fatalError("the writer's output does not parse: \(error)")
    }
    check(XMLWriter.write(reparsed) == written, "parse → write → parse → write is not stable")

    // The envelope.
    let envelope: SOAPEnvelope
    do {
        envelope = try SOAPEnvelope.decode(root)
    } catch {
        check((try? SOAPEnvelope.decode(bytes, limits: limits)) == nil, "decode(bytes) and decode(root) disagree")
        return 0
    }
    _ = envelope.mustUnderstandHeaders
    let encoded = envelope.encoded()
    guard let again = try? SOAPEnvelope.decode(encoded) else { fatalError("an encoded envelope does not decode") }
    check(again.encoded() == encoded, "envelope encode → decode → encode is not stable")

    switch envelope.body {
    case .fault(let fault):
        _ = fault.element
    case .payload(let payload):
        if let request = try? PopulationSOAP.Request(payload) {
            let wire = SOAPEnvelope(body: .payload(request.element)).encoded()
            guard case .payload(let back)? = (try? SOAPEnvelope.decode(wire))?.body,
                  let decoded = try? PopulationSOAP.Request(back) else {
                fatalError("an encoded request does not decode")
            }
            check(decoded == request, "request encode → decode changes it")
        }
        for operation in PopulationSOAP.Operation.allCases {
            guard let response = try? PopulationSOAP.Response(payload, operation: operation) else { continue }
            check(response.operation == operation, "response for another operation")
            let wire = SOAPEnvelope(body: .payload(response.element)).encoded()
            guard case .payload(let back)? = (try? SOAPEnvelope.decode(wire))?.body,
                  let decoded = try? PopulationSOAP.Response(back, operation: operation) else {
                fatalError("an encoded response does not decode")
            }
            check(decoded == response, "response encode → decode changes it")
        }
    }
    return 0
}

/// The process entry point: SwiftPM renames `main` to `FuzzSOAP_main`, so hand over to libFuzzer's driver here.
@_cdecl("FuzzSOAP_main")
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
