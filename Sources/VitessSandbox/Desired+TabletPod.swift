import VitessModel

/// The tablet Pods a VitessShard asks for, whole, as `vitessshard/reconcile_tablets.go` (`tabletSpecs`) and
/// `pkg/operator/vttablet/pod.go` (`UpdatePod`) build them: labels and the observed-generation stamp are applied
/// in place; everything else (containers, init containers, args, env, annotations, affinity, tolerations, the
/// grace period) is compared as a whole and held back as a rolling recreate.
extension Desired {
    /// One desired tablet of a shard.
    struct Tablet: Sendable {
        /// The tablet's alias.
        var alias: TabletAlias
        /// The pool type.
        var pool: TabletPoolType
        /// 1-based index in its pool.
        var index: Int
        /// The Pod's name.
        var podName: String
        /// The labels the operator keeps in place.
        var labels: [String: String]
        /// The tablet pool's spec.
        var poolSpec: JSON = [:]
    }

    /// The fields of a tablet Pod the operator owns: `metadata.annotations` (only the keys it sets, since
    /// `update.Annotations` never removes any) and `spec`.
    struct TabletPodShape: Sendable, Equatable {
        /// Annotations the operator sets.
        var annotations: [String: String]
        /// The Pod spec.
        var spec: JSON

        /// The comparable document: `{metadata: {annotations}, spec}`.
        var document: JSON { ["metadata": ["annotations": .map(annotations)], "spec": spec] }

        /// The same shape read from a stored Pod: the annotations this shape sets and the spec fields it has.
        func current(in pod: JSON) -> TabletPodShape {
            let stored = pod[path: ["metadata", "annotations"]].stringMap
            var specFields: [String: JSON] = [:]
            for key in spec.object.map({ Array($0.keys) }) ?? [] { specFields[key] = pod[path: ["spec", key]] }
            return TabletPodShape(
                annotations: stored.filter { annotations[$0.key] != nil }, spec: .object(specFields.compactMapValues {
                    $0.isNull ? nil : $0
                }))
        }
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

    /// The init tablet type a pool's tablets start as (`InitTabletType`): external primaries start SPARE.
    static func initTabletType(_ pool: TabletPoolType) -> String {
        switch pool {
        case .replica, .externalreplica: "replica"
        case .rdonly, .externalrdonly: "rdonly"
        case .externalmaster: "spare"
        }
    }

