import Foundation
import RolloutEngine
import RolloutPlan
import Testing

/// docs/diagnostics.md documents every rule id, static and live, with a section of its own.
@Suite struct DiagnosticsDocTests {
    @Test func everyDiagnosticIdHasASection() throws {
        let url = Snapshot.root.appendingPathComponent("docs/diagnostics.md")
        let text = try String(contentsOf: url, encoding: .utf8)
        let headings = Set(text.split(separator: "\n").filter { $0.hasPrefix("## ") }.map { String($0.dropFirst(3)) })
        for id in DiagnosticID.all + DiagnosticID.live {
            #expect(headings.contains(id.rawValue), "docs/diagnostics.md has no '## \(id.rawValue)' section")
            // The section shows the real output for its own id.
            let section = text.components(separatedBy: "\n## \(id.rawValue)\n").dropFirst().first ?? ""
            let body = section.components(separatedBy: "\n## ").first ?? ""
            #expect(body.contains("[\(id.rawValue)]"), "the section of \(id.rawValue) shows no output of it")
        }
    }
}
