import Foundation
import VitessModel

/// Turns a VitessCluster manifest into the object tree the operator would have created for it, settled: cells
/// with vtgate, keyspaces, shards, tablet Pods with a primary per shard, vtctld, vtadmin and vtorc Deployments, and
/// the etcd members of each operator-run lockserver. Every spec comes from `Desired`, so nothing is pending.
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

    static func owner(_ kind: String, _ name: String, _ uid: String) -> JSON {
        [
            [
                "apiVersion": "planetscale.com/v2", "kind": .string(kind), "name": .string(name), "uid": .string(uid),
                "controller": true, "blockOwnerDeletion": true,
            ]
        ]
    }

    /// The shards of one partitioning with their templates: `equal: {parts, hexWidth, shardTemplate}` through
    /// vitess `key.GenerateShardRanges` (2 hex digits up to 256 parts, 4 beyond, unless `hexWidth` says), or
    /// `custom: {shards: [{keyRange: {start, end}, <shard template inline>}]}`.
    public static func shards(of partitioning: JSON) -> [(name: String, template: JSON)] {
        if let equal = partitioning["equal"].object {
            let parts = max(1, equal["parts"]?.int ?? 1)
            let template = equal["shardTemplate"] ?? [:]
            if parts == 1 { return [("-", template)] }
            let hexWidth = equal["hexWidth"]?.int ?? 0
            let width = hexWidth > 0 ? hexWidth : (parts <= 256 ? 2 : 4)
            let space = 1 << (4 * width)
            func bound(_ index: Int) -> String {
                if index == 0 || index == parts { return "" }
                let hex = String(index * space / parts, radix: 16)
                return String(repeating: "0", count: max(0, width - hex.count)) + hex
            }
            return (0..<parts).map { ("\(bound($0))-\(bound($0 + 1))", template) }
        }
        return (partitioning[path: ["custom", "shards"]].array ?? []).map { shard in
            let range = shard["keyRange"]
            var template = shard
            template["keyRange"] = nil
            if let text = range.string { return (text, template) }
            return ("\(range["start"].string ?? "")-\(range["end"].string ?? "")", template)
        }
    }

    /// The object tree's Pod for an etcd member (`etcdlockserver/reconcile_members.go`): no drain support, so a
    /// released member is deleted at once.
    static func etcdMember(
        lockserver: String, index: Int, cluster: String, image: String, namespace: String, owner: JSON
    ) -> JSON {
        [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": [
                "name": .string("\(lockserver)-\(index)"), "namespace": .string(namespace),
                "labels": [
                    .init(OperatorLabel.component): "etcd", .init(OperatorLabel.cluster): .string(cluster),
                    .init(OperatorLabel.etcdLockserver): .string(lockserver),
                    .init(OperatorLabel.etcdIndex): .string(String(index)),
                ],
                "ownerReferences": owner,
            ],
            "spec": [
                "containers": [
                    [
                        "name": "etcd", "image": .string(image),
                        "ports": [
                            ["name": "client", "containerPort": 2379, "protocol": "TCP"],
                            ["name": "peer", "containerPort": 2380, "protocol": "TCP"],
                        ],
                    ]
                ],
                "terminationGracePeriodSeconds": 30,
            ],
        ]
    }

    /// A Pod as its kubelet reports it once running and Ready.
    static func running(_ pod: JSON) -> JSON {
        var pod = pod
        let now = Sandbox.timestamp(Date())
        pod[path: ["spec", "nodeName"]] = .string(Kubelet.nodeName(pod[path: ["metadata", "name"]].string ?? ""))
        pod["status"] = Kubelet.status(for: pod, phase: .ready, now: now, since: now, started: now)
        return pod
    }

    /// Every object of the tree, in creation order (parents first).
    public func items(uid: () -> String) -> [Item] {
        var items: [Item] = []
        let spec = cluster["spec"]
        let clusterLabels: [String: String] = [OperatorLabel.cluster: name]
        let clusterOwner = Self.owner("VitessCluster", name, clusterUID)

        func lockserver(_ lockserverName: String, image: String, labels: [String: String], owner: JSON) {
            let lockserverUID = uid()
            items.append(
                Item(
                    type: .etcdLockserver,
                    object: [
                        "metadata": [
                            "name": .string(lockserverName), "uid": .string(lockserverUID), "labels": .map(labels),
                            "ownerReferences": owner,
                        ],
                        "spec": ["image": .string(image)],
                        "status": ["observedGeneration": 1, "available": "True"],
                    ]))
            for index in 1...3 {
                let member = Self.etcdMember(
                    lockserver: lockserverName, index: index, cluster: name, image: image, namespace: namespace,
                    owner: Self.owner("EtcdLockserver", lockserverName, lockserverUID))
                items.append(Item(type: .pod, object: Self.running(member)))
            }
        }

        if Desired.hasGlobalEtcd(cluster) {
            lockserver(
                OperatorNames.globalEtcd(cluster: name), image: Desired.etcdImage(cluster), labels: clusterLabels,
                owner: clusterOwner)
        }

        var firstShardMysqld: String?
        let keyspaceSpecs = (spec["keyspaces"].array ?? []).map {
            Desired.keyspaceSpec(vt: cluster, keyspace: $0, namespace: namespace)
        }
        // vtgate's mysql_server_version comes from the first VitessShard by name (the API lists in name order).
        var shardNames: [(String, String)] = []
        for keyspaceSpec in keyspaceSpecs {
            guard let keyspace = keyspaceSpec["name"].string else { continue }
            for (range, _) in Desired.shards(keyspace: keyspaceSpec) {
                shardNames.append(
                    (
                        OperatorNames.shard(cluster: name, keyspace: keyspace, shard: range),
                        Desired.mysqldImage(keyspaceSpec["images"])
                    ))
            }
        }
        firstShardMysqld = shardNames.min { $0.0 < $1.0 }?.1

        for cellSpec in spec["cells"].array ?? [] {
            guard let cell = cellSpec["name"].string else { continue }
            let cellName = OperatorNames.cell(cluster: name, cell: cell)
            let cellUID = uid()
            let vtcSpec = Desired.cellSpec(vt: cluster, cell: cellSpec, namespace: namespace)
            let replicas = Desired.replicas(.vtgate(cellSpec: vtcSpec, mysqldImage: ""))
            items.append(
                Item(
                    type: .vitessCell,
                    object: [
                        "metadata": [
                            "name": .string(cellName), "uid": .string(cellUID),
                            "labels": .map(clusterLabels.merging([OperatorLabel.cell: cell]) { $1 }),
                            "ownerReferences": clusterOwner,
                        ],
                        "spec": vtcSpec,
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
            items.append(
                Item(
                    type: .deployment,
                    object: Desired.deployment(
                        .vtgate(cellSpec: vtcSpec, mysqldImage: firstShardMysqld ?? ""),
                        name: OperatorNames.vtgate(cluster: name, cell: cell), namespace: namespace,
                        labels: [OperatorLabel.cluster: name, OperatorLabel.cell: cell, OperatorLabel.component: "vtgate"],
                        owner: Self.owner("VitessCell", cellName, cellUID))))
            if let local = Desired.localEtcdCells(cluster).first(where: { $0.cell == cell }) {
                lockserver(
                    OperatorNames.localEtcd(cluster: name, cell: cell), image: local.image,
                    labels: clusterLabels.merging([OperatorLabel.cell: cell]) { $1 },
                    owner: Self.owner("VitessCell", cellName, cellUID))
            }
        }
        for cell in Desired.vtctldCells(cluster) {
            items.append(
                Item(
                    type: .deployment,
                    object: Desired.deployment(
                        .vtctld(vt: cluster, cell: cell), name: OperatorNames.vtctld(cluster: name, cell: cell),
                        namespace: namespace,
                        labels: [OperatorLabel.cluster: name, OperatorLabel.cell: cell, OperatorLabel.component: "vtctld"],
                        owner: clusterOwner)))
        }
        for cell in Desired.vtadminCells(cluster) {
            items.append(
                Item(
                    type: .deployment,
                    object: Desired.deployment(
                        .vtadmin(vt: cluster, cell: cell), name: OperatorNames.vtadmin(cluster: name, cell: cell),
                        namespace: namespace,
                        labels: [OperatorLabel.cluster: name, OperatorLabel.cell: cell, OperatorLabel.component: "vtadmin"],
                        owner: clusterOwner)))
        }

        for keyspaceSpec in keyspaceSpecs {
            guard let keyspace = keyspaceSpec["name"].string else { continue }
            items += keyspaceItems(keyspace: keyspace, spec: keyspaceSpec, uid: uid)
        }
        return items
    }

    private func keyspaceItems(keyspace: String, spec keyspaceSpec: JSON, uid: () -> String) -> [Item] {
        let keyspaceName = OperatorNames.keyspace(cluster: name, keyspace: keyspace)
        let keyspaceUID = uid()
        let keyspaceLabels = [OperatorLabel.cluster: name, OperatorLabel.keyspace: keyspace]
        var shardStatus: [String: JSON] = [:]
        var shardItems: [Item] = []
        for (range, template) in Desired.shards(keyspace: keyspaceSpec) {
            let shardName = OperatorNames.shard(cluster: name, keyspace: keyspace, shard: range)
            let shardUID = uid()
            let shardLabels = keyspaceLabels.merging([OperatorLabel.shard: range.safeName]) { $1 }
            let shardSpec = Desired.shardSpec(vtk: ["spec": keyspaceSpec], shard: range, template: template)
            let shardOwner = Self.owner("VitessShard", shardName, shardUID)
            let desired = Desired.tablets(cluster: name, keyspace: keyspace, vts: ["spec": shardSpec])
            // The first master-eligible tablet plays the primary the initial election chose; other external
            // primaries stay SPARE.
            let primary = desired.first { $0.pool.isMasterEligible }?.alias
            var tablets: [String: JSON] = [:]
            var shardCells: [String] = []
            var pods: [Item] = []
            for tablet in desired {
                if !shardCells.contains(tablet.alias.cell) { shardCells.append(tablet.alias.cell) }
                let type = tablet.alias == primary ? "primary" : Desired.initTabletType(tablet.pool)
                tablets[tablet.alias.description] = [
                    "poolType": .string(tablet.pool.rawValue), "index": .int(tablet.index), "running": "True",
                    "ready": "True", "available": "True", "dataVolumeBound": "True", "type": .string(type),
                ]
                let pod = Desired.tabletPod(
                    tablet, keyspace: keyspace, shardSpec: shardSpec, shardGeneration: 1, namespace: namespace,
                    owner: shardOwner)
                pods.append(Item(type: .pod, object: Self.running(pod)))
            }
            let vtorcCells = Desired.vtorcCells(shardSpec: shardSpec)
            shardItems.append(
                Item(
                    type: .vitessShard,
                    object: [
                        "metadata": [
                            "name": .string(shardName), "uid": .string(shardUID), "labels": .map(shardLabels),
                            "annotations": shardSpec["annotations"],
                            "ownerReferences": Self.owner("VitessKeyspace", keyspaceName, keyspaceUID),
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
            shardItems += pods
            for cell in vtorcCells {
                shardItems.append(
                    Item(
                        type: .deployment,
                        object: Desired.deployment(
                            .vtorc(shardSpec: shardSpec, cell: cell),
                            name: OperatorNames.vtorc(cluster: name, keyspace: keyspace, shard: range, cell: cell),
                            namespace: namespace,
                            labels: shardLabels.merging([OperatorLabel.component: "vtorc", OperatorLabel.cell: cell]) {
                                $1
                            }, owner: shardOwner)))
            }
            shardStatus[range.description] = [
                "hasMaster": primary == nil ? "False" : "True",
                "servingWrites": primary == nil ? "False" : "True",
                "desiredTablets": .int(tablets.count), "tablets": .int(tablets.count),
                "readyTablets": .int(tablets.count), "updatedTablets": .int(tablets.count), "pendingChanges": "",
                "cells": .array(shardCells.map { .string($0) }),
            ]
        }
        let keyspaceItem = Item(
            type: .vitessKeyspace,
            object: [
                "metadata": [
                    "name": .string(keyspaceName), "uid": .string(keyspaceUID), "labels": .map(keyspaceLabels),
                    "annotations": keyspaceSpec["annotations"],
                    "ownerReferences": Self.owner("VitessCluster", name, clusterUID),
                ],
                "spec": keyspaceSpec,
                "status": [
                    "observedGeneration": 1, "idle": "True", "shards": .object(shardStatus),
                    "conditions": [["type": "Ready", "status": "True", "reason": "AllShardsReady"]],
                ],
            ])
        return [keyspaceItem] + shardItems
    }
}
