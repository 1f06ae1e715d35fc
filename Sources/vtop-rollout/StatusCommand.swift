import ArgumentParser
import Foundation
import KubeClient
import RolloutEngine
import RolloutRuntime
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

    @Flag(help: "Keep running and redraw whenever the cluster changes (driven by watch events).")
    var watch = false

    @OptionGroup var color: ColorOptions

    @OptionGroup var clusterOptions: ClusterOptions

    func validate() throws {
        if watch && snapshot != nil {
            throw ValidationError("--watch reads the live cluster; it cannot follow a snapshot")
        }
        if watch && output != .table { throw ValidationError("--watch redraws the table; drop -o") }
    }

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
        if watch { return try await follow(first: inventory) }
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

extension StatusCommand {
    /// Redraws on every batch of watch events: the whole screen on a terminal, a new block otherwise.
    func follow(first: Inventory) async throws {
        let client = try clusterOptions.connect()
        let environment = ProcessInfo.processInfo.environment
        let renderer = StatusRenderer(color: color.useColor(environment: environment), diff: diff, explain: explain)
        let terminal = isatty(STDOUT_FILENO) == 1
        let changes = ClusterChanges(api: client, cluster: first.cluster.name, namespace: first.cluster.namespace)
        let (ticks, stop) = changes.start()
        defer { stop() }
        var last = ""
        var inventory = first
        var iterator = ticks.makeAsyncIterator()
        while true {
            let text = renderer.render(StatusReport(inventory))
            if text != last {
                if terminal {
                    print("\u{1B}[H\u{1B}[2J", terminator: "")
                } else if !last.isEmpty {
                    print("---")
                }
                print(text, terminator: "")
                fflush(nil)  // all streams: standard output without touching the global
                last = text
            }
            guard await iterator.next() != nil else { return }
            do {
                inventory = try await InventoryLoader.inventory(
                    from: client, cluster: first.cluster.name,
                    namespace: first.cluster.namespace)
            } catch {
                throw CommandFailure(message: "\(error)", code: Exit.failed)
            }
        }
    }
}

/// Output formats of `status`.
enum StatusFormat: String, ExpressibleByArgument, CaseIterable {
    case table
    case json
    case yaml
}
