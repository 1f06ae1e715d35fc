import Foundation
import NIOConcurrencyHelpers
import VitessModel

/// Request faults the sandbox injects, set by flags or at run time through `/sandbox/v1/faults`.
public struct RequestFaults: Sendable, Equatable, Codable {
    /// Fraction of API requests (0...1) answered with 500.
    public var errorRate: Double = 0
    /// Fraction of API requests answered with 429 and `Retry-After: 1`.
    public var throttleRate: Double = 0
    /// Fraction of PATCH requests answered with 409 Conflict.
    public var conflictRate: Double = 0
    /// Delay before every response, in milliseconds of real time.
    public var delayMilliseconds: Int = 0
    /// Fraction of watch bookmark ticks on which the stream is cut.
    public var dropWatchRate: Double = 0

    /// No faults.
    public init() {}

    /// Decodes a partial settings object; absent keys keep their defaults.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        errorRate = try container.decodeIfPresent(Double.self, forKey: .errorRate) ?? 0
        throttleRate = try container.decodeIfPresent(Double.self, forKey: .throttleRate) ?? 0
        conflictRate = try container.decodeIfPresent(Double.self, forKey: .conflictRate) ?? 0
        delayMilliseconds = try container.decodeIfPresent(Int.self, forKey: .delayMilliseconds) ?? 0
        dropWatchRate = try container.decodeIfPresent(Double.self, forKey: .dropWatchRate) ?? 0
    }
}

/// How many faults of each kind the sandbox has injected, for `/sandbox/v1/stats`: a soak test proves the faults
/// happened before it claims the client absorbed them.
public struct InjectedFaults: Sendable, Equatable, Codable {
    /// Requests answered `500 InternalError` (`errorRate`).
    public var errors = 0
    /// Requests answered `429 TooManyRequests` with `Retry-After` (`throttleRate`).
    public var throttles = 0
    /// PATCH requests answered `409 Conflict` (`conflictRate`).
    public var conflicts = 0
    /// Watch streams cut at a bookmark tick (`dropWatchRate`).
    public var droppedWatches = 0
    /// Responses held back by `delayMilliseconds`.
    public var delayed = 0

    /// None yet.
    public init() {}

    /// All of them together.
    public var total: Int { errors + throttles + conflicts + droppedWatches + delayed }
}

/// The emulated cluster: object store, API server and the control API under `/sandbox/v1/`.
public final class Sandbox: Sendable {
    /// The objects.
    public let store: ObjectStore
    /// The namespace the fixture was loaded into.
    public let namespace: String
    /// The emulated operator.
    public let `operator`: EmulatedOperator
    /// The emulated clock.
    public let clock: any EmulationClock
    private let faults = NIOLockedValueBox(RequestFaults())
    private let random: NIOLockedValueBox<FaultRandom>
    private let requests = NIOLockedValueBox(0)
    private let injected = NIOLockedValueBox(InjectedFaults())

