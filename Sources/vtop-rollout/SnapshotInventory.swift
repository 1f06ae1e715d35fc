import ArgumentParser
import Foundation
import VitessModel

/// Loads an inventory from a snapshot file: the shell half of offline status and planning.
enum SnapshotInventory {
    /// Reads, decodes and builds; every failure becomes a one-line message and exit code 2.
    static func load(path: String, cluster: String?, namespace: String?) throws -> Inventory {
        try build(try Self.objects(path: path), source: path, cluster: cluster, namespace: namespace)
    }

    /// Picks the cluster (the only one, unless named) and builds its inventory.
    static func build(_ objects: ClusterObjects, source path: String, cluster: String?, namespace: String?) throws
        -> Inventory
    {
        let candidates = objects.clusters.filter { namespace == nil || $0.metadata.namespace == namespace }
        guard let name = cluster ?? (candidates.count == 1 ? candidates[0].metadata.name : nil) else {
            let names = candidates.map(\.metadata.name).sorted()
            let message =
                names.isEmpty
                ? "\(path) holds no VitessCluster\(namespace.map { " in namespace '\($0)'" } ?? "")"
                : "\(path) holds several VitessClusters (\(names.joined(separator: ", "))); choose one with --cluster"
            throw CommandFailure(message: message, code: Exit.invalidInput)
        }
        switch Inventory.build(cluster: name, namespace: namespace, from: objects) {
        case .success(let inventory): return inventory
        case .failure(let error): throw CommandFailure(message: error.description, code: Exit.invalidInput)
        }
    }
}

extension SnapshotInventory {
    /// Reads and decodes a snapshot file.
    static func objects(path: String) throws -> ClusterObjects {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure(message: "cannot read snapshot '\(path)'", code: Exit.invalidInput)
        }
        do {
            return try ClusterSnapshot.parse(String(decoding: data, as: UTF8.self))
        } catch {
            throw CommandFailure(message: "\(path): \(error.description)", code: Exit.invalidInput)
        }
    }
}

/// A failure the user can act on: printed as `error: MESSAGE` on standard error, then the exit code.
struct CommandFailure: Error, CustomStringConvertible {
    /// The message.
    let message: String
    /// The exit code.
    let code: ExitCode

    var description: String { message }
}
