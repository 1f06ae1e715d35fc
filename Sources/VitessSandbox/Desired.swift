import VitessModel

/// What each parent controller wants its children to look like, derived from the parent's spec as the operator
/// derives it (`newVitessCell`, `newVitessKeyspace`, `newVitessShard`). Every function cites its source in
/// docs/operator-reference.md.
///
/// The fixture loader and the emulated operator both use these, so a freshly loaded tree has nothing pending.
enum Desired {
    /// The defaulted update strategy (`External` with `external: {}` when absent).
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

    /// Whether an External strategy lets storage grow in place (`allowResourceChanges: [storage]`).
    static func storageChangesAllowed(_ strategy: JSON) -> Bool {
        strategy["type"].string == "External"
            && (strategy[path: ["external", "allowResourceChanges"]].array ?? []).contains("storage")
    }

    /// `lockserver.GlobalConnectionParams` (`pkg/operator/lockserver/params.go`): the external parameters as
    /// given, or those of the operator-managed global etcd.
    static func globalLockserverParams(_ vt: JSON, namespace: String) -> JSON {
        let spec = vt[path: ["spec", "globalLockserver"]]
        if !spec["external"].isNull { return spec["external"] }
        let cluster = vt[path: ["metadata", "name"]].string ?? "example"
        let address =
            spec[path: ["etcd", "cellInfoAddress"]].string
            ?? "\(OperatorNames.globalEtcd(cluster: cluster))-client.\(namespace).svc:2379"
        return ["implementation": "etcd2", "address": .string(address), "rootPath": .string("/vitess/\(cluster)/global")]
    }

    /// Whether the operator runs a global etcd for this cluster (no `globalLockserver.external`).
    static func hasGlobalEtcd(_ vt: JSON) -> Bool { vt[path: ["spec", "globalLockserver", "external"]].isNull }

    /// `vt.Spec.ZoneMap()`: cell name to zone, for cells that name one.
    static func zoneMap(_ vt: JSON) -> JSON {
        var zones: [String: JSON] = [:]
        for cell in vt[path: ["spec", "cells"]].array ?? [] {
            if let name = cell["name"].string, let zone = cell["zone"].string, !zone.isEmpty {
                zones[name] = .string(zone)
            }
        }
        return zones.isEmpty ? .null : .object(zones)
    }

    /// The VitessCell spec for one entry of `vt.spec.cells` (`newVitessCell`, `reconcile_cells.go`): the whole cell
    /// template plus what the cluster propagates.
    static func cellSpec(vt: JSON, cell: JSON, namespace: String) -> JSON {
        var spec = cell
        if spec["gateway"].isNull { spec["gateway"] = [:] }
        let cells = (vt[path: ["spec", "cells"]].array ?? []).compactMap { $0["name"].string }
        spec["allCells"] = .array(cells.map { .string($0) })
        spec["globalLockserver"] = globalLockserverParams(vt, namespace: namespace)
        spec["images"] = ["vtgate": vt[path: ["spec", "images", "vtgate"]]]
        spec["imagePullPolicies"] = vt[path: ["spec", "imagePullPolicies"]]
        spec["imagePullSecrets"] = vt[path: ["spec", "imagePullSecrets"]]
        spec["extraVitessFlags"] = vt[path: ["spec", "extraVitessFlags"]]
        spec["topologyReconciliation"] = vt[path: ["spec", "topologyReconciliation"]]
        return spec
    }

