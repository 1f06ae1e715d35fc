import Foundation
import RolloutPlan

/// Paths into the source tree, found from this file's location.
enum Repo {
    /// The package root.
    static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    /// Tests/RolloutPlanTests/Fixtures.
    static let fixtures = root.appendingPathComponent("Tests/RolloutPlanTests/Fixtures")

    /// The names of files in a directory with a prefix and suffix, sorted.
    static func files(in dir: URL, prefix: String = "", suffix: String = ".yaml") -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasPrefix(prefix) && $0.hasSuffix(suffix) }.sorted()
    }

    /// A file's text.
    static func text(_ url: URL) -> String { (try? String(contentsOf: url, encoding: .utf8)) ?? "" }
}

/// A fixture with `«N»` position markers, as swift-format writes its test inputs.
///
/// Header lines `# expect «N» rule.id` name the diagnostic expected at marker N. The markers are
/// removed before parsing, and their line and column in the stripped text become the expectation.
struct MarkedFixture {
    /// The text with markers removed.
    let text: String
    /// Expected (id, position) pairs.
    let expected: Set<Expected>
    /// `accept`, `reject` or `n/a`: what the JSON Schema must say about the stripped text.
    let schemaVerdict: String

    struct Expected: Hashable, CustomStringConvertible {
        let id: String
        let line: Int
        let column: Int
        var description: String { "\(id)@\(line):\(column)" }
    }

    init(_ raw: String) {
        var markers: [Int: (line: Int, column: Int)] = [:]
        var ids: [Int: String] = [:]
        var verdict = "n/a"
        var stripped = ""
        let lines = raw.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, rawLine) in lines.enumerated() {
            if index > 0 { stripped += "\n" }
            // Header lines name markers; they are kept verbatim, not scanned for them.
            if rawLine.hasPrefix("# expect «") {
                stripped += rawLine
                continue
            }
            var column = 1
            var rest = Substring(rawLine)
            while let scalar = rest.unicodeScalars.first {
                if scalar == "«", let close = rest.firstIndex(of: "»"),
                    let n = Int(rest[rest.index(after: rest.startIndex)..<close])
                {
                    markers[n] = (index + 1, column)
                    rest = rest[rest.index(after: close)...]
                    continue
                }
                stripped.unicodeScalars.append(scalar)
                column += 1
                rest = Substring(rest.unicodeScalars.dropFirst())
            }
        }
        for headerLine in stripped.split(separator: "\n") where headerLine.hasPrefix("#") {
            let words = headerLine.split(separator: " ")
            if words.count == 3, words[1] == "schema:" { verdict = String(words[2]) }
        }
        for headerLine in raw.split(separator: "\n") where headerLine.hasPrefix("# expect «") {
            let words = headerLine.split(separator: " ")
            if words.count == 4, let n = Int(words[2].dropFirst().dropLast()) { ids[n] = String(words[3]) }
        }
        text = stripped
        expected = Set(
            ids.compactMap { n, id in markers[n].map { Expected(id: id, line: $0.line, column: $0.column) } })
        schemaVerdict = verdict
    }
}
