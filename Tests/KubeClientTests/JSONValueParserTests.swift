import Foundation
import Testing

@testable import KubeClient

/// The hand-written parser every response and watch event goes through: it must read what
/// `JSONDecoder` reads, the same way, and refuse what is not JSON with a byte offset.
@Suite("JSON parser")
struct JSONValueParserTests {
    /// The reference reading: Foundation's decoder through JSONValue's Decodable conformance.
    static func decoded(_ text: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    @Test(
        "Reads documents as JSONDecoder does",
        arguments: [
            #"{"a":1,"b":-2,"c":1.5,"d":-0.25e1,"e":true,"f":false,"g":null,"h":"x","i":[],"j":{}}"#,
            #"  [1, [2, [3, {"k": ["v"]}]], "", "tab\tnew\nline\r\"q\" back\\ slash\/ \b\f" ] "#,
            #"{"unicode":"\u00e9\u4e2d\ud83d\ude00 é中😀","nul":"a\u0000b"}"#,
            #"{"big":9223372036854775807,"small":-9223372036854775808,"over":9223372036854775808}"#,
            #"{"type":"MODIFIED","object":{"metadata":{"name":"p","resourceVersion":"12","labels":{"a":"1"}}}}"#,
            "0", "-0", "\"only a string\"", "3e-2", "2.5E-1",
        ])
    func matchesFoundation(_ text: String) throws {
        #expect(try JSONValue(data: Data(text.utf8)) == Self.decoded(text))
    }

    @Test(
        "Refuses what is not JSON, saying where",
        arguments: [
            ("", 0), ("{", 1), (#"{"a"}"#, 4), (#"{"a":1,}"#, 7), ("[1,]", 3), ("[1 2]", 3), ("01", 1),
            ("1.", 2), ("1e", 2), ("-", 1), ("tru", 0), ("nul", 0), (#""abc"#, 4), (#""\x""#, 3),
            (#""\ud800""#, 7), (#""\udc00""#, 7), (#""\u12G4""#, 5), ("{} {}", 3), ("1e400", 0),
            ("\"a\u{01}b\"", 2), ("[", 1), ("@", 0),
        ] as [(String, Int)])
    func refusesWithOffset(_ text: String, _ offset: Int) {
        #expect(throws: JSONParseError.self) { try JSONValueParser.parse(Data(text.utf8)) }
        do {
            _ = try JSONValueParser.parse(Data(text.utf8))
        } catch {
            #expect(error.offset == offset, "\(text): \(error)")
        }
    }

    @Test("Invalid UTF-8 in a string is refused")
    func invalidUTF8() {
        let bytes: [UInt8] = [0x22, 0x61, 0xFF, 0x22]
        #expect(throws: JSONParseError.self) { try JSONValueParser.parse(Data(bytes)) }
        let escaped: [UInt8] = Array(#""\n"#.utf8) + [0xC3] + [0x22]
        #expect(throws: JSONParseError.self) { try JSONValueParser.parse(Data(escaped)) }
    }

    @Test("Nesting is limited, so a hostile document cannot exhaust the stack")
    func depthLimit() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONValueParser.parse(Data(deep.utf8)) }
        let fine = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect(try JSONValueParser.parse(Data(fine.utf8)).arrayValue?.count == 1)
        let objects = String(repeating: #"{"a":"#, count: 600) + "1" + String(repeating: "}", count: 600)
        let error = try #require(throws: JSONParseError.self) { try JSONValueParser.parse(Data(objects.utf8)) }
        #expect(error.reason.contains("nested deeper than 512"))
    }

    @Test("A repeated key keeps the last value")
    func repeatedKey() throws {
        let text = #"{"a":1,"a":2}"#
        #expect(try JSONValue(data: Data(text.utf8))["a"] == .integer(2))
    }
}
