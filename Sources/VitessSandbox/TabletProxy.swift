import Foundation
import VitessModel

/// Answers `/api/v1/namespaces/NS/pods/NAME[:PORT]/proxy/PATH` for tablet Pods, as the API server relays it to
/// vttablet's web port (15000, named `web` in the operator's Pod spec).
///
/// What vttablet serves there, after vitess `go/vt/vttablet/tabletserver`:
/// - `/healthz`: `ok` while serving; 500 `vttablet is not serving` otherwise.
/// - `/debug/health`: `ok`, or 500 `not ok: ...`.
/// - `/debug/status_details`: a JSON list of `{Key, Class, Value}`. `Current State` comes first, such as
///   `REPLICA: Serving`, or `PRIMARY: Serving, <term start>` for a primary. A non-primary then has
///   `Replication Lag` (`12s`): `unhappy` above 30 s, `unhealthy` above 2 h (vttablet's default thresholds).
/// - `/debug/vars`: Go expvar JSON with `replicationLagSec`, `HeartbeatCurrentLagNs`, `TabletStateName`
///   (`SERVING`/`NOT_SERVING`), `TabletState` (2 serving, 1 not serving, 0 not connected or replication
///   unhealthy) and `TabletType` (`primary`, `replica`, `rdonly`).
///
/// A tablet whose Pod is not Ready is not serving. A replica lagging more than 2 h is not serving either, as
/// vttablet's state manager decides, although the Pod's Ready condition is left to the operator emulation.
struct TabletProxy {
    /// vttablet's web port.
    static let webPort = 15000
    /// vttablet's `--degraded_threshold` default, in seconds: above it the lag entry is `unhappy`.
    static let degradedLag = 30
    /// vttablet's `--unhealthy_threshold` default, in seconds: above it replication is unhealthy.
    static let unhealthyLag = 7200

    /// The objects, to find the Pod, its shard and its role.
    let store: ObjectStore
    /// Injected replication lag in seconds, by canonical tablet alias.
    let replicationLag: [String: Int]

    /// A proxy target parsed from the `pods/{name}` segment: `[scheme:]name[:port]`.
    struct Target: Equatable {
        /// `http` unless given.
        var scheme: String
        /// The Pod name.
        var name: String
        /// The port, by number or name; empty for the Pod's first port.
        var port: String

        /// Parses the segment the way the API server's proxy does.
        init(_ segment: String) {
            let parts = segment.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            switch parts.count {
            case 3: (scheme, name, port) = (parts[0], parts[1], parts[2])
            case 2: (scheme, name, port) = ("http", parts[0], parts[1])
            default: (scheme, name, port) = ("http", segment, "")
            }
        }
    }

    /// Returns nil when the request is not a Pod proxy request.
    func respond(_ request: APIRequest) -> APIResponse? {
        let segments = request.path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        // "", "api", "v1", "namespaces", NS, "pods", NAME[:PORT], "proxy", PATH...
        guard segments.count >= 8, segments[1] == "api", segments[2] == "v1", segments[3] == "namespaces",
            segments[5] == "pods", segments[7] == "proxy"
        else { return nil }
        let namespace = segments[4]
        let target = Target(segments[6])
        let path = "/" + segments.dropFirst(8).joined(separator: "/")
        guard let pod = store.get(.pod, namespace: namespace, name: target.name) else {
            return .error(APIError.notFound(.pod, target.name))
        }
        let address = pod[path: ["status", "podIP"]].string ?? ""
        guard let port = Self.resolve(target.port, in: pod) else {
            return .error(Self.unreachable("unable to find port \"\(target.port)\" on pod \(target.name)"))
        }
        // Only vttablet listens on 15000; anything else refuses the connection, as a real dial would.
        guard pod[path: ["metadata", "labels", OperatorLabel.component]] == "vttablet", port == Self.webPort,
            target.scheme == "http"
        else {
            return .error(Self.unreachable("dial tcp \(address):\(port): connect: connection refused"))
        }
        return Tablet(pod: pod, store: store, namespace: namespace, replicationLag: replicationLag).serve(path)
    }

    /// The port number a proxy target names: a number, a container port name, or the first declared port.
    static func resolve(_ port: String, in pod: JSON) -> Int? {
        let declared = (pod[path: ["spec", "containers"]].array ?? []).flatMap { $0["ports"].array ?? [] }
        if port.isEmpty { return declared.first?["containerPort"].int ?? webPort }
        if let number = Int(port) { return number }
        return declared.first { $0["name"].string == port }?["containerPort"].int
    }

    /// The Status the API server answers when it cannot reach the Pod.
    static func unreachable(_ detail: String) -> APIError {
        APIError(code: 503, reason: "ServiceUnavailable", message: "error trying to reach service: \(detail)")
    }
}

