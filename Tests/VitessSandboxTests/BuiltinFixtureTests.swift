import Foundation
import Testing
import Yams

@testable import VitessSandbox

@Suite("Built-in fixture")
struct BuiltinFixtureTests {
    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../docs/examples/sandbox-default.yaml").standardized

    @Test("docs/examples/sandbox-default.yaml is the cluster the sandbox serves without --fixture")
    func shippedFileMatches() throws {
        let text = try String(contentsOf: Self.file, encoding: .utf8)
        let loaded = try JSON.parse(try JSONSerialization.data(withJSONObject: try Yams.load(yaml: text) ?? [:]))
        #expect(loaded == BuiltinFixture.cluster)
    }
}
