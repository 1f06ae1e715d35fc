import Foundation
import KubeClient

/// One run per VitessCluster: a `coordination.k8s.io/v1` Lease named `vtop-rollout-CLUSTER`.
///
/// The holder renews it every `duration / 3`; a crashed run's Lease expires after `duration` and
/// the next run takes it. Every write is a compare-and-swap on `resourceVersion`, so two runs
/// racing for an expired Lease cannot both win. The plan name and hash ride along as annotations.
public actor LeaseLock {
    /// The cluster.
    public nonisolated let api: any ClusterAPI
    /// The Lease's namespace (the VitessCluster's).
    public nonisolated let namespace: String
    /// The Lease's name.
    public nonisolated let name: String
    /// Who holds it: `USER@HOST/PID`.
    public nonisolated let holder: String
    /// How long a Lease lives without renewal.
    public nonisolated let duration: Int
    private var resourceVersion: String?
    private let now: @Sendable () -> Date

    /// Who holds a Lease, for the "locked" message.
    public struct Held: Error, Sendable, CustomStringConvertible, Equatable {
        /// The holder identity.
        public var holder: String
        /// The plan it runs.
        public var plan: String?
        /// Since when it has held the lock.
        public var since: String?
        /// The Lease.
        public var lease: String
        /// What to do about it.
        public var advice = "wait for it to finish, or pass --force-unlock if that run is gone"

        /// The message.
        public var description: String {
            "VitessCluster is locked by \(holder)"
                + (plan.map { " running plan \($0)" } ?? "") + (since.map { " since \($0)" } ?? "")
                + " (Lease \(lease)); \(advice)"
        }
    }

    /// Annotation keys on the Lease.
    public static let planAnnotation = "vtop-rollout.io/plan"
    /// The plan hash.
    public static let hashAnnotation = "vtop-rollout.io/plan-hash"

    /// Creates a lock for `cluster`.
    public init(
        api: any ClusterAPI, namespace: String, cluster: String, holder: String, duration: Int = 60,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.api = api
        self.namespace = namespace
        name = "vtop-rollout-\(cluster)"
        self.holder = holder
        self.duration = duration
        self.now = now
    }

    /// `USER@HOST/PID`.
    public static func defaultHolder(user: String) -> String {
        "\(user)@\(ProcessInfo.processInfo.hostName)/\(getpid())"
    }

    /// Takes the Lease, or throws `Held` when another live run has it. `force` takes it over anyway.
    public func acquire(plan: String, hash: String, force: Bool) async throws {
        let existing: KubeObject?
        do {
            existing = try await api.get(.lease, namespace: namespace, name: name)
        } catch KubeError.notFound {
            existing = nil
        }
        let stamp = Self.microTime(now())
        if let existing {
            let old = existing.json["spec"]
            let current = old?["holderIdentity"]?.stringValue ?? ""
            let renewed = (old?["renewTime"]?.stringValue).flatMap(Self.parse)
            let seconds = (old?["leaseDurationSeconds"]?.integerValue).map(Int.init) ?? duration
            let expired = renewed.map { now().timeIntervalSince($0) > Double(seconds) } ?? true
            if !current.isEmpty, current != holder, !expired, !force {
                throw Held(
                    holder: current, plan: existing.annotations[Self.planAnnotation],
                    since: old?["acquireTime"]?.stringValue, lease: "\(namespace)/\(name)")
            }
            var json = existing.json
            json["spec"] = spec(
                acquired: stamp, renewed: stamp, transitions: Int(old?["leaseTransitions"]?.integerValue ?? 0) + 1)
            json["metadata"]?["annotations"] = .object([
                Self.planAnnotation: .string(plan), Self.hashAnnotation: .string(hash),
            ])
            do {
                resourceVersion = try await api.update(.lease, namespace: namespace, object: KubeObject(json))
                    .resourceVersion
            } catch KubeError.conflict {
                throw Held(holder: "another run", plan: nil, since: nil, lease: "\(namespace)/\(name)")
            }
        } else {
            let object = KubeObject(
                .object([
                    "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                    "metadata": .object([
                        "name": .string(name), "namespace": .string(namespace),
                        "annotations": .object([Self.planAnnotation: .string(plan), Self.hashAnnotation: .string(hash)]
                        ),
                        "labels": .object(["app.kubernetes.io/managed-by": "vtop-rollout"]),
                    ]),
                    "spec": spec(acquired: stamp, renewed: stamp, transitions: 0),
                ]))
            do {
                resourceVersion = try await api.create(.lease, namespace: namespace, object: object).resourceVersion
            } catch KubeError.alreadyExists {
                throw Held(holder: "another run", plan: nil, since: nil, lease: "\(namespace)/\(name)")
            }
        }
    }

    /// The live run holding the Lease, if any: a non-empty holder whose renewal has not expired. Reads only.
    public func liveHolder() async throws -> Held? {
        let existing: KubeObject
        do {
            existing = try await api.get(.lease, namespace: namespace, name: name)
        } catch KubeError.notFound {
            return nil
        }
        let spec = existing.json["spec"]
        let current = spec?["holderIdentity"]?.stringValue ?? ""
        let renewed = (spec?["renewTime"]?.stringValue).flatMap(Self.parse)
        let seconds = (spec?["leaseDurationSeconds"]?.integerValue).map(Int.init) ?? duration
        let expired = renewed.map { now().timeIntervalSince($0) > Double(seconds) } ?? true
        guard !current.isEmpty, current != holder, !expired else { return nil }
        return Held(
            holder: current, plan: existing.annotations[Self.planAnnotation], since: spec?["acquireTime"]?.stringValue,
            lease: "\(namespace)/\(name)")
    }

    /// Renews the Lease. Throws `Held` when someone else took it over (`--force-unlock`).
    public func renew() async throws {
        var json = try await api.get(.lease, namespace: namespace, name: name).json
        let current = json["spec"]?["holderIdentity"]?.stringValue ?? ""
        guard current == holder else {
            throw Held(
                holder: current, plan: nil, since: json["spec"]?["acquireTime"]?.stringValue,
                lease: "\(namespace)/\(name)")
        }
        json["spec"]?["renewTime"] = .string(Self.microTime(now()))
        do {
            resourceVersion = try await api.update(.lease, namespace: namespace, object: KubeObject(json))
                .resourceVersion
        } catch KubeError.conflict {
            throw Held(holder: "another run", plan: nil, since: nil, lease: "\(namespace)/\(name)")
        }
    }

    /// Gives the Lease up, if still held: the next run need not wait for it to expire.
    public func release() async {
        guard var json = try? await api.get(.lease, namespace: namespace, name: name).json,
            json["spec"]?["holderIdentity"]?.stringValue == holder
        else { return }
        json["spec"]?["holderIdentity"] = .string("")
        json["spec"]?["renewTime"] = nil
        _ = try? await api.update(.lease, namespace: namespace, object: KubeObject(json))
    }

    private func spec(acquired: String, renewed: String, transitions: Int) -> JSONValue {
        .object([
            "holderIdentity": .string(holder), "leaseDurationSeconds": .integer(Int64(duration)),
            "acquireTime": .string(acquired), "renewTime": .string(renewed),
            "leaseTransitions": .integer(Int64(transitions)),
        ])
    }

    /// Kubernetes MicroTime: `2026-11-22T18:00:00.000000Z`.
    static func microTime(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let text = formatter.string(from: date)
        return text.replacingOccurrences(of: "Z", with: "000Z")
    }

    static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        // Six fractional digits: keep three.
        if let dot = text.firstIndex(of: "."), let zone = text.lastIndex(where: { $0 == "Z" || $0 == "+" }) {
            let fraction = text[text.index(after: dot)..<zone].prefix(3)
            return formatter.date(from: "\(text[..<dot]).\(fraction)\(text[zone...])")
        }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
