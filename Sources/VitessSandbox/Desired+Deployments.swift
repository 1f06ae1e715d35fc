import VitessModel

/// The Deployments the operator runs: vtgate per cell (`vitesscell/reconcile_vtgate.go`, `pkg/operator/vtgate`),
/// vtctld and vtadmin per listed cell (`vitesscluster/reconcile_vtctld.go`, `reconcile_vtadmin.go`) and vtorc per
/// shard and cell (`vitessshard/reconcile_vtorc.go`). Each is a pod template with the component's image and flags;
/// what changes the template is what rolls the Deployment.
extension Desired {
    /// Which component a Deployment runs, with what it needs for its template.
    enum Component: Sendable {
        /// vtgate: applied in place from the VitessCell spec, with `mysql_server_version` from the first
        /// VitessShard's mysqld image (`vitesscell_controller.go`).
        case vtgate(cellSpec: JSON, mysqldImage: String)
        /// vtctld: the cluster's vtctld image, `mysql_server_version` from `vt.spec.images.mysqld`.
        case vtctld(vt: JSON, cell: String)
        /// vtadmin: the cluster's vtadmin image.
        case vtadmin(vt: JSON, cell: String)
        /// vtorc: the shard's vtorc image and flags.
        case vtorc(shardSpec: JSON, cell: String)

        /// The component label value and container name.
        var name: String {
            switch self {
            case .vtgate: "vtgate"
            case .vtctld: "vtctld"
            case .vtadmin: "vtadmin"
            case .vtorc: "vtorc"
            }
        }
    }

    /// The replicas a component's Deployment asks for, applied in place.
    static func replicas(_ component: Component) -> Int {
        switch component {
        case .vtgate(let cellSpec, _): cellSpec[path: ["gateway", "replicas"]].int ?? 2
        case .vtctld(let vt, _): vt[path: ["spec", "vitessDashboard", "replicas"]].int ?? 1
        case .vtadmin(let vt, _): vt[path: ["spec", "vtadmin", "replicas"]].int ?? 1
        case .vtorc: 1
        }
    }

    /// The pod template a component's Deployment asks for.
    static func podTemplate(_ component: Component, labels: [String: String]) -> JSON {
        var flags: [String: String] = ["logtostderr": "true"]
        var image: JSON = .null
        var extra: [String: String] = [:]
        switch component {
        case .vtgate(let cellSpec, let mysqldImage):
            image = cellSpec[path: ["images", "vtgate"]]
            flags["cell"] = cellSpec["name"].string ?? ""
            flags["cells_to_watch"] = (cellSpec["allCells"].array ?? []).compactMap(\.string).joined(separator: ",")
            flags["tablet_types_to_wait"] = "PRIMARY,REPLICA"
            flags["port"] = "15000"
            flags["grpc_port"] = "15999"
            flags["mysql_server_port"] = "3306"
            if let version = mysqlServerVersion(mysqldImage: mysqldImage) { flags["mysql_server_version"] = version }
            extra = cellSpec["extraVitessFlags"].stringMap
            extra.merge(cellSpec[path: ["gateway", "extraFlags"]].stringMap) { _, own in own }
        case .vtctld(let vt, let cell):
            image = vt[path: ["spec", "images", "vtctld"]]
            flags["cell"] = cell
            flags["port"] = "15000"
            flags["grpc_port"] = "15999"
            let clusterMysqld = mysqldImage(["mysqld": vt[path: ["spec", "images", "mysqld"]]])
            if let version = mysqlServerVersion(mysqldImage: clusterMysqld) {
                flags["mysql_server_version"] = version
            }
            extra = vt[path: ["spec", "extraVitessFlags"]].stringMap
            extra.merge(vt[path: ["spec", "vitessDashboard", "extraFlags"]].stringMap) { _, own in own }
        case .vtadmin(let vt, let cell):
            image = vt[path: ["spec", "images", "vtadmin"]]
            flags["cell"] = cell
            flags["addr"] = ":15000"
        case .vtorc(let shardSpec, let cell):
            image = shardSpec[path: ["images", "vtorc"]]
            flags["cell"] = cell
            flags["port"] = "15000"
            extra = shardSpec["extraVitessFlags"].stringMap
            extra.merge(shardSpec[path: ["vitessOrchestrator", "extraFlags"]].stringMap) { _, own in own }
        }
        for (key, value) in extra { flags[String(key.drop(while: { $0 == "-" }))] = value }
        var container: JSON = [
            "name": .string(component.name), "image": image, "command": .array([.string("/vt/bin/\(component.name)")]),
            "args": .array(flags.keys.sorted().map { .string("--\($0)=\(flags[$0]!)") }),
            "ports": [["name": "web", "containerPort": 15000, "protocol": "TCP"]],
        ]
        if case .vtorc(let shardSpec, _) = component {
            container["resources"] = shardSpec[path: ["vitessOrchestrator", "resources"]]
        }
        return [
            "metadata": ["labels": .map(labels)],
            "spec": ["containers": [container], "terminationGracePeriodSeconds": 30],
        ]
    }

    /// A whole Deployment for a component, rolled out (status says every replica is updated and available).
    static func deployment(
        _ component: Component, name: String, namespace: String, labels: [String: String], owner: JSON
    ) -> JSON {
        let replicas = replicas(component)
        return [
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": [
                "name": .string(name), "namespace": .string(namespace), "labels": .map(labels),
                "ownerReferences": owner,
            ],
            "spec": [
                "replicas": .int(replicas), "revisionHistoryLimit": 0, "selector": ["matchLabels": .map(labels)],
                "strategy": ["type": "RollingUpdate", "rollingUpdate": ["maxSurge": "25%", "maxUnavailable": "25%"]],
                "template": podTemplate(component, labels: labels),
            ],
            "status": [
                "observedGeneration": 1, "replicas": .int(replicas), "updatedReplicas": .int(replicas),
                "readyReplicas": .int(replicas), "availableReplicas": .int(replicas),
                "conditions": [
                    ["type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"],
                    ["type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"],
                ],
            ],
        ]
    }
}