    /// The whole desired shape of one tablet Pod from its shard's spec.
    static func tabletPodShape(_ tablet: Tablet, keyspace: String, shardSpec: JSON) -> TabletPodShape {
        let pool = tablet.poolSpec
        let images = shardSpec["images"]
        let external = !pool["externalDatastore"].isNull
        let mysqld = Desired.mysqldImage(images)

        // vttablet flags: the operator's own, then extraVitessFlags, then the pool's extraFlags (last wins).
        let lockserver = shardSpec["globalLockserver"]
        var flags: [String: String] = [
            "logtostderr": "true", "topo_implementation": lockserver["implementation"].string ?? "etcd2",
            "topo_global_server_address": lockserver["address"].string ?? "",
            "topo_global_root": lockserver["rootPath"].string ?? "",
            "grpc_max_message_size": "67108864",
            "service_map": "grpc-queryservice,grpc-tabletmanager,grpc-updatestream", "port": "15000",
            "grpc_port": "15999", "tablet-path": tablet.alias.description, "tablet_hostname": "$(POD_IP)",
            "init_keyspace": keyspace, "init_shard": shardSpec["name"].string ?? "-",
            "init_tablet_type": initTabletType(tablet.pool), "health_check_interval": "5s",
            "queryserver-config-max-result-size": "100000", "queryserver-config-query-timeout": "900s",
            "queryserver-config-pool-size": "96", "queryserver-config-stream-pool-size": "96",
            "queryserver-config-transaction-cap": "300",
        ]
        // Datastore flags (`vttablet/datastore.go`): local MySQL polls replication (`enable_replication_reporter`),
        // an external datastore does not.
        if external {
            flags["unmanaged"] = "true"
            flags["enable_replication_reporter"] = "false"
            flags["db_host"] = pool[path: ["externalDatastore", "host"]].string ?? ""
            flags["init_db_name_override"] = pool[path: ["externalDatastore", "database"]].string ?? ""
        } else {
            flags["enable_replication_reporter"] = "true"
            flags["enforce_strict_trans_tables"] = "true"
            flags["init_db_name_override"] = "vt_\(shardSpec["databaseName"].string ?? keyspace)"
            flags["mysqlctl_socket"] = "/vt/socket/mysqlctl.sock"
            flags["mycnf_socket_file"] = "/vt/socket/mysql.sock"
        }
        var extraFlags = shardSpec["extraVitessFlags"].stringMap
        extraFlags.merge(pool[path: ["vttablet", "extraFlags"]].stringMap) { _, pool in pool }
        for (key, value) in extraFlags { flags[String(key.drop(while: { $0 == "-" }))] = value }
        if flags["builtinbackup-incremental-restore-path"] == nil {
            flags["builtinbackup-incremental-restore-path"] = "/vt/vtdataroot"
        }
        if let version = mysqlServerVersion(mysqldImage: mysqld) { flags["mysql_server_version"] = version }

        var env: [JSON] = [["name": "POD_IP", "valueFrom": ["fieldRef": ["fieldPath": "status.podIP"]]]]
        for extra in pool["extraEnv"].array ?? [] {
            env.removeAll { $0["name"] == extra["name"] }
            env.append(extra)
        }
        let vttabletResources = pool[path: ["vttablet", "resources"]].isNull ? [:] : pool[path: ["vttablet", "resources"]]
        let rootMount: JSON = ["mountPath": "/vt", "name": "vt-root"]
        var vttablet: JSON = [
            "name": "vttablet", "image": images["vttablet"], "command": ["/vt/bin/vttablet"],
            "args": .array(flags.keys.sorted().map { .string("--\($0)=\(flags[$0]!)") }), "env": .array(env),
            "ports": [
                ["name": "web", "containerPort": 15000, "protocol": "TCP"],
                ["name": "grpc", "containerPort": 15999, "protocol": "TCP"],
            ],
            "readinessProbe": ["httpGet": ["path": "/healthz", "port": "web"], "periodSeconds": 10],
            "resources": vttabletResources, "volumeMounts": [rootMount],
        ]
        vttablet["imagePullPolicy"] = shardSpec[path: ["imagePullPolicies", "vttablet"]]
        var containers: [JSON] = [vttablet]
        var initContainers: [JSON] = [
            [
                "name": "init-vt-root", "image": images["vttablet"], "command": ["bash", "-c"],
                "args": ["set -ex; mkdir -p /mnt/vt/bin; cp --no-clobber /vt/bin/* /mnt/vt/bin/"],
                "resources": vttabletResources, "volumeMounts": [["mountPath": "/mnt/vt", "name": "vt-root"]],
            ]
        ]
        if !external {
            initContainers.append([
                "name": "init-mysql-socket", "image": images["vttablet"], "command": ["bash", "-c"],
                "args": ["set -ex; mkdir -p /vt/vtdataroot/tabletdata; ln -sf /vt/socket/mysql.sock /vt/vtdataroot/mysql.sock"],
                "resources": vttabletResources,
                "volumeMounts": [["mountPath": "/vt/vtdataroot", "name": "persistent-volume-claim"]],
            ])
            var mysqldContainer: JSON = [
                "name": "mysqld", "image": .string(mysqld), "command": ["/vt/bin/mysqlctld"],
                "args": [.string("--tablet_uid=\(tablet.alias.uid)"), "--socket_file=/vt/socket/mysqlctl.sock"],
                "ports": [["name": "mysql", "containerPort": 3306, "protocol": "TCP"]],
                "resources": pool[path: ["mysqld", "resources"]].isNull ? [:] : pool[path: ["mysqld", "resources"]],
                "volumeMounts": [rootMount],
            ]
            mysqldContainer["imagePullPolicy"] = shardSpec[path: ["imagePullPolicies", "mysqld"]]
            containers.append(mysqldContainer)
            if let exporter = images["mysqldExporter"].string, !exporter.isEmpty {
                containers.append([
                    "name": "mysqld-exporter", "image": .string(exporter), "command": ["/bin/mysqld_exporter"],
                    "args": ["--config.my-cnf=/vt/vtdataroot/client.cnf"],
                    "ports": [["name": "metrics", "containerPort": 9104, "protocol": "TCP"]],
                    "resources": [
                        "limits": ["cpu": "100m", "memory": "128Mi"], "requests": ["cpu": "10m", "memory": "32Mi"],
                    ],
                ])
            }
        }
        initContainers += pool["initContainers"].array ?? []
        containers += pool["sidecarContainers"].array ?? []

        var annotations: [String: String] = [DrainAnnotation.supported: "ensure that the tablet is not a primary"]
        annotations.merge(pool["annotations"].stringMap) { _, pool in pool }
        if let overrides = pool[path: ["mysqld", "configOverrides"]].string {
            annotations["planetscale.com/mysqld-config-overrides"] = overrides
        }
        annotations[desiredStateHashAnnotation] = desiredStateHash(
            extraLabels: pool["extraLabels"].stringMap, annotations: pool["annotations"].stringMap,
            containers: containers, initContainers: initContainers, tolerations: pool["tolerations"])

        var spec: JSON = [
            "initContainers": .array(initContainers), "containers": .array(containers),
            "terminationGracePeriodSeconds": .int(
                pool[path: ["vttablet", "terminationGracePeriodSeconds"]].int ?? defaultTabletGracePeriod),
            "affinity": pool["affinity"].isNull ? defaultAffinity(tablet) : pool["affinity"],
            "securityContext": ["fsGroup": 999, "runAsUser": 999],
            "volumes": [["name": "vt-root", "emptyDir": [:]]],
        ]
        spec["tolerations"] = pool["tolerations"]
        spec["imagePullSecrets"] = shardSpec["imagePullSecrets"]
        return TabletPodShape(annotations: annotations, spec: spec)
    }

