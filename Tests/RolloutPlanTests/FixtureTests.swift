import Foundation
import RolloutPlan
import Testing

/// Every invalid and warning fixture yields exactly the marked diagnostics, at the marked positions.
@Suite struct FixtureTests {
    static let invalid = Repo.files(in: Repo.fixtures, prefix: "invalid-")
    static let warnings = Repo.files(in: Repo.fixtures, prefix: "warn-")
    static let valid = Repo.files(in: Repo.fixtures, prefix: "valid-")

    @Test func thereAreAtLeastFortyInvalidFixtures() {
        #expect(Self.invalid.count >= 40)
    }

    @Test(arguments: invalid + warnings)
    func fixtureReportsTheMarkedDiagnostics(name: String) throws {
        let fixture = MarkedFixture(Repo.text(Repo.fixtures.appendingPathComponent(name)))
        try #require(!fixture.expected.isEmpty, "fixture \(name) marks no expected diagnostic")
        let result = PlanParser.parse(fixture.text)
        let found = Set(
            result.diagnostics.filter { $0.severity != .note }.map {
                MarkedFixture.Expected(
                    id: $0.id.rawValue, line: $0.position?.line ?? 0, column: $0.position?.column ?? 0)
            })
        #expect(found == fixture.expected, "\(name): found \(found.sorted { $0.description < $1.description })")
        if name.hasPrefix("invalid-") {
            #expect(result.plan == nil)
            #expect(result.diagnostics.hasErrors)
        } else {
            #expect(result.plan != nil)
            #expect(!result.diagnostics.hasErrors)
        }
    }

    @Test(arguments: valid)
    func validFixtureHasNoFindings(name: String) {
        let result = PlanParser.parse(Repo.text(Repo.fixtures.appendingPathComponent(name)))
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics.map(\.message))")
        #expect(result.plan != nil)
    }
}
