import Foundation
import VitessModel

/// The Kubernetes API client vtop-rollout uses for every cluster call: typed operations over generic
/// objects, authenticated the way the kubeconfig says, retried within bounds, and logged without
/// secrets.
public final class KubeClient: Sendable {
    /// `vtop-rollout/VERSION`, sent on every request.
    public static let userAgent = "vtop-rollout/\(ToolVersion.current)"
}
