import Foundation
import VitessModel

/// The checkpoint of one `plan apply` run: what `--resume` reads back.
///
/// A versioned JSON document (docs/state-file.md, schemas/state-file.schema.json). The cluster is
/// the truth and this file a hint: on resume every step's phase is re-derived from the cluster, and
/// the file only says what was intended, what was approved and when things happened.
public struct RunState: Codable, Sendable, Equatable {
    /// The format, `vtop-rollout/state-v1`. A reader refuses any other.
    public var apiVersion: String
    /// The plan that runs.
    public var plan: PlanIdentity
    /// The cluster it runs against.
    public var cluster: ClusterIdentity
    /// `StepGraph.hash` of `graph`.
    public var graphHash: String
    /// The compiled graph, fixed at the first apply: a resumed run continues this graph, never a
    /// recompilation (the cluster has moved on, so recompiling would give fewer steps).
    public var graph: StepGraph
    /// How the run stands.
    public var status: RunStatus
    /// When the run started and when the file was last written.
    public var createdAt: Date
    /// When the file was last written.
    public var updatedAt: Date
    /// Every step's record, by step id.
    public var steps: [String: StepRecord]
    /// Approvals given to gates.
    public var approvals: [Approval]
    /// The last release time per pacing key (`primaries:KEYSPACE`).
    public var pacing: [String: Date]
    /// The append-only event log.
    public var events: [RunEvent]

    /// The only format this build reads and writes.
    public static let currentAPIVersion = "vtop-rollout/state-v1"

    /// A new run of `graph`: every step pending, with the baselines a resumed run needs to tell a
    /// rolled Pod from one that has not rolled.
    public init(
        plan: PlanIdentity, cluster: ClusterIdentity, graph: StepGraph, inventory: Inventory, now: Date
    ) {
        apiVersion = Self.currentAPIVersion
        self.plan = plan
        self.cluster = cluster
        self.graph = graph
        graphHash = graph.hash
        status = .running
        createdAt = now
        updatedAt = now
        approvals = []
        pacing = [:]
        events = []
        var records: [String: StepRecord] = [:]
        let tablets = Dictionary(inventory.tablets.map { ($0.alias, $0) }, uniquingKeysWith: { a, _ in a })
        let etcd = Dictionary(inventory.etcdMembers.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for step in graph.steps {
            var record = StepRecord(phase: .pending)
            switch step.kind {
            case .releaseTablet(let alias, _, _, _, _): record.baselineUID = tablets[alias]?.podUID
            case .releaseEtcdMember(let name): record.baselineUID = etcd[name]?.uid
            default: break
            }
            records[step.id] = record
        }
        steps = records
    }

    /// Whether `gate` has been approved.
    public func approval(for gate: String) -> Approval? { approvals.first { $0.gate == gate } }
}

/// Which plan a run executes.
public struct PlanIdentity: Codable, Sendable, Equatable {
    /// `metadata.name`.
    public var name: String
    /// SHA-256 of the plan file's bytes: any edit, even a comment, is a changed plan.
    public var hash: String
    /// The path the plan was read from (informational).
    public var path: String?

    /// Creates an identity.
    public init(name: String, hash: String, path: String?) {
        self.name = name
        self.hash = hash
        self.path = path
    }
}

/// Which cluster a run acts on. A resumed run against any other refuses to start.
public struct ClusterIdentity: Codable, Sendable, Equatable {
    /// The API server URL.
    public var server: String
    /// The namespace.
    public var namespace: String
    /// The VitessCluster's name.
    public var name: String
    /// The VitessCluster's `metadata.uid`: a deleted and recreated cluster of the same name differs.
    public var uid: String?

    /// Creates an identity.
    public init(server: String, namespace: String, name: String, uid: String?) {
        self.server = server
        self.namespace = namespace
        self.name = name
        self.uid = uid
    }

