import VitessModel

/// What each parent controller wants its children to look like, derived from the parent's spec.
///
/// The fixture loader and the emulated operator both use these, so a freshly loaded tree has nothing pending.
enum Desired {
    /// The defaulted update strategy (`External` with `external: {}` when absent, reference §2).
    static func strategy(_ vt: JSON) -> JSON {
        let stored = vt[path: ["spec", "updateStrategy"]]
        if stored.isNull || stored["type"].string == nil || stored["type"].string == "External" {
            var strategy: JSON = ["type": "External"]
            strategy["external"] = stored["external"].isNull ? [:] : stored["external"]
            return strategy
        }
        return stored
    }

    /// Whether the cluster uses the `Immediate` strategy.
    static func isImmediate(_ vt: JSON) -> Bool { strategy(vt)["type"].string == "Immediate" }

    /// The VitessCell spec for one entry of `vt.spec.cells`.
    static func cellSpec(vt: JSON, cell: JSON) -> JSON {
        let cells = (vt[path: ["spec", "cells"]].array ?? []).compactMap { $0["name"].string }
        return [
            "name": cell["name"], "gateway": cell["gateway"].isNull ? [:] : cell["gateway"],
            "allCells": .array(cells.map { .string($0) }),
            "images": ["vtgate": vt[path: ["spec", "images", "vtgate"]]],
        ]
    }

    /// The VitessKeyspace spec for one entry of `vt.spec.keyspaces`.
    static func keyspaceSpec(vt: JSON, keyspace: JSON) -> JSON {
        var spec = keyspace
        spec["images"] = vt[path: ["spec", "images"]]
        spec["updateStrategy"] = strategy(vt)
        return spec
    }

    /// The VitessShard spec for one shard of a keyspace.
    static func shardSpec(vtk: JSON, shard: KeyRange, template: JSON) -> JSON {
        var spec: JSON = [
            "name": .string(shard.description), "keyRange": ["start": .string(shard.start), "end": .string(shard.end)],
            "images": vtk[path: ["spec", "images"]],
            "tabletPools": template["tabletPools"].isNull ? [] : template["tabletPools"],
            "updateStrategy": vtk[path: ["spec", "updateStrategy"]],
        ]
        // Assigning through the subscript drops a null, so an absent field stays absent in the stored spec.
        spec["annotations"] = template["annotations"]
        spec["vitessOrchestrator"] = vtk[path: ["spec", "vitessOrchestrator"]]
        return spec
    }

    /// The cells that get a vtorc Deployment (`vtorcSpecs`): none unless the shard spec has
    /// `vitessOrchestrator`, else one per cell with a `replica` pool, in pool order.
    static func vtorcCells(shardSpec: JSON) -> [String] {
        guard !shardSpec["vitessOrchestrator"].isNull else { return [] }
        var cells: [String] = []
        for pool in shardSpec["tabletPools"].array ?? [] where pool["type"].string ?? "replica" == "replica" {
            if let cell = pool["cell"].string, !cells.contains(cell) { cells.append(cell) }
        }
        return cells
    }

    /// The shards of a keyspace spec, in partitioning order.
    static func shards(keyspace: JSON) -> [(range: KeyRange, template: JSON)] {
        (keyspace["partitionings"].array ?? []).flatMap { FixtureExpansion.shards(of: $0) }.compactMap { shard in
            KeyRange(shard.name).map { ($0, shard.template) }
        }
    }

    /// The etcd image of the global lockserver.
    static func etcdImage(_ vt: JSON) -> String {
        vt[path: ["spec", "globalLockserver", "etcd", "image"]].string ?? "quay.io/coreos/etcd:v3.5.17"
    }

    /// One desired tablet of a shard.
    struct Tablet: Sendable {
        var alias: TabletAlias
        var pool: TabletPoolType
        var index: Int
        var podName: String
        var labels: [String: String]
        /// The tablet pool's spec, which shapes the Pod's containers.
        var poolSpec: JSON = [:]
    }

