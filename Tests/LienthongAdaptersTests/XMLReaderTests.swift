import LienthongAdapters
import LienthongSOAP
import XCTest

final class XMLReaderTests: XCTestCase {
    private func parse(_ text: String, limits: XMLReader.Limits = .default) throws(XMLError) -> XMLElement {
        try XMLReader.parse(Array(text.utf8), limits: limits)
    }

    private func assertCode(_ text: String, _ code: XMLError.Code, limits: XMLReader.Limits = .default, file: StaticString = #filePath, line: UInt = #line) {
        do throws(XMLError) {
            _ = try parse(text, limits: limits)
            XCTFail("expected \(code)", file: file, line: line)
        } catch {
            XCTAssertEqual(error.code, code, file: file, line: line)
        }
    }

    func testPredefinedEntitiesAndCharacterReferencesExpand() throws {
        let root = try parse("<a t='&quot;&apos;&#x41;'>&lt;&gt;&amp;&quot;&apos; &#72;o&#xE0; &#x1F600;</a>")
        XCTAssertEqual(root.text, "<>&\"' Hoà 😀")
        XCTAssertEqual(root.attribute(XMLName("t")), "\"'A")
    }

    func testCDATAIsKeptVerbatimAndMergedWithText() throws {
        let root = try parse("<a>x<![CDATA[<b>&amp;</b>]]>y</a>")
        XCTAssertEqual(root.children, [.text("x<b>&amp;</b>y")])
    }

    func testNamespacesResolveToURIs() throws {
        let root = try parse("""
            <s:Envelope xmlns:s="urn:s" xmlns="urn:d"><Body a="1" s:b="2"><x:c xmlns:x="urn:x"/><plain xmlns=""/></Body></s:Envelope>
            """)
        XCTAssertEqual(root.name, XMLName("Envelope", namespace: "urn:s"))
        let body = try XCTUnwrap(root.firstChild(XMLName("Body", namespace: "urn:d")))
        XCTAssertEqual(body.attribute(XMLName("a")), "1")
        XCTAssertEqual(body.attribute(XMLName("b", namespace: "urn:s")), "2")
        XCTAssertNotNil(body.firstChild(XMLName("c", namespace: "urn:x")))
        XCTAssertNotNil(body.firstChild(XMLName("plain")))
    }

    func testDoctypeAndEntityDeclarationsAreRefused() {
        assertCode("<!DOCTYPE a [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><a>&x;</a>", .doctypeForbidden)
        assertCode("<?xml version='1.0'?><!ENTITY x 'y'><a/>", .doctypeForbidden)
        assertCode("<a><!DOCTYPE a></a>", .doctypeForbidden)
        assertCode("<a>&x;</a>", .undefinedEntity)
    }

    func testDepthIsLimited() {
        let deep = String(repeating: "<a>", count: 65) + String(repeating: "</a>", count: 65)
        assertCode(deep, .nestingTooDeep)
        let ok = String(repeating: "<a>", count: 64) + String(repeating: "</a>", count: 64)
        XCTAssertNoThrow(try parse(ok))
    }

    func testSizeIsLimited() {
        assertCode("<a>" + String(repeating: "x", count: 100) + "</a>", .documentTooLarge, limits: .init(maxBytes: 50))
    }

    func testMalformedInputIsRefusedWithACode() {
        assertCode("", .missingRootElement)
        assertCode("<a>", .unexpectedEnd)
        assertCode("<a></b>", .mismatchedEndTag)
        assertCode("<a x='1' x='2'/>", .duplicateAttribute)
        assertCode("<a xmlns:p='u' xmlns:q='u' p:x='1' q:x='2'/>", .duplicateAttribute)
        assertCode("<p:a/>", .unboundPrefix)
        assertCode("<a/><b/>", .contentAfterRootElement)
        assertCode("text<a/>", .textOutsideRootElement)
        assertCode("<a>&#0;</a>", .invalidCharacterReference)
        assertCode("<a>&#xD800;</a>", .invalidCharacterReference)
        assertCode("<a>\u{1}</a>", .invalidCharacter)
        assertCode("<a><?pi x?></a>", .processingInstructionForbidden)
        assertCode("<a x=1/>", .unexpectedCharacter)
        assertCode("<a>]]></a>", .unexpectedCharacter)
        assertCode("<a><!-- a -- b --></a>", .malformedComment)
        assertCode("<?xml version='1.0' encoding='ISO-8859-1'?><a/>", .invalidEncoding)
        do throws(XMLError) {
            _ = try XMLReader.parse([0x3C, 0x61, 0x3E, 0xC3, 0x28, 0x3C, 0x2F, 0x61, 0x3E])
            XCTFail("invalid UTF-8 accepted")
        } catch {
            XCTAssertEqual(error.code, .invalidEncoding)
        }
    }

    func testCommentsDeclarationAndLineEndsAreHandled() throws {
        let root = try parse("\u{FEFF}<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<!-- c --><a>x\r\ny<!-- c --></a>\n")
        XCTAssertEqual(root.text, "x\ny")
    }

    func testWriterEscapesAndRoundTrips() throws {
        var element = XMLElement(XMLName("r", namespace: "urn:x"), prefix: "x")
        element.attributes.append(XMLAttribute(XMLName("a"), value: "<\"&'>\t\n"))
        element.attributes.append(XMLAttribute(XMLName("b", namespace: "urn:y"), value: "v"))
        element.append(XMLElement(XMLName("c", namespace: "urn:x"), prefix: "x", text: "1 < 2 && ]]> \r Hoà\u{1}"))
        element.append(XMLElement(XMLName("d"), text: "none"))
        let bytes = XMLWriter.write(element)
        let back = try XMLReader.parse(bytes)
        XCTAssertEqual(back.name, element.name)
        XCTAssertEqual(back.attribute(XMLName("a")), "<\"&'>\t\n")
        XCTAssertEqual(back.attribute(XMLName("b", namespace: "urn:y")), "v")
        XCTAssertEqual(back.firstChild(XMLName("c", namespace: "urn:x"))?.text, "1 < 2 && ]]> \r Hoà\u{FFFD}")
        XCTAssertEqual(back.firstChild(XMLName("d"))?.text, "none")
    }
}
