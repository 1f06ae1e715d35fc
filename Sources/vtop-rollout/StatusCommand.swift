import ArgumentParser
import Foundation
import KubeClient
import RolloutEngine
import VitessModel
import Yams

/// `vtop-rollout status`: every pending change, grouped by component, keyspace and shard.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show every pending change of a VitessCluster, grouped by component, keyspace and shard.",
        discussion: """
            Reads the cluster from the kubeconfig (like kubectl), or from a snapshot file made with:
              kubectl get -n NAMESPACE vt,vtc,vtk,vts,pods,deployments,events -o yaml > snapshot.yaml
            The JSON and YAML output follow the schema in docs/status.md.
            """
    )

    @Option(
        help: "Read the cluster from a `kubectl get -o yaml` dump instead of the API server.",
        completion: .file(extensions: ["yaml", "yml", "json"]))
    var snapshot: String?

    @Option(help: "The VitessCluster's name (default: the only one there is).")
    var cluster: String?

    @Option(name: [.short, .customLong("output")], help: "Output format: table, json or yaml.")
    var output: StatusFormat = .table

    @Flag(help: "Print each pending change's scheduled diff under its object.")
    var diff = false

    @Flag(help: "Name what blocks each in-flight object, with the command to inspect or fix it.")
    var explain = false

    @OptionGroup var color: ColorOptions

    @OptionGroup var clusterOptions: ClusterOptions

    func run() async throws {
        let inventory: Inventory
        if let snapshot {
            inventory = try SnapshotInventory.load(
                path: snapshot, cluster: cluster, namespace: clusterOptions.namespace)
        } else {
            let (objects, namespace) = try await clusterOptions.objects()
            inventory = try SnapshotInventory.build(
                objects, source: "namespace '\(namespace)'", cluster: cluster,
                namespace: namespace)
        }
        let report = StatusReport(inventory)
        switch output {
        case .table:
            let renderer = StatusRenderer(
                color: color.useColor(environment: ProcessInfo.processInfo.environment), diff: diff, explain: explain)
            print(renderer.render(report), terminator: "")
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        case .yaml:
            let encoder = YAMLEncoder()
            encoder.options.sortKeys = true
            print(try encoder.encode(report), terminator: "")
        }
    }
}

/// Output formats of `status`.
enum StatusFormat: String, ExpressibleByArgument, CaseIterable {
    case table
    case json
    case yaml
}
