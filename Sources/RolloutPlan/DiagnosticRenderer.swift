/// Renders diagnostics the way compilers do, with the source line and a caret.
///
/// ```
/// plans/upgrade.yaml:12:7: error[plan.unknown-key]: unknown key 'selct' in a release stage (did you mean 'select'?)
///    12 |       selct: {keyspace: commerce}
///       |       ^
///   at spec.stages[0].selct
/// ```
public struct DiagnosticRenderer: Sendable {
    /// Whether to colour severities with ANSI escapes (the CLI decides: TTY and no NO_COLOR).
    public var color: Bool

    /// Creates a renderer.
    public init(color: Bool) { self.color = color }

    /// Renders one file's diagnostics. `source` is the file's text, for the quoted lines.
    public func render(_ diagnostics: [Diagnostic], file: String, source: String?) -> String {
        let lines = source.map { $0.split(separator: "\n", omittingEmptySubsequences: false) } ?? []
        var out = ""
        for d in diagnostics {
            let location = d.position.map { "\(file):\($0.line):\($0.column)" } ?? file
            var message = d.message
            if let suggestion = d.suggestion { message += " (did you mean '\(suggestion)'?)" }
            out += "\(bold(location + ":")) \(severityLabel(d.severity))[\(d.id)]: \(bold(message))\n"
            if let position = d.position, position.line - 1 < lines.count, position.line >= 1 {
                let (text, caretColumn) = Self.excerpt(
                    String(lines[position.line - 1]).replacingTabs(), column: position.column - 1)
                let number = String(position.line)
                let gutter = String(repeating: " ", count: number.count)
                out += " \(number) | \(text)\n"
                out += " \(gutter) | \(String(repeating: " ", count: caretColumn))\(paint("^", code: "32"))\n"
            }
            if !d.path.components.isEmpty { out += "  at \(d.path)\n" }
            for note in d.notes { out += "  note: \(note)\n" }
        }
        return out
    }

    /// The widest source line quoted whole; a longer one is cut to a window around the caret.
    public static let maxExcerptWidth = 160

    /// The quoted part of a source line and the caret's column in it: a window of
    /// `maxExcerptWidth` characters around `column`, marked with `…` where it was cut, so a
    /// megabyte-long line does not become a megabyte of output.
    public static func excerpt(_ line: String, column: Int) -> (text: String, caret: Int) {
        let characters = Array(line)
        let caret = min(max(column, 0), characters.count)
        guard characters.count > maxExcerptWidth else { return (line, caret) }
        let start = max(0, min(caret - maxExcerptWidth / 2, characters.count - maxExcerptWidth))
        let end = min(characters.count, start + maxExcerptWidth)
        let head = start > 0 ? "…" : ""
        let tail = end < characters.count ? "…" : ""
        return (head + String(characters[start..<end]) + tail, caret - start + head.count)
    }

    /// A one-line count such as `2 errors, 1 warning`.
    public static func summary(_ diagnostics: [Diagnostic]) -> String {
        let errors = diagnostics.filter { $0.severity == .error }.count
        let warnings = diagnostics.filter { $0.severity == .warning }.count
        func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
        return "\(plural(errors, "error")), \(plural(warnings, "warning"))"
    }

    private func severityLabel(_ severity: Severity) -> String {
        switch severity {
        case .error: paint("error", code: "1;31")
        case .warning: paint("warning", code: "1;33")
        case .note: paint("note", code: "1;36")
        }
    }

    private func bold(_ text: String) -> String { paint(text, code: "1") }

    private func paint(_ text: String, code: String) -> String {
        color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}

extension String {
    /// Tabs become single spaces so the caret lines up with libyaml's scalar-based columns, and
    /// other control characters become U+FFFD, so quoting a binary file never writes raw bytes
    /// to the terminal.
    fileprivate func replacingTabs() -> String {
        String(
            unicodeScalars.map { scalar -> Character in
                if scalar == "\t" { return " " }
                if scalar.properties.generalCategory == .control { return "\u{FFFD}" }
                return Character(scalar)
            })
    }
}
