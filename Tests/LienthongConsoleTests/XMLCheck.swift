import Foundation

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Checks that a page is well-formed XML. `XMLParser.parse()` alone is not enough on Linux (it can return `true`
/// after reporting an error), so this also counts reported errors and matches every end tag to its start tag.
enum XMLCheck {
    /// `nil` when `text` is well-formed, a description of the first problem otherwise.
    static func problem(in text: String) -> String? {
        let parser = XMLParser(data: Data(text.utf8))
        let delegate = Delegate()
        parser.delegate = delegate
        let ok = parser.parse()
        if let first = delegate.problems.first { return "\(first) (line \(parser.lineNumber))" }
        if let error = parser.parserError { return "\(error) (line \(parser.lineNumber))" }
        if !ok { return "parse() returned false" }
        if !delegate.stack.isEmpty { return "unclosed: \(delegate.stack)" }
        if delegate.elements == 0 { return "no elements" }
        return nil
    }

    private final class Delegate: NSObject, XMLParserDelegate {
        var problems: [String] = []
        var stack: [String] = []
        var elements = 0

        func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
            problems.append("parse error \(parseError)")
        }

        func parser(_ parser: XMLParser, validationErrorOccurred validationError: any Error) {
            problems.append("validation error \(validationError)")
        }

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            elements += 1
            stack.append(elementName)
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            if stack.last == elementName {
                stack.removeLast()
            } else {
                problems.append("</\(elementName)> closes <\(stack.last ?? "nothing")>")
            }
        }
    }
}
