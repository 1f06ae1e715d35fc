import ArgumentParser
import Foundation
import KubeClient
import RolloutRuntime
import VitessModel

/// kubectl's global flags: which cluster, as whom, in which namespace.
struct ClusterOptions: ParsableArguments {
    @Option(
        help: "The kubeconfig file (default: KUBECONFIG, then ~/.kube/config, then in-cluster).",
        completion: .file())
    var kubeconfig: String?

    @Option(help: "The kubeconfig context.")
    var context: String?

    @Option(name: [.short, .customLong("namespace")], help: "The namespace (default: the context's).")
    var namespace: String?

    @Flag(name: .short, help: "Log each API request (method, URL, status, latency) on standard error.")
    var verbose = false

    /// Connects with these flags; configuration problems become one-line failures.
    func connect(namespace override: String? = nil) throws -> KubeClient {
        do {
            return try KubeClient.connect(
                options: ConnectionOptions(kubeconfig: kubeconfig, context: context, namespace: namespace ?? override),
                verbose: verbose)
        } catch {
            throw CommandFailure(message: "\(error)", code: Exit.failed)
        }
    }

    /// Lists the objects an inventory needs from the API server.
    func objects(namespace override: String? = nil) async throws -> (ClusterObjects, namespace: String) {
        let client = try connect(namespace: override)
        let namespace = client.defaultNamespace
        do {
            return (try await InventoryLoader.objects(from: client, namespace: namespace), namespace)
        } catch let error as CommandFailure {
            throw error
        } catch {
            throw CommandFailure(message: "\(error)", code: Exit.failed)
        }
    }
}
