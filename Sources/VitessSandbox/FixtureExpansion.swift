import VitessModel

/// Turns a VitessCluster manifest into the object tree the operator would have created for it (reference §6,
/// §7 and §9): cells, keyspaces, shards, tablet Pods with a primary per shard, Deployments and etcd members.
public struct FixtureExpansion: Sendable {
    /// One object to create, with its kind.
    public struct Item: Sendable {
        /// The kind.
        public var type: ResourceType
        /// The object, status included.
        public var object: JSON
    }

    /// The cluster manifest.
    public let cluster: JSON
    /// The namespace everything lives in.
    public let namespace: String
    /// The UID the VitessCluster got when stored, for owner references.
    public let clusterUID: String

    /// Creates an expansion for a stored VitessCluster.
    public init(cluster: JSON, namespace: String, clusterUID: String) {
        self.cluster = cluster
        self.namespace = namespace
        self.clusterUID = clusterUID
    }

    private var name: String { cluster[path: ["metadata", "name"]].string ?? "example" }

    private func owner(_ kind: String, _ name: String, _ uid: String) -> JSON {
        [
            [
                "apiVersion": "planetscale.com/v2", "kind": .string(kind), "name": .string(name), "uid": .string(uid),
                "controller": true, "blockOwnerDeletion": true,
            ]
        ]
    }

    /// The shard key ranges of one partitioning (`equal: {parts, hexWidth}` or `custom: {shards: [...]}`).
    public static func shards(of partitioning: JSON) -> [(name: String, template: JSON)] {
        if let equal = partitioning["equal"].object {
            let parts = max(1, equal["parts"]?.int ?? 1)
            let template = equal["shardTemplate"] ?? [:]
            if parts == 1 { return [("-", template)] }
            let width = max(2, equal["hexWidth"]?.int ?? 2)
            let space = 1 << (4 * width)
            func bound(_ index: Int) -> String {
                if index == 0 || index == parts { return "" }
                let value = index * space / parts
                let hex = String(value, radix: 16)
                return String(repeating: "0", count: max(0, width - hex.count)) + hex
            }
            return (0..<parts).map { ("\(bound($0))-\(bound($0 + 1))", template) }
        }
        return (partitioning[path: ["custom", "shards"]].array ?? []).map { shard in
            (shard["keyRange"].string ?? shard["name"].string ?? "-", shard["shardTemplate"])
        }
    }

