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

    /// Random documents with escapes, unicode, nesting and numbers of every shape.
    static func randomValue(_ rng: inout SystemRandomNumberGenerator, depth: Int = 0) -> JSONValue {
        let strings = [
            "", "a", "planetscale.com/cluster", "quay.io/coreos/etcd:v3.5.17", "tab\tnew\nline", "q\"uote",
            "back\\slash", "é中😀", "\u{01}ctl", "spec:\n  containers:\n  - image: x\n",
        ]
        switch Int.random(in: 0..<(depth > 3 ? 5 : 7), using: &rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2:
            return .integer(
                Int64.random(in: Int64.min...Int64.max, using: &rng) >> Int64.random(in: 0..<63, using: &rng))
        case 3: return .number(Double(Int.random(in: -100_000...100_000, using: &rng)) / 7 + 0.5)  // never whole
        case 4: return .string(strings.randomElement(using: &rng)!)
        case 5:
            return .array((0..<Int.random(in: 0..<5, using: &rng)).map { _ in randomValue(&rng, depth: depth + 1) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0..<6, using: &rng) {
                members[strings.randomElement(using: &rng)! + String(Int.random(in: 0..<3, using: &rng))] =
                    randomValue(&rng, depth: depth + 1)
            }
            return .object(members)
        }
    }

    @Test("Random documents, as JSONEncoder writes them (escaped slashes, any key order), read back the same")
    func randomRoundTrips() throws {
        var rng = SystemRandomNumberGenerator()
        let encoder = JSONEncoder()
        for _ in 0..<2000 {
            let value = Self.randomValue(&rng)
            let data = try encoder.encode(value)
            #expect(try JSONValueParser.parse(data) == value, "\(String(decoding: data, as: UTF8.self))")
        }
    }

    @Test("A repeated key keeps the last value")
    func repeatedKey() throws {
        let text = #"{"a":1,"a":2}"#
        #expect(try JSONValue(data: Data(text.utf8))["a"] == .integer(2))
    }
}