    /// Why `other` is not the same cluster, or nil when it is.
    public func mismatch(with other: ClusterIdentity) -> String? {
        if server != other.server { return "API server \(other.server), but the state was written for \(server)" }
        if namespace != other.namespace || name != other.name {
            return "VitessCluster \(other.namespace)/\(other.name), but the state was written for \(namespace)/\(name)"
        }
        if let uid, let otherUID = other.uid, uid != otherUID {
            return "VitessCluster \(name) has uid \(otherUID), but the state was written for uid \(uid) "
                + "(the cluster was deleted and recreated)"
        }
        return nil
    }
}

/// How a run stands.
public enum RunStatus: String, Codable, Sendable, Equatable, CaseIterable {
    /// Running, or stopped by a crash.
    case running
    /// Every step is done or skipped.
    case done
    /// Stopped after a failed check or a timeout (`onFailure: pause`); `--resume` continues.
    case paused
    /// Stopped for good (`onFailure: abort` or `plan abort`); `--resume` refuses.
    case aborted
    /// Waiting at an approval gate; `plan approve` then `--resume` continue.
    case waitingApproval
    /// Stopped by SIGINT or SIGTERM; `--resume` continues.
    case interrupted
}

/// The phases of a step (design §6).
public enum StepPhase: String, Codable, Sendable, Equatable, CaseIterable {
    /// Not started.
    case pending
    /// About to be released: recorded before the patch, so a crash between the two is harmless.
    case intent
    /// Released (or, for gates and soaks, started); waiting for the cluster and the checks.
    case released
    /// The cluster shows it done and its checks passed.
    case done
    /// Nothing to do any more (the change disappeared from the cluster).
    case skipped
    /// Timed out or failed a check.
    case failed

    /// Done or skipped: dependents may go.
    public var isSettled: Bool { self == .done || self == .skipped }
}

/// One step's record.
public struct StepRecord: Codable, Sendable, Equatable {
    /// The phase.
    public var phase: StepPhase
    /// For tablets and etcd members: the Pod's uid when the run started. A different uid later
    /// means the Pod rolled, so it is never released again.
    public var baselineUID: String?
    /// The Pod's uid when it was released.
    public var releasedUID: String?
    /// For tablets: whether it was the primary when released.
    public var wasPrimary: Bool?
    /// For tablets: the shard's primary when it was released.
    public var primaryBefore: String?
    /// When the step first tried to start (its timeout counts from here).
    public var startedAt: Date?
    /// When the intent was recorded.
    public var intentAt: Date?
    /// When the release patch was sent (or a gate or soak began).
    public var releasedAt: Date?
    /// When the step finished.
    public var finishedAt: Date?
    /// Why it failed or was skipped.
    public var reason: String?

    /// Creates a record.
    public init(phase: StepPhase) { self.phase = phase }
}

/// An approval of a gate.
public struct Approval: Codable, Sendable, Equatable {
    /// The gate's stage name.
    public var gate: String
    /// Who approved (kube user, `$USER`, or what `--actor` said).
    public var actor: String
    /// When.
    public var at: Date

    /// Creates an approval.
    public init(gate: String, actor: String, at: Date) {
        self.gate = gate
        self.actor = actor
        self.at = at
    }
}

/// One entry of the event log, also one line of `-o jsonl` output.
public struct RunEvent: Codable, Sendable, Equatable {
    /// When.
    public var at: Date
    /// What happened (docs/state-file.md lists the types).
    public var type: String
    /// The step it concerns.
    public var step: String?
    /// A readable sentence.
    public var message: String