    /// A tablet Pod's containers, as the operator builds them from the shard's images and the tablet
    /// pool: vttablet (image, its pool's `vttablet.extraFlags` as arguments, resources, `extraEnv`) and
    /// mysqld (image, resources, `configOverrides`). Any difference from the running Pod's containers
    /// is a change the Pod must be recreated for, held back under External like an image change.
    static func tabletContainers(images: JSON, pool: JSON) -> JSON {
        var vttablet: JSON = [
            "name": "vttablet", "image": images["vttablet"],
            "ports": [["name": "web", "containerPort": 15000]],
        ]
        let flags = pool[path: ["vttablet", "extraFlags"]].object ?? [:]
        if !flags.isEmpty {
            vttablet["args"] = .array(
                flags.keys.sorted().map { key in
                    let value = flags[key]?.string ?? flags[key].map { String(decoding: $0.data, as: UTF8.self) } ?? ""
                    return .string("--\(key)=\(value)")
                })
        }
        vttablet["resources"] = pool[path: ["vttablet", "resources"]]
        vttablet["env"] = pool["extraEnv"]
        // `mysqld` names one flavour: {mysql80Compatible: IMAGE}.
        let mysqldImages = images["mysqld"].object ?? [:]
        var mysqld: JSON = [
            "name": "mysqld", "image": mysqldImages.keys.sorted().first.flatMap { mysqldImages[$0] } ?? .null,
        ]
        mysqld["resources"] = pool[path: ["mysqld", "resources"]]
        mysqld["configOverrides"] = pool[path: ["mysqld", "configOverrides"]]
        return [vttablet, mysqld]
    }

    /// The tablets a VitessShard spec asks for, in pool order.
    static func tablets(cluster: String, keyspace: String, vts: JSON) -> [Tablet] {
        guard let range = KeyRange(vts[path: ["spec", "name"]].string ?? "-") else { return [] }
        var result: [Tablet] = []
        for pool in vts[path: ["spec", "tabletPools"]].array ?? [] {
            guard let cell = pool["cell"].string, let type = TabletPoolType(rawValue: pool["type"].string ?? "replica")
            else { continue }
            let count = pool["replicas"].int ?? 1
            guard count > 0 else { continue }
            for index in 1...count {
                let alias = TabletAlias(
                    cell: cell,
                    uid: TabletUID.uid(cell: cell, keyspace: keyspace, shard: range, pool: type, index: index))
                var labels: [String: String] = [
                    OperatorLabel.component: "vttablet", OperatorLabel.cluster: cluster,
                    OperatorLabel.keyspace: keyspace,
                    OperatorLabel.shard: range.safeName, OperatorLabel.cell: cell,
                    OperatorLabel.tabletUID: TabletUID.string(alias.uid), OperatorLabel.tabletType: type.rawValue,
                    OperatorLabel.tabletIndex: String(index),
                ]
                labels.merge(pool["extraLabels"].stringMap) { current, _ in current }
                result.append(
                    Tablet(
                        alias: alias, pool: type, index: index,
                        podName: OperatorNames.tabletPod(cluster: cluster, alias: alias),
                        labels: labels, poolSpec: pool))
            }
        }
        return result
    }

    /// A freshly created tablet Pod: only the spec annotations, no rollout or drain state (reference §5.1.3).
    static func tabletPod(_ tablet: Tablet, images: JSON, shardGeneration: Int, owner: JSON, ready: Bool) -> JSON {
        let image = images["vttablet"].string ?? ""
        var pod = FixtureExpansion.pod(
            name: tablet.podName, namespace: "", labels: tablet.labels,
            annotations: [
                DrainAnnotation.supported: "ensure that the tablet is not a primary",
                "planetscale.com/observed-shard-generation": String(shardGeneration),
            ],
            container: "vttablet", image: image, owner: owner)
        pod[path: ["spec", "containers"]] = tabletContainers(images: images, pool: tablet.poolSpec)
        if !ready { pod["status"] = FixtureExpansion.podStatus(container: "vttablet", image: image, ready: false) }
        return pod
    }
}
