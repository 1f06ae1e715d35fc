import VitessModel

/// Request and rollout faults together, as the `sandbox --fault` flags set them at start-up.
public struct FaultSettings: Sendable, Equatable {
    /// Faults on API requests.
    public var request = RequestFaults()
    /// Faults in the emulated rollout and in what tablets report.
    public var rollout = RolloutFaults()

    /// No faults.
    public init() {}

    /// A `--fault` flag that could not be understood.
    public struct FlagError: Error, Sendable, Equatable, CustomStringConvertible {
        /// The flag as given.
        public var flag: String
        /// What is wrong and what was expected.
        public var reason: String

        /// The message the command prints.
        public var description: String { "--fault \(flag): \(reason)" }
    }

    /// The flag names and value shapes, for help text and error messages.
    public static let usage =
        "error-rate=R, throttle-rate=R, conflict-rate=R, drop-watch-rate=R (R in 0...1), delay-ms=N, "
        + "never-ready-image=TEXT, never-ready-pod=NAME, fail-reparent, slow-restart=POD:FACTOR, "
        + "replication-lag=ALIAS:SECONDS, topology-outage, slow-children=N"

    /// Parses every flag, in order; a later flag of the same rate replaces an earlier one.
    public init(flags: [String]) throws(FlagError) {
        for flag in flags { try apply(flag) }
    }

    /// Applies one `NAME[=VALUE]` flag.
    public mutating func apply(_ flag: String) throws(FlagError) {
        let parts = flag.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let name = parts[0]
        let value = parts.count > 1 ? parts[1] : nil
        func fail(_ reason: String) -> FlagError { FlagError(flag: flag, reason: reason) }
        func required() throws(FlagError) -> String {
            guard let value, !value.isEmpty else { throw fail("'\(name)' needs a value") }
            return value
        }
        func rate() throws(FlagError) -> Double {
            guard let rate = Double(try required()), (0...1).contains(rate) else {
                throw fail("expected a rate between 0 and 1")
            }
            return rate
        }
        // `KEY:NUMBER`, split at the last colon.
        func pair() throws(FlagError) -> (String, String) {
            let text = try required()
            guard let colon = text.lastIndex(of: ":"), colon != text.startIndex else {
                throw fail("expected KEY:NUMBER")
            }
            return (String(text[..<colon]), String(text[text.index(after: colon)...]))
        }
        switch name {
        case "error-rate": request.errorRate = try rate()
        case "throttle-rate": request.throttleRate = try rate()
        case "conflict-rate": request.conflictRate = try rate()
        case "drop-watch-rate": request.dropWatchRate = try rate()
        case "delay-ms":
            guard let milliseconds = Int(try required()), milliseconds >= 0 else {
                throw fail("expected whole milliseconds >= 0")
            }
            request.delayMilliseconds = milliseconds
        case "never-ready-image": rollout.neverReadyImages.append(try required())
        case "never-ready-pod": rollout.neverReadyPods.append(try required())
        case "fail-reparent":
            guard value == nil else { throw fail("'fail-reparent' takes no value") }
            rollout.failReparent = true
        case "slow-restart":
            let (pod, number) = try pair()
            guard let factor = Double(number), factor > 0 else { throw fail("expected POD:FACTOR with a factor > 0") }
            rollout.slowRestart[pod] = factor
        case "replication-lag":
            let (text, number) = try pair()
            guard let alias = TabletAlias(text) else { throw fail("'\(text)' is not a tablet alias (cell-uid)") }
            guard let seconds = Int(number), seconds >= 0 else {
                throw fail("expected ALIAS:SECONDS, whole seconds >= 0")
            }
            rollout.replicationLag[alias.description] = seconds
        case "topology-outage":
            guard value == nil else { throw fail("'topology-outage' takes no value") }
            rollout.topologyOutage = true
        case "slow-children":
            guard let rounds = Int(try required()), rounds >= 0 else {
                throw fail("expected a whole number of reconciles >= 0")
            }
            rollout.slowChildren = rounds
        default:
            throw fail("unknown fault '\(name)'; the faults are \(Self.usage)")
        }
    }
}