    /// The keyspace image set (`VitessKeyspaceImages`): vttablet, vtorc, vtbackup, mysqld and mysqldExporter,
    /// defaulted from the cluster (`DefaultVitessKeyspaceImages`) and overridden by `keyspaces[].images`
    /// (`MergeVitessKeyspaceTemplateImages`, which replaces the whole mysqld flavour pair when given).
    static func keyspaceImages(vt: JSON, keyspace: JSON) -> JSON {
        let cluster = vt[path: ["spec", "images"]]
        let override = keyspace["images"]
        var images: JSON = [:]
        for key in ["vttablet", "vtorc", "vtbackup", "mysqldExporter"] {
            let own = override[key].string ?? ""
            images[key] = own.isEmpty ? cluster[key] : .string(own)
        }
        images["mysqld"] = cluster["mysqld"]
        if !override["mysqld"].isNull {
            var mysqld = cluster["mysqld"].isNull ? [:] : cluster["mysqld"]
            mysqld["mysql56Compatible"] = override[path: ["mysqld", "mysql56Compatible"]]
            mysqld["mysql80Compatible"] = override[path: ["mysqld", "mysql80Compatible"]]
            images["mysqld"] = mysqld
        }
        return images
    }

    /// The VitessKeyspace spec for one entry of `vt.spec.keyspaces` (`newVitessKeyspace`, `reconcile_keyspaces.go`).
    static func keyspaceSpec(vt: JSON, keyspace: JSON, namespace: String) -> JSON {
        var spec = keyspace
        spec["images"] = keyspaceImages(vt: vt, keyspace: keyspace)
        spec["globalLockserver"] = globalLockserverParams(vt, namespace: namespace)
        spec["imagePullPolicies"] = vt[path: ["spec", "imagePullPolicies"]]
        spec["imagePullSecrets"] = vt[path: ["spec", "imagePullSecrets"]]
        spec["zoneMap"] = zoneMap(vt)
        spec["backupLocations"] = vt[path: ["spec", "backup", "locations"]]
        spec["backupEngine"] = vt[path: ["spec", "backup", "engine"]]
        spec["extraVitessFlags"] = vt[path: ["spec", "extraVitessFlags"]]
        spec["topologyReconciliation"] = vt[path: ["spec", "topologyReconciliation"]]
        spec["updateStrategy"] = strategy(vt)
        return spec
    }

    /// `update.PartitioningSet`: the partitionings of `desired`, in its order, each one that already exists in
    /// `current` (the same set of shard names) keeping its current content. Adding or removing a whole
    /// partitioning is therefore applied in place, while editing one is held.
    static func partitioningSet(current: JSON, desired: JSON) -> JSON {
        let existing = (current.array ?? []).map { (key: partitioningKey($0), value: $0) }
        return .array(
            (desired.array ?? []).map { partitioning in
                let key = partitioningKey(partitioning)
                return existing.last(where: { $0.key == key })?.value ?? partitioning
            })
    }

    private static func partitioningKey(_ partitioning: JSON) -> String {
        Set(FixtureExpansion.shards(of: partitioning).map(\.name)).sorted().joined(separator: ",")
    }

    /// The VitessShard spec for one shard of a keyspace (`newVitessShard`, `vitesskeyspace/reconcile_shards.go`): the
    /// inline shard template plus what the keyspace propagates.
    static func shardSpec(vtk: JSON, shard: KeyRange, template: JSON) -> JSON {
        var spec = template.isNull ? [:] : template
        spec["keyRange"] = nil
        if spec["tabletPools"].isNull { spec["tabletPools"] = [] }
        let keyspace = vtk["spec"]
        spec["name"] = .string(shard.description)
        spec["keyRange"] = ["start": .string(shard.start), "end": .string(shard.end)]
        spec["globalLockserver"] = keyspace["globalLockserver"]
        spec["vitessOrchestrator"] = defaultedOrchestrator(keyspace["vitessOrchestrator"])
        spec["images"] = keyspace["images"]
        spec["imagePullPolicies"] = keyspace["imagePullPolicies"]
        spec["imagePullSecrets"] = keyspace["imagePullSecrets"]
        spec["databaseName"] = keyspace["databaseName"]
        spec["zoneMap"] = keyspace["zoneMap"]
        spec["backupLocations"] = keyspace["backupLocations"]
        spec["backupEngine"] = keyspace["backupEngine"]
        spec["extraVitessFlags"] = keyspace["extraVitessFlags"]
        spec["topologyReconciliation"] = keyspace["topologyReconciliation"]
        spec["updateStrategy"] = keyspace["updateStrategy"]
        return spec
    }

