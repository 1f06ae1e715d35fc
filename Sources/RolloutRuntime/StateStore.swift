import Foundation
import KubeClient
import RolloutEngine

/// Where a run's checkpoint lives.
public protocol StateStore: Sendable {
    /// Where, for messages: a path or `configmap:NS/NAME`.
    var location: String { get }
    /// The saved state, or nil when there is none yet. Throws `StateError` when it is unreadable.
    func load() async throws -> RunState?
    /// Replaces the saved state. Never leaves a half-written document behind.
    func save(_ state: RunState) async throws
}

/// Parses `--state`: a file path, or `configmap:NS/NAME`.
public enum StateLocation {
    /// The store for `text`, or the default file for a plan.
    public static func store(_ text: String?, planName: String, api: (any ClusterAPI)?) throws -> any StateStore {
        guard let text else { return FileStateStore(path: defaultPath(planName: planName)) }
        if text.hasPrefix("configmap:") {
            let rest = text.dropFirst("configmap:".count).split(separator: "/", omittingEmptySubsequences: false)
            guard rest.count == 2, !rest[0].isEmpty, !rest[1].isEmpty else {
                throw StateError("--state \(text): expected configmap:NAMESPACE/NAME")
            }
            guard let api else { throw StateError("--state \(text) needs a cluster connection") }
            return ConfigMapStateStore(api: api, namespace: String(rest[0]), name: String(rest[1]))
        }
        return FileStateStore(path: text)
    }

    /// `./NAME.vtop-state.json`: next to where the plan is applied, named after `metadata.name`.
    public static func defaultPath(planName: String) -> String { "\(planName).vtop-state.json" }
}

/// A state file: written to a temporary file in the same directory, fsynced, renamed over the old
/// one, and the directory fsynced, so a crash leaves the old document or the new one, never a mix.
/// The file is created with mode 0600: it names the cluster and the plan.
public struct FileStateStore: StateStore {
    /// The path.
    public let path: String

    /// Creates a store.
    public init(path: String) { self.path = path }

    /// The path.
    public var location: String { path }

    /// Reads the file; nil when it does not exist. Temporary files left by a run killed mid-write
    /// are removed first.
    public func load() async throws -> RunState? {
        Self.removeStaleTemporaries(of: path)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw StateError("cannot read the state file \(path): \(error.localizedDescription)")
        }
        do {
            return try RunStateCoding.decode(data)
        } catch let error as StateError {
            throw StateError("the state file \(path) cannot be used: \(error.description)")
        }
    }

    /// Writes atomically.
    public func save(_ state: RunState) async throws {
        try Self.write(try RunStateCoding.encode(state), to: path)
    }

    /// Removes `.NAME.PID.tmp` next to `path` when process PID no longer exists: what a `kill -9`
    /// during a write leaves. A live process's file (another command writing now) is left alone.
    static func removeStaleTemporaries(of path: String) {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let prefix = ".\(url.lastPathComponent)."
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory)
        else { return }
        for name in names where name.hasPrefix(prefix) && name.hasSuffix(".tmp") {
            guard let pid = Int32(name.dropFirst(prefix.count).dropLast(".tmp".count)), pid > 0 else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { unlink("\(directory)/\(name)") }
        }
    }

    /// The atomic write: temp file (0600), fsync, rename, fsync of the directory.
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let temporary = "\(directory)/.\(url.lastPathComponent).\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StateError("cannot write \(temporary): \(String(cString: strerror(errno)))") }
        var failed: String?
        data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failed = String(cString: strerror(errno))
                    return
                }
                offset += written
            }
        }
        if failed == nil, fsync(fd) != 0 { failed = String(cString: strerror(errno)) }
        // An existing file keeps its mode on rename only if we set it: make sure it is 0600.
        fchmod(fd, 0o600)
        close(fd)
        if let failed {
            unlink(temporary)
            throw StateError("cannot write \(temporary): \(failed)")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw StateError("cannot replace \(path): \(reason)")
        }
        let dirfd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirfd >= 0 {
            fsync(dirfd)
            close(dirfd)
        }
    }
}

/// State in a ConfigMap (key `state.json`), for runs inside the cluster. Every write is a
/// compare-and-swap on `resourceVersion`: two runs cannot silently overwrite each other.
public actor ConfigMapStateStore: StateStore {
    /// The cluster.
    public nonisolated let api: any ClusterAPI
    /// The ConfigMap's namespace.
    public nonisolated let namespace: String
    /// The ConfigMap's name.
    public nonisolated let name: String
    private var resourceVersion: String?
    private var exists = false

    /// ConfigMaps hold at most 1 MiB; the state of a very large graph may not fit.
    public static let limit = 1_000_000

    /// Creates a store.
    public init(api: any ClusterAPI, namespace: String, name: String) {
        self.api = api
        self.namespace = namespace
        self.name = name
    }

    /// `configmap:NS/NAME`.
    public nonisolated var location: String { "configmap:\(namespace)/\(name)" }

    /// Reads the ConfigMap; nil when it does not exist.
    public func load() async throws -> RunState? {
        let object: KubeObject
        do {
            object = try await api.get(.configMap, namespace: namespace, name: name)
        } catch KubeError.notFound {
            exists = false
            return nil
        }
        exists = true
        resourceVersion = object.resourceVersion
        guard let text = object.json["data"]?["state.json"]?.stringValue else {
            throw StateError("ConfigMap \(namespace)/\(name) has no data key state.json")
        }
        do {
            return try RunStateCoding.decode(Data(text.utf8))
        } catch let error as StateError {
            throw StateError("the state in ConfigMap \(namespace)/\(name) cannot be used: \(error.description)")
        }
    }

    /// Creates or replaces the ConfigMap, refusing to overwrite a newer version.
    public func save(_ state: RunState) async throws {
        let text = String(decoding: try RunStateCoding.encode(state), as: UTF8.self)
        guard text.utf8.count < Self.limit else {
            throw StateError(
                "the state is \(text.utf8.count) bytes, more than a ConfigMap holds (1 MiB); use a state file")
        }
        var metadata: [String: JSONValue] = [
            "name": .string(name), "namespace": .string(namespace),
            "labels": .object(["app.kubernetes.io/managed-by": "vtop-rollout"]),
        ]
        if let resourceVersion { metadata["resourceVersion"] = .string(resourceVersion) }
        let object = KubeObject(
            .object([
                "apiVersion": "v1", "kind": "ConfigMap", "metadata": .object(metadata),
                "data": .object(["state.json": .string(text)]),
            ]))
        do {
            let written =
                exists
                ? try await api.update(.configMap, namespace: namespace, object: object)
                : try await api.create(.configMap, namespace: namespace, object: object)
            exists = true
            resourceVersion = written.resourceVersion
        } catch KubeError.conflict {
            throw StateError(
                "ConfigMap \(namespace)/\(name) was changed by someone else since this run read it; "
                    + "another run may be using the same state")
        } catch KubeError.alreadyExists {
            throw StateError(
                "ConfigMap \(namespace)/\(name) appeared while this run was starting; another run may own it")
        }
    }
}
