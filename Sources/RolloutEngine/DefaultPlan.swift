import VitessModel

/// The built-in plan `vtop-rollout finish` runs: release everything still pending, in the safe
/// default order (`plan show --default` prints it).
///
/// 1. keyspaces and shards, so every tablet shows its pending change;
/// 2. tablets, one per shard, primary last, `shards` shards at a time;
/// 3. the vtorc, vtctld and vtadmin Deployments;
/// 4. cells, so vtgate rolls after the tablets (vitess-operator#672);
/// 5. etcd members, one at a time.
///
/// Given an inventory, stages with nothing to release are left out, so the plan never carries a
/// selector that matches nothing.
public enum DefaultPlan {
    /// The stage names, in order.
    public static let stageNames = ["keyspaces-and-shards", "tablets", "control-plane", "cells", "etcd"]

    /// The stages that have something to release in `inventory`.
    public static func stages(for inventory: Inventory) -> [String] {
        let keyspaces = Set(inventory.keyspaces.filter(\.marks.isPending).map(\.name))
        let shards = inventory.shards.filter { $0.marks.isPending || keyspaces.contains($0.keyspace) }
        let shardIDs = Set(shards.map(\.id))
        var names: [String] = []
        if !shards.isEmpty { names.append("keyspaces-and-shards") }
        if inventory.shards.contains(where: { shard in
            shard.tablets.contains { $0.marks.isPending } || (shardIDs.contains(shard.id) && !shard.tablets.isEmpty)
        }) {
            names.append("tablets")
        }
        if inventory.deployments.contains(where: { $0.component != "vtgate" && $0.marks.isPending })
            || !shards.isEmpty && inventory.deployments.contains(where: { $0.component == "vtorc" })
        {
            names.append("control-plane")
        }
        if inventory.cells.contains(where: \.marks.isPending) { names.append("cells") }
        if inventory.etcdMembers.contains(where: \.marks.isPending) { names.append("etcd") }
        return names
    }

    /// How many shards roll at once unless `--max-shards` says otherwise.
    public static let defaultShards = 4

    /// How a run's state names the built-in plan: `builtin:STAGE,STAGE;shards=N`.
    public static let pathPrefix = "builtin:"

    /// The state's `plan.path` for the built-in plan with these stages and shards.
    public static func path(stages: [String], shards: Int) -> String {
        "\(pathPrefix)\(stages.joined(separator: ","));shards=\(shards)"
    }

    /// The stages and shards a state's `plan.path` records, so that `finish --resume` rebuilds the
    /// same text; nil when the path is not the built-in plan's. Shards are nil when not recorded.
    public static func parse(path: String) -> (stages: [String], shards: Int?)? {
        guard path.hasPrefix(pathPrefix) else { return nil }
        let parts = path.dropFirst(pathPrefix.count).split(separator: ";", omittingEmptySubsequences: false)
        let stages = parts.first.map { $0.split(separator: ",").map(String.init) } ?? []
        guard !stages.isEmpty, stages.allSatisfy(stageNames.contains) else { return nil }
        let shards = parts.dropFirst().first { $0.hasPrefix("shards=") }.flatMap { Int($0.dropFirst("shards=".count)) }
        return (stages, shards)
    }

    /// The plan's YAML for a cluster.
    public static func text(
        cluster: String, namespace: String, shards: Int = defaultShards, only: [String] = stageNames
    ) -> String {
        let stages: [String: String] = [
            "keyspaces-and-shards": """
                - name: keyspaces-and-shards
                  description: Every pending VitessKeyspace, then its VitessShards.
                  release: shards
            """,
            "tablets": """
                - name: tablets
                  description: One tablet per shard, the primary last, \(shards) shards at a time.
                  release: tablets
                  maxConcurrent: {shards: \(shards)}
                  healthChecks:
                    - shardHealthy: {}
            """,
            "control-plane": """
                - name: control-plane
                  description: The vtorc, vtctld and vtadmin Deployments.
                  release: deployments
            """,
            "cells": """
                - name: cells
                  description: The VitessCells, so vtgate rolls after every tablet.
                  release: cells
            """,
            "etcd": """
                - name: etcd
                  description: etcd members, one at a time.
                  release: etcdMembers
            """,
        ]
        let body = stageNames.filter(only.contains).compactMap { stages[$0] }.joined(separator: "\n")
        return """
            # The built-in plan of `vtop-rollout finish`: everything still pending, in the safe default order.
            apiVersion: vtop-rollout/v1
            kind: RolloutPlan
            metadata:
              name: finish-\(cluster)
              description: Release every pending change of VitessCluster \(cluster), in the safe default order.
            spec:
              cluster: \(cluster)
              namespace: \(namespace)
              defaults:
                timeout: 30m
                onFailure: pause
                healthChecks:
                  - tabletAvailable: {}
              stages:
            \(body)

            """
    }
}