    /// `DefaultVitessOrchestrator`, applied by the keyspace controller to the VitessKeyspace it reads
    /// (`vitesskeyspace_controller.go`): vtorc is mandatory, so an absent spec becomes `{}`, with requests of
    /// 100m CPU and 128Mi memory and a 128Mi memory limit where none are given.
    static func defaultedOrchestrator(_ spec: JSON) -> JSON {
        var vtorc = spec.isNull ? [:] : spec
        if (vtorc[path: ["resources", "requests"]].object ?? [:]).isEmpty {
            vtorc[path: ["resources", "requests"]] = ["cpu": "100m", "memory": "128Mi"]
        }
        if (vtorc[path: ["resources", "limits"]].object ?? [:]).isEmpty {
            vtorc[path: ["resources", "limits"]] = ["memory": "128Mi"]
        }
        return vtorc
    }

    /// The cells that get a vtorc Deployment (`vtorcSpecs`): one per cell with a `replica` pool, in pool order
    /// (the shard spec always has the defaulted `vitessOrchestrator`).
    static func vtorcCells(shardSpec: JSON) -> [String] {
        guard !shardSpec["vitessOrchestrator"].isNull else { return [] }
        var cells: [String] = []
        for pool in shardSpec["tabletPools"].array ?? [] where pool["type"].string ?? "replica" == "replica" {
            if let cell = pool["cell"].string, !cells.contains(cell) { cells.append(cell) }
        }
        return cells
    }

    /// The shards of a keyspace spec (`ShardTemplates`): every partitioning's shards, a later partitioning's
    /// shard replacing an earlier one with the same key range, in first-seen order.
    static func shards(keyspace: JSON) -> [(range: KeyRange, template: JSON)] {
        var order: [KeyRange] = []
        var templates: [KeyRange: JSON] = [:]
        for partitioning in keyspace["partitionings"].array ?? [] {
            for shard in FixtureExpansion.shards(of: partitioning) {
                guard let range = KeyRange(shard.name) else { continue }
                if templates[range] == nil { order.append(range) }
                templates[range] = shard.template
            }
        }
        return order.map { ($0, templates[$0] ?? [:]) }
    }

    /// The etcd image of the global lockserver.
    static func etcdImage(_ vt: JSON) -> String {
        vt[path: ["spec", "globalLockserver", "etcd", "image"]].string ?? "quay.io/coreos/etcd:v3.5.17"
    }

    /// The cells whose VitessCell asks for a cell-local etcd (`cells[].lockserver.etcd`), with its image.
    static func localEtcdCells(_ vt: JSON) -> [(cell: String, image: String)] {
        (vt[path: ["spec", "cells"]].array ?? []).compactMap { cell in
            guard let name = cell["name"].string, !cell[path: ["lockserver", "etcd"]].isNull else { return nil }
            return (name, cell[path: ["lockserver", "etcd", "image"]].string ?? "quay.io/coreos/etcd:v3.5.17")
        }
    }

    /// The cells that get a vtctld Deployment: `vitessDashboard.cells`, or every cell when that list is empty or
    /// the section is absent (`DefaultVitessDashboard` always fills it in; `reconcile_vtctld.go`).
    static func vtctldCells(_ vt: JSON) -> [String] {
        var defaulted = vt
        if defaulted[path: ["spec", "vitessDashboard"]].isNull { defaulted[path: ["spec", "vitessDashboard"]] = [:] }
        return cellsFor(defaulted, section: "vitessDashboard")
    }

    /// The cells that get a vtadmin Deployment: `vtadmin.cells`, or every cell when empty (`reconcile_vtadmin.go`).
    static func vtadminCells(_ vt: JSON) -> [String] { cellsFor(vt, section: "vtadmin") }

