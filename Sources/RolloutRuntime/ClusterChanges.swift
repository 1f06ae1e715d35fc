import KubeClient
import VitessModel

/// Turns watch events on the kinds an inventory reads into "something changed" ticks.
///
/// Each event only marks the inventory stale; the tick stream buffers at most one, so a burst of
/// events (a list's worth of ADDED, a rolling Deployment) coalesces into one re-read. Nothing polls.
public struct ClusterChanges: Sendable {
    /// The cluster.
    public let api: any ClusterAPI
    /// The VitessCluster's name, for label selectors.
    public let cluster: String
    /// The namespace.
    public let namespace: String

    /// Creates a change source.
    public init(api: any ClusterAPI, cluster: String, namespace: String) {
        self.api = api
        self.cluster = cluster
        self.namespace = namespace
    }

    /// Starts the watches. Returns the ticks and a function that stops everything (idempotent).
    public func start() -> (ticks: AsyncStream<Void>, stop: @Sendable () -> Void) {
        let (ticks, signal) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let byCluster = "\(OperatorLabel.cluster)=\(cluster)"
        let kinds: [(ResourceKind, String?)] = [
            (.vitessCluster, nil), (.vitessCell, byCluster), (.vitessKeyspace, byCluster), (.vitessShard, byCluster),
            (.pod, byCluster), (.deployment, byCluster),
        ]
        let watchers = kinds.map { kind, selector in
            Task { [api, namespace] in
                for try await event in api.watch(
                    kind, namespace: namespace, options: WatchOptions(labelSelector: selector))
                {
                    // A bookmark only confirms progress; nothing changed.
                    if case .bookmark = event { continue }
                    signal.yield()
                }
            }
        }
        return (
            ticks,
            {
                watchers.forEach { $0.cancel() }
                signal.finish()
            }
        )
    }
}
