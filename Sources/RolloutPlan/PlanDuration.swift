/// A non-negative duration written as `90s`, `10m`, `1h30m` or `500ms`.
///
/// Units are `h`, `m`, `s` and `ms`, each at most once and in that order, as in Go's
/// `time.ParseDuration` minus fractions and the sub-millisecond units no rollout needs.
public struct PlanDuration: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The length in milliseconds.
    public let milliseconds: Int64

    /// The longest duration a plan may state: 30 days.
    public static let maximum = PlanDuration(milliseconds: 30 * 24 * 3_600_000)

    /// Creates a duration from milliseconds.
    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    /// Creates a duration from whole seconds.
    public static func seconds(_ s: Int64) -> PlanDuration { PlanDuration(milliseconds: s * 1000) }
    /// Creates a duration from whole minutes.
    public static func minutes(_ m: Int64) -> PlanDuration { PlanDuration(milliseconds: m * 60_000) }

    /// The length in seconds, for clocks and estimates.
    public var seconds: Double { Double(milliseconds) / 1000 }

    /// Parses the plan syntax. Returns nil for anything else, including negative numbers, fractions
    /// and units out of order.
    public init?(parsing text: String) {
        let units: [(suffix: String, factor: Int64)] = [("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)]
        var rest = Substring(text)
        var total: Int64 = 0
        var nextUnit = 0
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 9, let value = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let unitText = rest.prefix { $0.isASCII && $0.isLetter }
            rest = rest.dropFirst(unitText.count)
            guard let index = units.firstIndex(where: { $0.suffix == unitText }), index >= nextUnit else { return nil }
            nextUnit = index + 1
            total += value * units[index].factor
        }
        self.milliseconds = total
    }

    /// The canonical text, largest units first (`1h30m`, `90s` becomes `1m30s`, zero is `0s`).
    public var description: String {
        if milliseconds == 0 { return "0s" }
        var rest = milliseconds
        var text = ""
        for (suffix, factor) in [("h", Int64(3_600_000)), ("m", 60_000), ("s", 1000), ("ms", 1)] {
            let count = rest / factor
            if count > 0 { text += "\(count)\(suffix)" }
            rest %= factor
        }
        return text
    }

    /// Orders durations by length.
    public static func < (lhs: PlanDuration, rhs: PlanDuration) -> Bool { lhs.milliseconds < rhs.milliseconds }
}

/// A count of items or a percentage of the matching items, as `limit` takes it.
public enum CountOrPercent: Hashable, Sendable, CustomStringConvertible {
    /// An absolute number, at least 1.
    case count(Int)
    /// A percentage from 1 to 100; it is rounded up when resolved, so it selects at least one item.
    case percent(Int)

    /// Parses `25%`; returns nil for anything else.
    public static func parsePercent(_ text: String) -> Int? {
        guard text.hasSuffix("%") else { return nil }
        let digits = text.dropLast()
        guard !digits.isEmpty, digits.count <= 3, digits.first != "0", digits.allSatisfy({ $0.isASCII && $0.isNumber })
        else { return nil }
        return Int(digits)
    }

    /// How many of `total` items this selects. A percentage rounds up, so `10%` of 3 is 1.
    public func resolve(total: Int) -> Int {
        switch self {
        case .count(let n): return min(n, total)
        case .percent(let p): return (total * p + 99) / 100
        }
    }

    /// The plan text (`3` or `25%`).
    public var description: String {
        switch self {
        case .count(let n): "\(n)"
        case .percent(let p): "\(p)%"
        }
    }
}

extension PlanDuration {
    /// The sum of two durations.
    public static func + (lhs: PlanDuration, rhs: PlanDuration) -> PlanDuration {
        PlanDuration(milliseconds: lhs.milliseconds + rhs.milliseconds)
    }
}