    private static func cellsFor(_ vt: JSON, section: String) -> [String] {
        let spec = vt[path: ["spec", section]]
        guard !spec.isNull else { return [] }
        let all = (vt[path: ["spec", "cells"]].array ?? []).compactMap { $0["name"].string }
        let listed = (spec["cells"].array ?? []).compactMap(\.string)
        return listed.isEmpty ? all : listed.filter(all.contains)
    }

    /// `mysql.UpdateMySQLServerVersion` (`pkg/operator/mysql/mysql.go`): the `mysql_server_version` flag a mysqld
    /// image implies, `TAG-Vitess` when the tag starts like a MySQL version (vitess
    /// `sqlparser.ConvertMySQLVersionToCommentVersion` accepts it), else none.
    static func mysqlServerVersion(mysqldImage: String) -> String? {
        let parts = mysqldImage.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let tag = String(parts[1])
        var fields = 0
        var digits = ""
        for character in tag {
            if character.isASCII, character.isNumber {
                digits.append(character)
            } else if character == "." {
                guard !digits.isEmpty else { return nil }
                digits = ""
                fields += 1
                if fields == 3 { break }
            } else {
                break
            }
        }
        if !digits.isEmpty { fields += 1 }
        return fields == 0 ? nil : "\(tag)-Vitess"
    }

    /// `MysqldImage.Image()`: the first flavour that is set.
    static func mysqldImage(_ images: JSON) -> String {
        for flavour in ["mysql56Compatible", "mysql80Compatible", "mariadbCompatible", "mariadb103Compatible"] {
            if let image = images[path: ["mysqld", flavour]].string, !image.isEmpty { return image }
        }
        return ""
    }

    /// `mysql.DockerImageSafeUpgrade`: whether moving mysqld from `current` to `desired` needs a safe upgrade
    /// (`innodb_fast_shutdown=0` first), or an error for a downgrade the operator refuses. Ported with its quirks:
    /// the minor-downgrade test compares the desired major with the current minor, as upstream does.
    static func safeUpgrade(current: String, desired: String) -> Result<Bool, SafeUpgradeRefusal> {
        if current.isEmpty || desired.isEmpty || current == desired { return .success(false) }
        let currentParts = current.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let desiredParts = desired.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard currentParts.count == 2, desiredParts.count == 2 else { return .success(false) }
        func version(_ tag: Substring) -> [Int]? {
            guard let match = tag.firstMatch(of: /^(\d+)\.(\d+)\.(\d+)/) else { return nil }
            return [Int(match.1) ?? 0, Int(match.2) ?? 0, Int(match.3) ?? 0]
        }
        guard let cur = version(currentParts[1]), let dst = version(desiredParts[1]) else { return .success(true) }
        if cur == dst { return .success(false) }
        let currentTag = String(currentParts[1])
        let desiredTag = String(desiredParts[1])
        if dst[0] < cur[0] {
            return .failure(.init(message: "cannot downgrade major version from \(currentTag) to \(desiredTag)"))
        }
        if dst[0] == cur[1] && dst[1] < cur[1] {
            return .failure(.init(message: "cannot downgrade minor version from \(currentTag) to \(desiredTag)"))
        }
        if dst[0] == 8 && dst[1] == 0 && cur[0] == 8 && cur[1] == 0 {
            if dst[2] >= 34 && cur[2] >= 34 { return .success(false) }
            if dst[2] < cur[2] {
                return .failure(.init(message: "cannot downgrade patch version from \(currentTag) to \(desiredTag)"))
            }
            return .success(dst[2] != cur[2])
        }
        return .success(dst[0] != cur[0] || dst[1] != cur[1])
    }

    /// Why the operator refuses a mysqld image change.
    struct SafeUpgradeRefusal: Error, Equatable {
        /// The operator's error text.
        var message: String
    }
}
