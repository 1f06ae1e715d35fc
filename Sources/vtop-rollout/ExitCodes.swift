import ArgumentParser

/// The documented, stable exit codes (README "Exit codes").
enum Exit {
    /// The work is done, or the plan is valid.
    static let done = ExitCode(0)
    /// The work failed.
    static let failed = ExitCode(1)
    /// The plan or another input is invalid.
    static let invalidInput = ExitCode(2)
    /// Flags or arguments are wrong (ArgumentParser uses the same value, EX_USAGE).
    static let badFlags = ExitCode(64)
}
