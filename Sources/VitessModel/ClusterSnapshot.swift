import Yams

/// Reads a snapshot file: the output of `kubectl get -o yaml` (a `kind: List`, one object, or
/// several YAML documents) covering the kinds an inventory needs. JSON works too (`-o json`).
///
/// Make one with docs/snapshots.md's command. Objects of other kinds are skipped.
public enum ClusterSnapshot {
    /// Why a snapshot could not be read.
    public struct ReadError: Error, Sendable, CustomStringConvertible {
        /// What went wrong, with the document and item where known.
        public let description: String
    }

    /// Decodes every supported object in the text.
    public static func parse(_ text: String) throws(ReadError) -> ClusterObjects {
        var objects = ClusterObjects()
        var documents: [Node] = []
        do {
            // Parser.nextRoot, not compose_all: the latter's sequence drops parse errors.
            let parser = try Parser(yaml: text)
            while let node = try parser.nextRoot() { documents.append(node) }
        } catch {
            throw ReadError(description: "the snapshot is not valid YAML or JSON: \(error)")
        }
        let decoder = YAMLDecoder()
        for (number, document) in documents.enumerated() {
            let entries: [Node]
            if document["kind"]?.string == "List" || (document["kind"] == nil && document["items"] != nil) {
                entries = document["items"]?.array() ?? []
            } else {
                entries = [document]
            }
            for (index, entry) in entries.enumerated() {
                do {
                    try add(entry, to: &objects, decoder: decoder)
                } catch {
                    let name = entry["metadata"]?["name"]?.string ?? "?"
                    let kind = entry["kind"]?.string ?? "?"
                    throw ReadError(
                        description: "document \(number + 1), item \(index + 1) (\(kind) '\(name)') does not decode: "
                            + Self.describe(error))
                }
            }
        }
        return objects
    }

    private static func add(_ node: Node, to objects: inout ClusterObjects, decoder: YAMLDecoder) throws {
        switch node["kind"]?.string {
        case "VitessCluster": objects.clusters.append(try decoder.decode(from: node))
        case "VitessCell": objects.cells.append(try decoder.decode(from: node))
        case "VitessKeyspace": objects.keyspaces.append(try decoder.decode(from: node))
        case "VitessShard": objects.shards.append(try decoder.decode(from: node))
        case "Pod": objects.pods.append(try decoder.decode(from: node))
        case "Deployment": objects.deployments.append(try decoder.decode(from: node))
        case "Event": objects.events.append(try decoder.decode(from: node))
        default: break
        }
    }

    private static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing '\(path(context.codingPath + [key]))'"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
            DecodingError.dataCorrupted(let context):
            return "'\(path(context.codingPath))': \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }

    private static func path(_ keys: [CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingPrefix(".").description
    }
}