    /// Creates an event.
    public init(at: Date, type: String, step: String? = nil, message: String) {
        self.at = at
        self.type = type
        self.step = step
        self.message = message
    }
}

/// Reading and writing the state document. Dates are RFC 3339 with milliseconds, keys sorted, so
/// two writes of the same state are the same bytes.
public enum RunStateCoding {
    /// Encodes the state as pretty, sorted JSON.
    public static func encode(_ state: RunState) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(timestamp(date))
        }
        return try encoder.encode(state)
    }

    /// Decodes a state document, refusing other format versions with a clear message.
    public static func decode(_ data: Data) throws -> RunState {
        struct Header: Decodable { var apiVersion: String? }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: data)
        } catch {
            throw StateError("it is not a JSON object (\(describe(error)))")
        }
        guard header.apiVersion == RunState.currentAPIVersion else {
            throw StateError(
                "its apiVersion is \(header.apiVersion.map { "'\($0)'" } ?? "missing"); this build reads "
                    + "'\(RunState.currentAPIVersion)'")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = parseTimestamp(text) else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not an RFC 3339 time"))
            }
            return date
        }
        let state: RunState
        do {
            state = try decoder.decode(RunState.self, from: data)
        } catch {
            throw StateError(describe(error))
        }
        guard state.graph.hash == state.graphHash else {
            throw StateError("its graph does not match its graphHash (the file was edited or damaged)")
        }
        for step in state.graph.steps where state.steps[step.id] == nil {
            throw StateError("step \(step.id) of its graph has no record")
        }
        return state
    }

    /// `2026-11-22T18:16:15.123Z`: UTC, to the nearest millisecond. Computed by hand: a state holds
    /// thousands of timestamps and is written after every change, and creating a date formatter per
    /// timestamp cost three quarters of a run's CPU time.
    public static func timestamp(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let (days, inDay) = milliseconds.quotientAndRemainder(dividingBy: 86_400_000)
        let (day, ms) = inDay < 0 ? (days - 1, inDay + 86_400_000) : (days, inDay)
        let (year, month, dayOfMonth) = civil(fromDays: day)
        func pad(_ value: Int64, _ width: Int) -> String {
            let digits = String(value)
            return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
        }
        let time =
            "\(pad(ms / 3_600_000, 2)):\(pad(ms / 60_000 % 60, 2)):\(pad(ms / 1000 % 60, 2)).\(pad(ms % 1000, 3))"
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(dayOfMonth, 2))T\(time)Z"
    }

    /// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
    static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (the inverse of `civil(fromDays:)`).
    static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func parseTimestamp(_ text: String) -> Date? {
        // The form `timestamp` writes, parsed by hand; anything else goes to the formatter.
        let bytes = Array(text.utf8)
        if bytes.count == 24, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            bytes[10] == UInt8(ascii: "T"), bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
            bytes[19] == UInt8(ascii: "."), bytes[23] == UInt8(ascii: "Z")
        {
            func number(_ range: Range<Int>) -> Int64? {
                var value: Int64 = 0
                for index in range {
                    let byte = bytes[index]
                    guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                    value = value * 10 + Int64(byte - UInt8(ascii: "0"))
                }
                return value
            }
            if let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
                let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
                let ms = number(20..<23), (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60,
                second < 61
            {
                let days = days(fromCivil: year, month, day)
                let total = ((days * 24 + hour) * 60 + minute) * 60 + second
                return Date(timeIntervalSince1970: Double(total) + Double(ms) / 1000)
            }
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    private static func describe(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .dataCorrupted(let context)?:
            "\(path(context.codingPath)): \(context.debugDescription)"
                + (context.underlyingError.map { " (\(reason($0)))" } ?? "")
        case .keyNotFound(let key, let context)?: "\(path(context.codingPath + [key])) is missing"
        case .typeMismatch(_, let context)?: "\(path(context.codingPath)): \(context.debugDescription)"
        case .valueNotFound(_, let context)?: "\(path(context.codingPath)) is null"
        default: "\(error)"
        }
    }

    /// The JSON parser's own reason, which says where the syntax broke ("Unexpected end of file",
    /// "Invalid value around line 3, column 1").
    private static func reason(_ error: any Error) -> String {
        ((error as NSError).userInfo["NSDebugDescription"] as? String) ?? "\(error)"
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.isEmpty ? "the document" : keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }
}

/// A state document that cannot be used.
public struct StateError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What is wrong.
    public let description: String

    /// Creates an error.
    public init(_ description: String) { self.description = description }
}