    /// Creates a sandbox and loads `cluster` (a VitessCluster manifest, decoded) with its whole object tree.
    /// `clock` drives every emulated delay; tests pass a `ManualClock`, the command a `ScaledClock`. `faultSeed`
    /// makes the draws that decide which requests get a fault repeatable (the system generator otherwise); which
    /// request meets which draw still depends on the order requests arrive in.
    public init(
        cluster: JSON, namespace: String? = nil, clock: any EmulationClock = ScaledClock(speed: 1),
        timings: OperatorTimings = OperatorTimings(), faultSeed: UInt64? = nil, objects: [(type: ResourceType, object: JSON)] = []
    ) throws {
        random = NIOLockedValueBox(FaultRandom(seed: faultSeed))
        let store = ObjectStore(timestamp: { Sandbox.timestamp(Date()) })
        self.store = store
        let namespace = namespace ?? cluster[path: ["metadata", "namespace"]].string ?? "default"
        self.namespace = namespace
        self.clock = clock
        self.operator = EmulatedOperator(store: store, namespace: namespace, clock: clock, timings: timings)
        var manifest = cluster
        manifest[path: ["metadata", "namespace"]] = .string(namespace)
        let stored = try store.create(.vitessCluster, namespace: namespace, object: manifest, scope: .everything)
        for (type, object) in objects {
            var object = object
            object[path: ["metadata", "namespace"]] = .string(namespace)
            try store.create(type, namespace: namespace, object: object, scope: .everything)
        }
        let expansion = FixtureExpansion(
            cluster: stored, namespace: namespace, clusterUID: stored[path: ["metadata", "uid"]].string ?? "")
        var uids: [String: String] = [:]
        for item in expansion.items(uid: { UUID().uuidString.lowercased() }) {
            var object = item.object
            let wanted = object[path: ["metadata", "uid"]].string
            object[path: ["metadata", "namespace"]] = .string(namespace)
            let created = try store.create(item.type, namespace: namespace, object: object, scope: .everything)
            // Owner references were built with planned UIDs; the store assigned real ones, so remap.
            if let wanted { uids[wanted] = created[path: ["metadata", "uid"]].string }
        }
        for type in ResourceType.all {
            for object in store.list(type, namespace: namespace).items {
                guard let name = object[path: ["metadata", "name"]].string,
                    var owners = object[path: ["metadata", "ownerReferences"]].array
                else { continue }
                for index in owners.indices {
                    if let old = owners[index]["uid"].string, let new = uids[old] {
                        owners[index]["uid"] = .string(new)
                    }
                }
                try store.mutate(type, namespace: namespace, name: name) {
                    $0[path: ["metadata", "ownerReferences"]] = .array(owners)
                }
            }
        }
        let status = Self.clusterStatus(store: store, namespace: namespace)
        try store.mutate(.vitessCluster, namespace: namespace, name: stored[path: ["metadata", "name"]].string ?? "") {
            $0["status"] = status
        }
    }

    /// The VitessCluster status the operator reports for a settled tree (reference §7).
    static func clusterStatus(store: ObjectStore, namespace: String) -> JSON {
        var cells: [String: JSON] = [:]
        for cell in store.list(.vitessCell, namespace: namespace).items {
            guard let name = cell[path: ["spec", "name"]].string else { continue }
            cells[name] = [
                "pendingChanges": cell[path: ["metadata", "annotations", RolloutAnnotation.scheduled]].string.map {
                    .string($0)
                } ?? "",
                "gatewayAvailable": "True",
            ]
        }
        var keyspaces: [String: JSON] = [:]
        for keyspace in store.list(.vitessKeyspace, namespace: namespace).items {
            guard let name = keyspace[path: ["spec", "name"]].string else { continue }
            let shards = keyspace[path: ["status", "shards"]].object ?? [:]
            let sum = { (field: String) in shards.values.reduce(0) { $0 + ($1[field].int ?? 0) } }
            let tablets = sum("tablets")
            let updatedShards = shards.values.filter { $0["updatedTablets"] == $0["tablets"] }.count
            keyspaces[name] = [
                "pendingChanges": keyspace[path: ["metadata", "annotations", RolloutAnnotation.scheduled]].string.map {
                    .string($0)
                } ?? "",
                "desiredShards": .int(shards.count), "shards": .int(shards.count), "readyShards": .int(shards.count),
                "updatedShards": .int(updatedShards), "desiredTablets": .int(tablets), "tablets": .int(tablets),
                "readyTablets": .int(sum("readyTablets")), "updatedTablets": .int(sum("updatedTablets")),
            ]
        }
        return [
            "observedGeneration": 1, "cells": .object(cells), "keyspaces": .object(keyspaces),
            "globalLockserver": ["etcd": ["observedGeneration": 1, "available": "True"]],
            "vitessDashboard": ["available": "True"], "orphanedCells": [:], "orphanedKeyspaces": [:],
        ]
    }

    /// The current request faults.
    public var requestFaults: RequestFaults {
        get { faults.withLockedValue { $0 } }
        set { faults.withLockedValue { $0 = newValue } }
    }

    private func roll(_ rate: Double) -> Bool {
        guard rate > 0 else { return false }
        return random.withLockedValue { Double.random(in: 0..<1, using: &$0) } < rate
    }

    /// How many Kubernetes API requests (watches included, `/sandbox/v1/` not) the sandbox has answered, so a
    /// benchmark can count what a client costs the API server.
    public var requestCount: Int { requests.withLockedValue { $0 } }

    /// How many faults of each kind have been injected so far.
    public var injectedFaults: InjectedFaults { injected.withLockedValue { $0 } }

