/// The `apiVersion` and `kind` a rollout plan document must declare.
public enum PlanAPI {
    /// The only plan API version this build reads.
    public static let version = "vtop-rollout/v1"
    /// The plan document kind.
    public static let kind = "RolloutPlan"
}