    /// Every object of the tree, in creation order (parents first).
    public func items(uid: () -> String) -> [Item] {
        var items: [Item] = []
        let spec = cluster["spec"]
        let images = spec["images"]
        let clusterLabels: [String: String] = [OperatorLabel.cluster: name]

        // Global etcd and its members; members roll only when released one at a time (§4d.3).
        let etcdName = OperatorNames.globalEtcd(cluster: name)
        let etcdUID = uid()
        items.append(
            Item(
                type: .etcdLockserver,
                object: [
                    "metadata": [
                        "name": .string(etcdName), "uid": .string(etcdUID), "labels": .map(clusterLabels),
                        "ownerReferences": owner("VitessCluster", name, clusterUID),
                    ],
                    "spec": ["image": .string(Desired.etcdImage(cluster))],
                    "status": ["observedGeneration": 1, "available": "True"],
                ]))
        for index in 1...3 {
            items.append(
                Item(
                    type: .pod,
                    object: Self.pod(
                        name: "\(etcdName)-\(index)", namespace: namespace,
                        labels: [
                            OperatorLabel.component: "etcd", OperatorLabel.cluster: name,
                            OperatorLabel.etcdLockserver: etcdName, OperatorLabel.etcdIndex: String(index),
                        ],
                        annotations: [:], container: "etcd", image: Desired.etcdImage(cluster),
                        owner: owner("EtcdLockserver", etcdName, etcdUID))))
        }

        for cellSpec in spec["cells"].array ?? [] {
            guard let cell = cellSpec["name"].string else { continue }
            let cellName = OperatorNames.cell(cluster: name, cell: cell)
            let cellUID = uid()
            let replicas = cellSpec[path: ["gateway", "replicas"]].int ?? 1
            items.append(
                Item(
                    type: .vitessCell,
                    object: [
                        "metadata": [
                            "name": .string(cellName), "uid": .string(cellUID),
                            "labels": .map(clusterLabels.merging([OperatorLabel.cell: cell]) { $1 }),
                            "ownerReferences": owner("VitessCluster", name, clusterUID),
                        ],
                        "spec": Desired.cellSpec(vt: cluster, cell: cellSpec),
                        "status": [
                            "observedGeneration": 1, "idle": "True",
                            "gateway": [
                                "available": "True",
                                "serviceName": .string(
                                    OperatorNames.join([name, cell, "vtgate"], constraints: .service)),
                                "replicas": .int(replicas),
                            ],
                        ],
                    ]))
            let componentLabels = { (component: String) -> [String: String] in
                [OperatorLabel.cluster: name, OperatorLabel.cell: cell, OperatorLabel.component: component]
            }
            items.append(
                Item(
                    type: .deployment,
                    object: Self.deployment(
                        name: OperatorNames.vtgate(cluster: name, cell: cell), labels: componentLabels("vtgate"),
                        image: images["vtgate"].string ?? "", replicas: replicas,
                        owner: owner("VitessCell", cellName, cellUID))))
            items.append(
                Item(
                    type: .deployment,
                    object: Self.deployment(
                        name: OperatorNames.vtctld(cluster: name, cell: cell), labels: componentLabels("vtctld"),
                        image: images["vtctld"].string ?? "",
                        replicas: spec[path: ["vitessDashboard", "replicas"]].int ?? 1,
                        owner: owner("VitessCluster", name, clusterUID))))
        }

        for keyspaceSpec in spec["keyspaces"].array ?? [] {
            guard let keyspace = keyspaceSpec["name"].string else { continue }
            let keyspaceName = OperatorNames.keyspace(cluster: name, keyspace: keyspace)
            let keyspaceUID = uid()
            let keyspaceLabels = clusterLabels.merging([OperatorLabel.keyspace: keyspace]) { $1 }
            let keyspaceSpecCopy = Desired.keyspaceSpec(vt: cluster, keyspace: keyspaceSpec)
            var shardStatus: [String: JSON] = [:]
            var shardItems: [Item] = []
            for partitioning in keyspaceSpec["partitionings"].array ?? [] {
                for (shard, template) in Self.shards(of: partitioning) {
                    guard let range = KeyRange(shard) else { continue }
                    let shardName = OperatorNames.shard(cluster: name, keyspace: keyspace, shard: range)
                    let shardUID = uid()
                    let shardLabels = keyspaceLabels.merging([OperatorLabel.shard: range.safeName]) { $1 }
                    var tablets: [String: JSON] = [:]
                    var pods: [Item] = []
                    var primary: TabletAlias?
                    let shardSpec = Desired.shardSpec(vtk: ["spec": keyspaceSpecCopy], shard: range, template: template)
                    let vtorcCells = Desired.vtorcCells(shardSpec: shardSpec)
                    var shardCells: [String] = []
                    for pool in template["tabletPools"].array ?? [] {
                        guard let cell = pool["cell"].string,
                            let type = TabletPoolType(rawValue: pool["type"].string ?? "replica")
                        else { continue }
                        if !shardCells.contains(cell) { shardCells.append(cell) }
                        for index in 1...max(1, pool["replicas"].int ?? 1) {
                            let alias = TabletAlias(
                                cell: cell,
                                uid: TabletUID.uid(
                                    cell: cell, keyspace: keyspace, shard: range, pool: type, index: index))
                            // The first master-eligible tablet plays the primary the initial election chose.
                            let isPrimary = primary == nil && type.isMasterEligible
                            if isPrimary { primary = alias }
                            tablets[alias.description] = [
                                "poolType": .string(type.rawValue), "index": .int(index), "running": "True",
                                "ready": "True",
                                "available": "True", "dataVolumeBound": "True",
                                "type": .string(isPrimary ? "primary" : (type == .rdonly ? "rdonly" : "replica")),
                                "pendingChanges": "",
                            ]
                            var pod = Self.pod(
                                name: OperatorNames.tabletPod(cluster: name, alias: alias),
                                namespace: namespace,
                                labels: shardLabels.merging([
                                    OperatorLabel.component: "vttablet", OperatorLabel.cell: cell,
                                    OperatorLabel.tabletUID: TabletUID.string(alias.uid),
                                    OperatorLabel.tabletType: type.rawValue,
                                    OperatorLabel.tabletIndex: String(index),
                                ]) { $1 }.merging(pool["extraLabels"].stringMap) { $1 },
                                annotations: [
                                    DrainAnnotation.supported: "ensure that the tablet is not a primary",
                                    "planetscale.com/observed-shard-generation": "1",
                                ],
                                container: "vttablet", image: images["vttablet"].string ?? "",
                                owner: owner("VitessShard", shardName, shardUID))
                            pod[path: ["spec", "containers"]] = Desired.tabletContainers(images: images, pool: pool)
                            pods.append(Item(type: .pod, object: pod))
                        }
                    }
                    shardItems.append(
                        Item(
                            type: .vitessShard,
                            object: [
                                "metadata": [
                                    "name": .string(shardName), "uid": .string(shardUID), "labels": .map(shardLabels),
                                    "ownerReferences": owner("VitessKeyspace", keyspaceName, keyspaceUID),
                                ],
                                "spec": shardSpec,
                                "status": [
                                    "observedGeneration": 1, "lowestPodGeneration": 1,
                                    "masterAlias": primary.map { .string($0.description) } ?? .null,
                                    "cells": .array(shardCells.map { .string($0) }), "tablets": .object(tablets),
                                    "hasMaster": primary == nil ? "False" : "True", "hasInitialBackup": "True",
                                    "servingWrites": primary == nil ? "False" : "True", "idle": "False",
                                    "orphanedTablets": [:],
                                    "vitessOrchestrator": ["available": vtorcCells.isEmpty ? "Unknown" : "True"],
                                    "conditions": [:],
                                ],
                            ]))
                    shardItems.append(contentsOf: pods)
                    for cell in vtorcCells {
                        shardItems.append(
                            Item(
                                type: .deployment,
                                object: Self.deployment(
                                    name: OperatorNames.vtorc(
                                        cluster: name, keyspace: keyspace, shard: range, cell: cell),
                                    labels: shardLabels.merging([
                                        OperatorLabel.component: "vtorc", OperatorLabel.cell: cell,
                                    ]) { $1 },
                                    image: images["vtorc"].string ?? "", replicas: 1,
                                    owner: owner("VitessShard", shardName, shardUID))))
                    }
                    shardStatus[shard] = [
                        "hasMaster": primary == nil ? "False" : "True",
                        "servingWrites": primary == nil ? "False" : "True",
                        "desiredTablets": .int(tablets.count), "tablets": .int(tablets.count),
                        "readyTablets": .int(tablets.count),
                        "updatedTablets": .int(tablets.count), "pendingChanges": "",
                        "cells": .array(shardCells.map { .string($0) }),
                    ]
                }
            }
            items.append(
                Item(
                    type: .vitessKeyspace,
                    object: [
                        "metadata": [
                            "name": .string(keyspaceName), "uid": .string(keyspaceUID), "labels": .map(keyspaceLabels),
                            "ownerReferences": owner("VitessCluster", name, clusterUID),
                        ],
                        "spec": keyspaceSpecCopy,
                        "status": [
                            "observedGeneration": 1, "idle": "True", "shards": .object(shardStatus),
                            "conditions": [["type": "Ready", "status": "True", "reason": "AllShardsReady"]],
                        ],
                    ]))
            items.append(contentsOf: shardItems)
        }
        return items
    }