    /// `vttablet/constants.go` `defaultTerminationGracePeriodSeconds`: 30 minutes.
    static let defaultTabletGracePeriod = 1800

    /// `desiredstatehash.Annotation`.
    static let desiredStateHashAnnotation = "planetscale.com/desired-state-hash"

    /// A hash of what `update.*` would otherwise never remove (`desiredstatehash.Builder`): label and annotation
    /// keys, and per container its volume mount paths and resource keys. It changes when one of those disappears.
    static func desiredStateHash(
        extraLabels: [String: String], annotations: [String: String], containers: [JSON], initContainers: [JSON],
        tolerations: JSON
    ) -> String {
        func containerKeys(_ list: [JSON]) -> String {
            list.map { container in
                let mounts = (container["volumeMounts"].array ?? []).compactMap { $0["mountPath"].string }.sorted()
                let limits = (container[path: ["resources", "limits"]].object ?? [:]).keys.sorted()
                let requests = (container[path: ["resources", "requests"]].object ?? [:]).keys.sorted()
                return "\(container["name"].string ?? ""):\(mounts):\(limits):\(requests)"
            }.sorted().joined(separator: ";")
        }
        let parts = [
            extraLabels.keys.sorted().joined(separator: ","), annotations.keys.sorted().joined(separator: ","),
            containerKeys(containers), containerKeys(initContainers), tolerations.isNull ? "" : tolerations.text,
        ]
        return OperatorNames.hash(parts)
    }

    /// The default anti-affinity (`pod.go`): prefer spreading a shard's tablets over nodes.
    private static func defaultAffinity(_ tablet: Tablet) -> JSON {
        let selector: JSON = [
            "matchLabels": .map(
                tablet.labels.filter {
                    [OperatorLabel.cluster, OperatorLabel.keyspace, OperatorLabel.shard, OperatorLabel.component]
                        .contains($0.key)
                })
        ]
        return [
            "podAntiAffinity": [
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    ["weight": 1, "podAffinityTerm": ["labelSelector": selector, "topologyKey": "kubernetes.io/hostname"]]
                ]
            ]
        ]
    }

    /// A freshly created tablet Pod: labels, the desired shape, the observed-generation stamp, no rollout or drain
    /// state. Its status is set by the caller.
    static func tabletPod(
        _ tablet: Tablet, keyspace: String, shardSpec: JSON, shardGeneration: Int, namespace: String, owner: JSON
    ) -> JSON {
        let shape = tabletPodShape(tablet, keyspace: keyspace, shardSpec: shardSpec)
        var annotations = shape.annotations
        annotations["planetscale.com/observed-shard-generation"] = String(shardGeneration)
        return [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": [
                "name": .string(tablet.podName), "namespace": .string(namespace), "labels": .map(tablet.labels),
                "annotations": .map(annotations), "ownerReferences": owner,
            ],
            "spec": shape.spec,
        ]
    }
}
