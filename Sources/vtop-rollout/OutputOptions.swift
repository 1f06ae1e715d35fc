import ArgumentParser

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How `plan validate` writes diagnostics: text for people, JSON for pipelines, and GitHub Actions
/// workflow commands for annotations on a pull request's diff. Only `plan validate` takes it.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
    case github
}

/// Colour flags shared by every command.
struct ColorOptions: ParsableArguments {
    @Flag(name: .customLong("no-color"), help: "Never colour output (NO_COLOR in the environment does the same).")
    var noColor = false

    /// Colour only on a terminal, and never when NO_COLOR is set to anything non-empty.
    func useColor(environment: [String: String]) -> Bool {
        if noColor { return false }
        if let value = environment["NO_COLOR"], !value.isEmpty { return false }
        return isatty(STDOUT_FILENO) == 1 && environment["TERM"] != "dumb"
    }
}
