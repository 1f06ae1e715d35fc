/// The documents of a `--fixture` file, sorted out: the one VitessCluster the sandbox expands, the other objects it
/// serves (Secrets and ConfigMaps, which real manifests carry beside the cluster), and the kinds it does not serve,
/// named so the command can say what it skipped. A `kind: List` (as `kubectl get -o yaml` writes) is opened up.
public struct FixtureDocuments: Sendable {
    /// The VitessCluster manifest.
    public var cluster: JSON
    /// Other objects to create, in file order.
    public var objects: [(type: ResourceType, object: JSON)] = []
    /// `Kind/name` of each document skipped because the sandbox does not serve its kind.
    public var skipped: [String] = []

    /// Why a fixture cannot be used.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        /// What is wrong.
        public var description: String
    }

    /// Sorts `documents` out; exactly one must be a VitessCluster.
    public init(documents: [JSON]) throws(Problem) {
        var clusters: [JSON] = []
        var objects: [(ResourceType, JSON)] = []
        var skipped: [String] = []
        func add(_ document: JSON) {
            if document["kind"].string == "List" {
                for item in document["items"].array ?? [] { add(item) }
                return
            }
            guard case .object = document else { return }
            let kind = document["kind"].string ?? "?"
            let label = "\(kind)/\(document[path: ["metadata", "name"]].string ?? "?")"
            if kind == "VitessCluster" {
                clusters.append(document)
            } else if let type = [ResourceType.secret, .configMap].first(where: {
                $0.kind == kind && $0.groupVersion == (document["apiVersion"].string ?? "v1")
            }) {
                objects.append((type, document))
            } else {
                skipped.append(label)
            }
        }
        for document in documents { add(document) }
        guard let cluster = clusters.first else {
            throw Problem(description: "no VitessCluster among its \(documents.count) document(s)")
        }
        guard clusters.count == 1 else {
            let names = clusters.map { $0[path: ["metadata", "name"]].string ?? "?" }.joined(separator: ", ")
            throw Problem(description: "\(clusters.count) VitessClusters (\(names)); the sandbox serves one")
        }
        self.cluster = cluster
        self.objects = objects
        self.skipped = skipped
    }
}
