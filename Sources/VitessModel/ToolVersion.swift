/// The version of vtop-rollout, shared by `--version`, the User-Agent header and state files.
public enum ToolVersion {
    /// The semantic version of this build.
    public static let current = "0.1.0-dev"
}
