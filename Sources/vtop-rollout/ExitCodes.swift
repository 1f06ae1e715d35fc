import ArgumentParser

/// The documented, stable exit codes (README "Exit codes").
enum Exit {
    /// The work is done, or the plan is valid.
    static let done = ExitCode(0)
    /// The work failed.
    static let failed = ExitCode(1)
    /// The plan or another input is invalid.
    static let invalidInput = ExitCode(2)
    /// `plan apply` stopped at an approval gate.
    static let waitingApproval = ExitCode(3)
    /// `plan apply` paused after a failed check or a timeout.
    static let paused = ExitCode(4)
    /// `plan apply` was interrupted by SIGINT or SIGTERM.
    static let interrupted = ExitCode(5)
    /// Another run holds the VitessCluster's Lease.
    static let locked = ExitCode(6)
    /// Flags or arguments are wrong (ArgumentParser uses the same value, EX_USAGE).
    static let badFlags = ExitCode(64)

    /// The distinct code of each `release` refusal (README "Exit codes").
    static func refusal(_ reason: String) -> ExitCode {
        switch reason {
        case "primary-without-candidate": ExitCode(10)
        case "shard-busy": ExitCode(11)
        case "not-external": ExitCode(12)
        case "primary-not-last": ExitCode(13)
        case "not-ready", "topology-unknown": ExitCode(14)
        default: invalidInput  // not-found, prerequisite-pending
        }
    }
}
