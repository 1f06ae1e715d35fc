import RolloutPlan
import Testing

@Suite struct PlanAPITests {
    @Test func apiVersionIsV1() { #expect(PlanAPI.version == "vtop-rollout/v1") }
}