    static func pod(
        name: String, namespace: String, labels: [String: String], annotations: [String: String], container: String,
        image: String, owner: JSON
    ) -> JSON {
        [
            "metadata": [
                "name": .string(name), "labels": .map(labels), "annotations": .map(annotations),
                "ownerReferences": owner,
            ],
            "spec": [
                "containers": [
                    [
                        "name": .string(container), "image": .string(image),
                        "ports": [["name": "web", "containerPort": 15000]],
                    ]
                ]
            ],
            "status": podStatus(container: container, image: image, ready: true),
        ]
    }

    /// A running Pod's status, Ready or not.
    static func podStatus(container: String, image: String, ready: Bool) -> JSON {
        let flag: JSON = ready ? "True" : "False"
        return [
            "phase": "Running", "podIP": "10.0.0.1",
            "conditions": [["type": "Ready", "status": flag], ["type": "ContainersReady", "status": flag]],
            "containerStatuses": [
                ["name": .string(container), "ready": .bool(ready), "restartCount": 0, "image": .string(image)]
            ],
        ]
    }

    static func deployment(name: String, labels: [String: String], image: String, replicas: Int, owner: JSON) -> JSON {
        [
            "metadata": ["name": .string(name), "labels": .map(labels), "ownerReferences": owner],
            "spec": [
                "replicas": .int(replicas), "revisionHistoryLimit": 0, "selector": ["matchLabels": .map(labels)],
                "template": [
                    "metadata": ["labels": .map(labels)],
                    "spec": [
                        "containers": [
                            ["name": .string(labels[OperatorLabel.component] ?? "main"), "image": .string(image)]
                        ]
                    ],
                ],
            ],
            "status": [
                "observedGeneration": 1, "replicas": .int(replicas), "updatedReplicas": .int(replicas),
                "readyReplicas": .int(replicas), "availableReplicas": .int(replicas),
                "conditions": [
                    ["type": "Available", "status": "True"],
                    ["type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"],
                ],
            ],
        ]
    }
}
