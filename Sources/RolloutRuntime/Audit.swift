import Foundation
import KubeClient

/// Kubernetes Events on the VitessCluster that record what vtop-rollout did and who asked for it.
public struct Audit: Sendable {
    /// The cluster.
    public let api: any ClusterAPI
    /// The VitessCluster's name.
    public let cluster: String
    /// Its namespace.
    public let namespace: String
    /// Its uid, when known, so `kubectl describe vt` lists the Event.
    public let clusterUID: String?

    /// Creates an auditor.
    public init(api: any ClusterAPI, cluster: String, namespace: String, clusterUID: String?) {
        self.api = api
        self.cluster = cluster
        self.namespace = namespace
        self.clusterUID = clusterUID
    }

    /// Posts one Normal Event. Returns the failure, if any: an audit failure is reported, never
    /// fatal, since what it records already happened.
    @discardableResult
    public func record(reason: String, message: String) async -> (any Error)? {
        var involved: [String: JSONValue] = [
            "apiVersion": "planetscale.com/v2", "kind": "VitessCluster", "name": .string(cluster),
            "namespace": .string(namespace),
        ]
        if let clusterUID { involved["uid"] = .string(clusterUID) }
        let now = ISO8601DateFormatter().string(from: Date())
        let event = KubeObject(
            .object([
                "apiVersion": "v1", "kind": "Event",
                "metadata": .object([
                    "generateName": .string("\(cluster).vtop-rollout-"), "namespace": .string(namespace),
                ]),
                "involvedObject": .object(involved),
                "reason": .string(reason), "type": "Normal", "message": .string(message),
                "source": .object(["component": "vtop-rollout"]), "reportingComponent": "vtop-rollout",
                "firstTimestamp": .string(now), "lastTimestamp": .string(now), "count": 1,
            ]))
        do {
            _ = try await api.create(.event, namespace: namespace, object: event)
            return nil
        } catch {
            return error
        }
    }
}
