/// Renders diagnostics as GitHub Actions workflow commands, so a CI run puts each finding on the
/// pull request's diff (`plan validate -o github`).
///
/// ```
/// ::error file=plans/upgrade.yaml,line=12,col=7,title=plan.unknown-key::unknown key 'selct' in a release stage (did you mean 'select'?)
/// ```
///
/// Errors become `::error`, warnings `::warning` and notes `::notice`. The message carries the
/// "did you mean" suggestion and the notes (one per line), as the text renderer prints them.
/// Values are escaped the way GitHub's own toolkit (`@actions/core`) escapes them.
public enum GitHubAnnotations {
    /// One workflow command per diagnostic, in the order given, each without a trailing newline.
    public static func lines(_ diagnostics: [Diagnostic], file: String) -> [String] {
        diagnostics.map { line($0, file: file) }
    }

    /// The workflow command for one diagnostic found in `file` (a path relative to the repository root).
    public static func line(_ diagnostic: Diagnostic, file: String) -> String {
        var properties = [("file", file)]
        if let position = diagnostic.position {
            properties.append(("line", String(position.line)))
            properties.append(("col", String(position.column)))
        }
        properties.append(("title", diagnostic.id.rawValue))
        var message = diagnostic.message
        if let suggestion = diagnostic.suggestion { message += " (did you mean '\(suggestion)'?)" }
        for note in diagnostic.notes { message += "\nnote: \(note)" }
        let list = properties.map { "\($0.0)=\(escapeProperty($0.1))" }.joined(separator: ",")
        return "::\(command(diagnostic.severity)) \(list)::\(escapeData(message))"
    }

    /// The workflow command GitHub uses for a severity.
    public static func command(_ severity: Severity) -> String {
        switch severity {
        case .error: "error"
        case .warning: "warning"
        case .note: "notice"
        }
    }

    /// Escapes a message: `%`, CR and LF, so a multi-line message stays one command.
    public static func escapeData(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "%": out += "%25"
            case "\r": out += "%0D"
            case "\n": out += "%0A"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Escapes a property value: as a message, plus `:` and `,`, which separate properties.
    public static func escapeProperty(_ text: String) -> String {
        var out = ""
        for scalar in escapeData(text).unicodeScalars {
            switch scalar {
            case ":": out += "%3A"
            case ",": out += "%2C"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