    private func count(_ kind: WritableKeyPath<InjectedFaults, Int>) {
        injected.withLockedValue { $0[keyPath: kind] += 1 }
    }

    /// Answers one request: control API, injected faults, then the Kubernetes API.
    public func respond(_ request: APIRequest) -> APIResponse {
        if request.path.hasPrefix("/sandbox/v1/") { return control(request) }
        requests.withLockedValue { $0 += 1 }
        let faults = requestFaults
        if roll(faults.errorRate) {
            count(\.errors)
            return .error(APIError(code: 500, reason: "InternalError", message: "injected fault: internal error"))
        }
        if roll(faults.throttleRate) {
            count(\.throttles)
            return .error(
                APIError(code: 429, reason: "TooManyRequests", message: "injected fault: too many requests"),
                headers: [("Retry-After", "1")])
        }
        if request.method == "PATCH", roll(faults.conflictRate) {
            count(\.conflicts)
            return .error(
                APIError(code: 409, reason: "Conflict", message: "injected fault: the object has been modified"))
        }
        let proxy = TabletProxy(store: store, replicationLag: self.operator.faults.replicationLag)
        if let proxied = proxy.respond(request) { return proxied }
        let operatorRef = self.operator
        return APIRouter(store: store) { (name: String, uid: String?) throws(APIError) -> JSON in
            try operatorRef.deletePodThroughAPI(name: name, uid: uid)
        }.handle(request)
    }

    private func control(_ request: APIRequest) -> APIResponse {
        switch (request.method, request.path) {
        case ("GET", "/sandbox/v1/faults"):
            return Self.encoded(requestFaults)
        case ("PUT", "/sandbox/v1/faults"), ("POST", "/sandbox/v1/faults"), ("PATCH", "/sandbox/v1/faults"):
            switch Self.settings(request, current: requestFaults) {
            case .success(let decoded):
                requestFaults = decoded
                return Self.encoded(decoded)
            case .failure(let error):
                return .error(.badRequest("expected a JSON object of fault settings: \(error)"))
            }
        case ("GET", "/sandbox/v1/history"):
            return Self.encoded(self.operator.history)
        case ("GET", "/sandbox/v1/rollout-faults"):
            return Self.encoded(self.operator.faults)
        case ("PUT", "/sandbox/v1/rollout-faults"), ("POST", "/sandbox/v1/rollout-faults"),
            ("PATCH", "/sandbox/v1/rollout-faults"):
            switch Self.settings(request, current: self.operator.faults) {
            case .success(let decoded):
                self.operator.faults = decoded
                return Self.encoded(decoded)
            case .failure(let error):
                return .error(.badRequest("expected a JSON object of rollout fault settings: \(error)"))
            }
        case ("GET", "/sandbox/v1/stats"):
            let injected = injectedFaults
            return .json(
                200,
                [
                    "requests": .int(requestCount),
                    "injectedFaults": [
                        "errors": .int(injected.errors), "throttles": .int(injected.throttles),
                        "conflicts": .int(injected.conflicts), "droppedWatches": .int(injected.droppedWatches),
                        "delayed": .int(injected.delayed),
                    ],
                ])
        case ("GET", "/sandbox/v1/clock"):
            return .json(200, ["now": .double(clock.now())])
        case ("POST", "/sandbox/v1/compact"):
            store.compact()
            return .json(200, ["compactedRevision": .int(store.compactedRevision)])
        default:
            return .error(APIError.notFound404(request.path))
        }
    }

