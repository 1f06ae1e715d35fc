/// A 1-based line and column in a plan file. Columns count Unicode scalars, as libyaml does.
public struct SourcePosition: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The 1-based line number.
    public let line: Int
    /// The 1-based column number.
    public let column: Int

    /// Creates a position from 1-based coordinates.
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// The start of a file.
    public static let start = SourcePosition(line: 1, column: 1)

    /// `line:column`, as compilers print it.
    public var description: String { "\(line):\(column)" }

    /// Orders positions by line, then column.
    public static func < (lhs: SourcePosition, rhs: SourcePosition) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }
}

/// A dotted field path into a plan, such as `spec.stages[2].select.shard`.
public struct FieldPath: Hashable, Sendable, CustomStringConvertible {
    /// The path components, already rendered (`spec`, `stages[2]`, `select`).
    public private(set) var components: [String]

    /// The root of the document.
    public static let root = FieldPath(components: [])

    /// Creates a path from rendered components.
    public init(components: [String]) { self.components = components }

    /// The path with a mapping key appended.
    public func key(_ name: String) -> FieldPath { FieldPath(components: components + [name]) }

    /// The path with a sequence index appended to the last component.
    public func index(_ i: Int) -> FieldPath {
        guard let last = components.last else { return FieldPath(components: ["[\(i)]"]) }
        return FieldPath(components: components.dropLast() + ["\(last)[\(i)]"])
    }

    /// The path as text; the document root renders as `.`.
    public var description: String { components.isEmpty ? "." : components.joined(separator: ".") }
}
