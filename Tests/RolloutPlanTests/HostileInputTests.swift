import RolloutPlan
import Testing

/// Hostile files end in one clear diagnostic, never a crash or a hang.
@Suite struct HostileInputTests {
    static func billionLaughs(levels: Int) -> String {
        var text = "a0: &a0 [\"lol\"]\n"
        for level in 1..<levels {
            let refs = Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
            text += "a\(level): &a\(level) [\(refs)]\n"
        }
        return text
    }

    struct Case: CustomStringConvertible, Sendable {
        let description: String
        let bytes: [UInt8]
        let id: DiagnosticID
    }

    static let cases: [Case] = [
        Case(description: "alias bomb", bytes: Array(billionLaughs(levels: 12).utf8), id: .yamlAliasLimit),
        Case(
            description: "alias bomb as keys' values inside a plan",
            bytes: Array(("apiVersion: vtop-rollout/v1\nkind: RolloutPlan\n" + billionLaughs(levels: 9)).utf8),
            id: .yamlAliasLimit),
        Case(
            description: "deep flow nesting", bytes: Array((String(repeating: "[", count: 100_000)).utf8),
            id: .yamlNestingLimit),
        Case(
            description: "deep block nesting",
            bytes: Array((0..<1100).map { String(repeating: " ", count: $0) + "k:\n" }.joined().utf8),
            id: .yamlNestingLimit),
        Case(
            description: "a file over the size limit",
            bytes: Array(("# " + String(repeating: "x", count: YAMLComposer.maxInputBytes)).utf8), id: .inputTooLarge),
        Case(
            description: "binary garbage with NUL bytes",
            bytes: (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7919) },
            id: .inputBinary),
        Case(
            description: "invalid UTF-8", bytes: Array("name: caf".utf8) + [0xC3, 0x28] + Array("\n".utf8),
            id: .inputInvalidUTF8),
        Case(description: "an overlong UTF-8 encoding", bytes: [0x61, 0x3A, 0x20, 0xC0, 0xAF], id: .inputInvalidUTF8),
        Case(description: "a control character", bytes: Array("a: b\u{07}\n".utf8), id: .yamlSyntax),
        Case(
            description: "many documents", bytes: Array(String(repeating: "---\na: 1\n", count: 10_000).utf8),
            id: .planMultipleDocuments),
    ]

    @Test(arguments: cases)
    func hostileInputEndsInOneClearError(_ hostile: Case) {
        let result = PlanParser.parse(hostile.bytes)
        #expect(result.plan == nil)
        #expect(result.diagnostics.first?.id == hostile.id, "\(result.diagnostics.map(\.id))")
        #expect(result.diagnostics.count == 1)
    }

    @Test func invalidUTF8IsLocated() {
        let bytes = Array("a: 1\nbb: caf".utf8) + [0xFF] + Array("\n".utf8)
        let result = PlanParser.parse(bytes)
        #expect(result.diagnostics.first?.position == SourcePosition(line: 2, column: 8))
    }

    @Test func aliasesWithinTheBudgetStillWork() {
        // Five levels expand to 11,111 nodes: well within the limit, so only plan errors remain.
        let result = PlanParser.parse(Self.billionLaughs(levels: 5))
        #expect(!result.diagnostics.contains { $0.id == .yamlAliasLimit })
        #expect(result.diagnostics.contains { $0.id == .planUnknownKey })
    }
}