    /// A JSON body of an encodable value, keys sorted.
    private static func encoded(_ value: some Encodable) -> APIResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return .full(
            status: 200, headers: [("Content-Type", "application/json")], body: (try? encoder.encode(value)) ?? Data())
    }

    /// Fault settings from a control request: PUT and POST replace them (absent keys take their defaults), PATCH
    /// merges the body into the current settings as an RFC 7386 merge patch (`null` removes a key).
    private static func settings<Settings: Codable>(_ request: APIRequest, current: Settings) -> Result<
        Settings, any Error
    > {
        Result {
            guard request.method == "PATCH" else { return try JSONDecoder().decode(Settings.self, from: request.body) }
            let base = try JSON.parse(try JSONEncoder().encode(current))
            return try JSONDecoder().decode(Settings.self, from: Patch.merge(base, try JSON.parse(request.body)).data)
        }
    }

    /// Runs the operator's reconcile loop until the task is cancelled: at once after any write to the store
    /// (a patch, a delete), when the next timed transition is due (a Pod turning Ready, a tablet becoming
    /// `available`), and at least every `interval` seconds of real time.
    public func runOperator(interval: Double = 0.02) async {
        while !Task.isCancelled {
            guard self.operator.settle(limit: 5) else {
                // Still changing after five rounds: go on after a millisecond, so a controller that
                // keeps writing cannot starve the server.
                try? await Task.sleep(nanoseconds: 1_000_000)
                continue
            }
            let settled = store.revision
            var wait = interval
            if let speed = (clock as? ScaledClock)?.speed, let due = self.operator.nextDue() {
                wait = min(wait, max(0, (due - clock.now()) / speed) + 0.000_5)
            }
            await store.waitForChange(after: settled, timeout: wait)
        }
    }

    /// Serves the sandbox on 127.0.0.1: plain HTTP, or HTTPS with authentication when given `credentials`.
    public func serve(port: Int = 0, bookmarkInterval: Double = 1, credentials: SandboxCredentials? = nil)
        async throws -> APIServer
    {
        var hooks = APIServer.Hooks(respond: { [self] in respond($0) })
        hooks.delay = { [self] in
            let milliseconds = requestFaults.delayMilliseconds
            if milliseconds > 0 { count(\.delayed) }
            return Double(milliseconds) / 1000
        }
        hooks.dropWatch = { [self] in
            guard roll(requestFaults.dropWatchRate) else { return false }
            count(\.droppedWatches)
            return true
        }
        return try await APIServer(
            store: store, hooks: hooks, port: port, credentials: credentials, bookmarkInterval: bookmarkInterval)
    }

    /// A kubeconfig pointing at `server` with context `sandbox`.
    ///
    /// Without credentials (plain HTTP) the user carries a placeholder token the server ignores. With them, the
    /// cluster pins the sandbox CA, context `sandbox` authenticates with the client certificate, and context
    /// `sandbox-token` with the bearer token, so both methods can be tried with `kubectl --context`.
    public static func kubeconfig(server: String, namespace: String, credentials: SandboxCredentials? = nil) -> String {
        let base64 = { (pem: String) in Data(pem.utf8).base64EncodedString() }
        guard let credentials else {
            return """
                apiVersion: v1
                kind: Config
                clusters:
                - name: sandbox
                  cluster:
                    server: \(server)
                users:
                - name: sandbox
                  user:
                    token: sandbox
                contexts:
                - name: sandbox
                  context:
                    cluster: sandbox
                    user: sandbox
                    namespace: \(namespace)
                current-context: sandbox

                """
        }
        return """
            apiVersion: v1
            kind: Config
            clusters:
            - name: sandbox
              cluster:
                server: \(server)
                certificate-authority-data: \(base64(credentials.certificateAuthorityPEM))
            users:
            - name: sandbox
              user:
                client-certificate-data: \(base64(credentials.clientCertificatePEM))
                client-key-data: \(base64(credentials.clientKeyPEM))
            - name: sandbox-token
              user:
                token: \(credentials.token)
            contexts:
            - name: sandbox
              context:
                cluster: sandbox
                user: sandbox
                namespace: \(namespace)
            - name: sandbox-token
              context:
                cluster: sandbox
                user: sandbox-token
                namespace: \(namespace)
            current-context: sandbox

            """
    }

    /// RFC 3339 in UTC, second precision, as Kubernetes prints times.
    public static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}

/// The draws that decide injected faults: the system generator, or `SplitMix64` from a seed so a soak can be
/// repeated.
struct FaultRandom: RandomNumberGenerator {
    private var seeded: SplitMix64?
    private var system = SystemRandomNumberGenerator()

    init(seed: UInt64?) { seeded = seed.map(SplitMix64.init(seed:)) }

    mutating func next() -> UInt64 {
        if seeded != nil { return seeded!.next() }
        return system.next()
    }
}

/// A small seeded generator (Steele, Lea and Flood's SplitMix64): the same seed gives the same draws, so fault
/// soaks and crash tortures can be repeated.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Starts from `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
