import RolloutPlan
import Testing

@Suite struct PlanDurationTests {
    @Test(
        arguments: [
            ("90s", 90_000, "1m30s"), ("10m", 600_000, "10m"), ("1h30m", 5_400_000, "1h30m"), ("500ms", 500, "500ms"),
            ("0s", 0, "0s"), ("1h0m5s", 3_605_000, "1h5s"), ("2h", 7_200_000, "2h"), ("1m500ms", 60_500, "1m500ms"),
        ] as [(String, Int64, String)])
    func parsesAndPrintsCanonically(text: String, milliseconds: Int64, canonical: String) throws {
        let duration = try #require(PlanDuration(parsing: text))
        #expect(duration.milliseconds == milliseconds)
        #expect(duration.description == canonical)
    }

    @Test(arguments: ["", "10", "m", "-5m", "1.5h", "10 m", "5m1h", "1s1s", "1d", "10M", "1h 30m", "9999999999s"])
    func rejects(text: String) {
        #expect(PlanDuration(parsing: text) == nil)
    }

    @Test(
        arguments: [
            (CountOrPercent.percent(10), 3, 1), (.percent(50), 5, 3), (.percent(100), 7, 7), (.count(2), 1, 1),
            (.count(3), 10, 3), (.percent(25), 8, 2),
        ] as [(CountOrPercent, Int, Int)])
    func limitsResolveRoundingUp(limit: CountOrPercent, total: Int, selected: Int) {
        #expect(limit.resolve(total: total) == selected)
    }

    @Test(arguments: [("25%", 25), ("100%", 100), ("1%", 1)] as [(String, Int)])
    func percentagesParse(text: String, value: Int) {
        #expect(CountOrPercent.parsePercent(text) == value)
    }

    @Test(arguments: ["25", "%", "07%", "1000%", "2.5%", "-5%"])
    func percentagesReject(text: String) {
        #expect(CountOrPercent.parsePercent(text) == nil || (CountOrPercent.parsePercent(text) ?? 0) > 100)
    }
}