extension TabletProxy {
    /// One vttablet's view of itself, derived from its Pod, its shard's status and the injected lag.
    struct Tablet {
        /// The tablet alias, canonical.
        var alias: String
        /// `PRIMARY`, `REPLICA` or `RDONLY`, as Vitess prints a tablet type.
        var type: String
        /// Whether the Pod is Ready: the query service is up.
        var ready: Bool
        /// Replication lag in seconds (always 0 on a primary, which does not replicate).
        var lag: Int
        /// When the primary's term started, for the primary's `Current State`.
        var termStart: Date

        init(pod: JSON, store: ObjectStore, namespace: String, replicationLag: [String: Int]) {
            let labels = pod[path: ["metadata", "labels"]].stringMap
            let alias = TabletAlias(
                cell: labels[OperatorLabel.cell] ?? "", uid: UInt32(labels[OperatorLabel.tabletUID] ?? "") ?? 0
            ).description
            let shard = store.list(.vitessShard, namespace: namespace).items.first {
                $0[path: ["status", "tablets", alias]].object != nil
            }
            // vttablet knows its own type even while the topology cannot be read (status `type` is then empty).
            let role = shard?[path: ["status", "tablets", alias, "type"]].string.flatMap { $0.isEmpty ? nil : $0 }
            let type = (role ?? labels[OperatorLabel.tabletType] ?? "replica").uppercased()
            self.alias = alias
            self.type = type
            ready = (pod[path: ["status", "conditions"]].array ?? []).contains {
                $0["type"] == "Ready" && $0["status"] == "True"
            }
            lag = type == "PRIMARY" ? 0 : max(0, replicationLag[alias] ?? 0)
            // The term starts at the reparent that promoted this tablet, or with the Pod for the first primary.
            let promoted = store.list(.event, namespace: namespace).items.filter {
                $0["reason"] == "PlannedReparent"
                    && ($0["message"].string ?? "").hasSuffix(" to new primary \(alias) succeeded")
            }
            let stamp = promoted.last?["lastTimestamp"].string ?? pod[path: ["metadata", "creationTimestamp"]].string
            termStart = stamp.flatMap { ISO8601DateFormatter().date(from: $0) } ?? Date(timeIntervalSince1970: 0)
        }

        /// vttablet's query-service state: 2 serving, 1 not serving, 0 when replication is unhealthy.
        var state: Int {
            if lag > TabletProxy.unhealthyLag { return 0 }
            return ready ? 2 : 1
        }

        /// Whether vttablet reports itself serving: the state is serving and replication is healthy.
        var serving: Bool { state == 2 }

        func serve(_ path: String) -> APIResponse {
            switch path {
            case "/healthz":
                return serving
                    ? Self.text(200, "ok\n") : Self.text(500, "500 internal server error: vttablet is not serving\n")
            case "/debug/health":
                return serving ? Self.text(200, "ok") : Self.text(500, "not ok: tablet is not serving\n")
            case "/debug/status_details":
                return .json(200, statusDetails)
            case "/debug/vars":
                // Go's expvar handler names the charset.
                return .full(
                    status: 200, headers: [("Content-Type", "application/json; charset=utf-8")], body: vars.data)
            default:
                return Self.text(404, "404 page not found\n")
            }
        }

        /// The `{Key, Class, Value}` list vttablet's state manager and health streamer append.
        var statusDetails: JSON {
            // The state manager's own state: not Ready is "Not Serving"; a lag beyond the unhealthy threshold only
            // shows in the lag entry and in TabletStateName, as in vttablet.
            let current = ready ? "Serving" : "Not Serving"
            var value = "\(type): \(current)"
            if type == "PRIMARY" { value += ", \(Self.goTime(termStart))" }
            var details: [JSON] = [
                ["Key": "Current State", "Class": .string(ready ? "healthy" : "unhappy"), "Value": .string(value)]
            ]
            if type != "PRIMARY" {
                let lagClass =
                    lag > TabletProxy.unhealthyLag ? "unhealthy" : lag > TabletProxy.degradedLag ? "unhappy" : "healthy"
                details.append(["Key": "Replication Lag", "Class": .string(lagClass), "Value": .string("\(lag)s")])
            }
            return .array(details)
        }

        /// The expvar variables a health check reads.
        var vars: JSON {
            [
                "replicationLagSec": .int(lag),
                "HeartbeatCurrentLagNs": .int(lag * 1_000_000_000),
                "TabletStateName": .string(serving ? "SERVING" : "NOT_SERVING"),
                "TabletState": .int(state),
                "TabletType": .string(type.lowercased()),
            ]
        }

        static func text(_ status: Int, _ body: String) -> APIResponse {
            .full(status: status, headers: [("Content-Type", "text/plain; charset=utf-8")], body: Data(body.utf8))
        }

        /// Go's `Jan 2, 2006 at 15:04:05 (MST)`, the layout vttablet prints a primary's term start in, in UTC.
        static func goTime(_ date: Date) -> String {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "MMM d, yyyy 'at' HH:mm:ss '(UTC)'"
            return formatter.string(from: date)
        }
    }
}
