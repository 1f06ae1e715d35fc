import Foundation

/// Splits a byte stream into newline-terminated lines, keeping a partial line until its end arrives,
/// so an event split across network chunks decodes whole.
struct LineSplitter {
    private var buffer = Data()

    /// Adds a chunk and returns the complete, non-empty lines it finished.
    mutating func append(_ chunk: Data) -> [Data] {
        buffer.append(chunk)
        var lines: [Data] = []
        while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
            var line = buffer[buffer.startIndex..<newline]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if !line.isEmpty { lines.append(Data(line)) }
            buffer = Data(buffer[buffer.index(after: newline)...])
        }
        return lines
    }
}

/// Decodes one watch line (`{"type": ..., "object": ...}`).
enum WatchEventDecoding {
    /// What one watch line means for the watch loop.
    enum Outcome {
        case event(WatchEvent, resourceVersion: String?)
        case expired
        case failure(status: Int, body: Data)
    }

    /// Decodes one line; a 410 `ERROR` event becomes `.expired` so the caller relists.
    static func decode(_ line: Data) throws -> Outcome {
        guard let json = try? JSONValue(data: line), let type = json["type"]?.stringValue, let object = json["object"]
        else {
            throw KubeError.malformedResponse("a watch event is not valid JSON")
        }
        let kubeObject = KubeObject(object)
        switch type {
        case "ADDED": return .event(.added(kubeObject), resourceVersion: kubeObject.resourceVersion)
        case "MODIFIED": return .event(.modified(kubeObject), resourceVersion: kubeObject.resourceVersion)
        case "DELETED": return .event(.deleted(kubeObject), resourceVersion: kubeObject.resourceVersion)
        case "BOOKMARK":
            let version = kubeObject.resourceVersion ?? ""
            return .event(.bookmark(resourceVersion: version), resourceVersion: version)
        case "ERROR":
            let code = Int(object["code"]?.integerValue ?? 500)
            if code == 410 { return .expired }
            return .failure(status: code, body: object.encoded())
        default:
            throw KubeError.malformedResponse("unknown watch event type '\(type)'")
        }
    }
}
