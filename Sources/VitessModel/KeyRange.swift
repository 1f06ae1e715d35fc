/// A Vitess key range such as `-80`, `80-`, `40-80` or `-` (the whole range).
///
/// Bounds are lower-case hex strings of any even length; an empty bound is open. Comparison pads
/// the shorter bound with zeros, as Vitess does, so `-80` and `-8000` cover the same keys.
public struct KeyRange: Hashable, Sendable, CustomStringConvertible {
    /// The inclusive start, or `""` for the beginning of the key space.
    public let start: String
    /// The exclusive end, or `""` for the end of the key space.
    public let end: String

    /// Parses a shard name. Returns nil when it is not a key range (for example `0`, an unsharded
    /// keyspace's conventional name, is not).
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let start = parts[0].lowercased()
        let end = parts[1].lowercased()
        guard Self.isHexBound(start), Self.isHexBound(end) else { return nil }
        if !start.isEmpty, !end.isEmpty, Self.compare(start, end) >= 0 { return nil }
        self.start = start
        self.end = end
    }

    /// The shard name this key range stands for.
    public var description: String { "\(start)-\(end)" }

    /// The operator's label-safe form: an open bound becomes `x` (`-80` is `x-80`, `-` is `x-x`).
    public var safeName: String { "\(start.isEmpty ? "x" : start)-\(end.isEmpty ? "x" : end)" }

    /// Whether every key of `other` lies inside this range.
    public func contains(_ other: KeyRange) -> Bool {
        let startsInside = start.isEmpty || (!other.start.isEmpty && Self.compare(other.start, start) >= 0)
        let endsInside = end.isEmpty || (!other.end.isEmpty && Self.compare(other.end, end) <= 0)
        return startsInside && endsInside
    }

    /// Whether the two ranges share at least one key.
    public func overlaps(_ other: KeyRange) -> Bool {
        let aStartsBeforeBEnds = other.end.isEmpty || start.isEmpty || Self.compare(start, other.end) < 0
        let bStartsBeforeAEnds = end.isEmpty || other.start.isEmpty || Self.compare(other.start, end) < 0
        return aStartsBeforeBEnds && bStartsBeforeAEnds
    }

    private static func isHexBound(_ text: String) -> Bool {
        text.count % 2 == 0 && text.allSatisfy { $0.isHexDigit }
    }

    /// Compares two bounds as Vitess does: right-pad the shorter with zeros.
    private static func compare(_ a: String, _ b: String) -> Int {
        let width = max(a.count, b.count)
        let pa = a + String(repeating: "0", count: width - a.count)
        let pb = b + String(repeating: "0", count: width - b.count)
        return pa == pb ? 0 : (pa < pb ? -1 : 1)
    }
}
