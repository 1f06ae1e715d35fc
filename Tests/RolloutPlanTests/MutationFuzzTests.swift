import Foundation
import RolloutPlan
import Testing

/// Thousands of mutated plans: the parser never crashes, every finding has a known id and a
/// position inside the file, and a plan is returned exactly when there are no errors.
@Suite struct MutationFuzzTests {
    /// A small deterministic generator, so a failure reproduces from its seed.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D1_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// A plain tree to mutate; emitted as flow YAML (JSON-like), which any YAML parser reads.
    indirect enum Tree {
        case scalar(String)
        case list([Tree])
        case map([(String, Tree)])

        init(_ node: YAMLNode) {
            switch node.content {
            case .scalar(let s): self = .scalar(s.text)
            case .sequence(let items): self = .list(items.map(Tree.init))
            case .mapping(let pairs): self = .map(pairs.map { ($0.name, Tree($0.value)) })
            }
        }

        var yaml: String {
            switch self {
            case .scalar(let s): return Self.quote(s)
            case .list(let items): return "[" + items.map(\.yaml).joined(separator: ", ") + "]"
            case .map(let pairs):
                return "{" + pairs.map { Self.quote($0.0) + ": " + $0.1.yaml }.joined(separator: ", ") + "}"
            }
        }

        static func quote(_ s: String) -> String {
            // Numbers and booleans stay plain so their types survive; everything else is quoted.
            if Int(s) != nil || s == "true" || s == "false" { return s }
            return "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                + "\""
        }
    }

    static let vocabulary =
        PlanKeys.spec + PlanKeys.selector + PlanKeys.releaseStage + PlanKeys.healthCheck + ["x", ""]
    static let values: [Tree] = [
        .scalar("0"), .scalar("-1"), .scalar("true"), .scalar(""), .scalar("10m"), .scalar("25%"), .scalar("-80"),
        .scalar("primary"), .scalar("{{x}}"), .list([]), .map([]), .list([.scalar("a"), .scalar("a")]),
        .map([("approval", .map([])), ("wait", .map([]))]),
    ]

    static func mutate(_ tree: Tree, using rng: inout SplitMix64, depth: Int = 0) -> Tree {
        let roll = Int.random(in: 0..<10, using: &rng)
        switch tree {
        case .map(var pairs) where !pairs.isEmpty:
            let i = Int.random(in: 0..<pairs.count, using: &rng)
            switch roll {
            case 0: pairs.remove(at: i)  // drop a key
            case 1: pairs.append(pairs[i])  // duplicate a key
            case 2: pairs[i].0 = vocabulary.randomElement(using: &rng)!  // rename a key
            case 3: pairs[i].1 = values.randomElement(using: &rng)!  // retype a value
            case 4: pairs[i].0 = String(pairs[i].0.dropLast())  // misspell a key
            default: pairs[i].1 = mutate(pairs[i].1, using: &rng, depth: depth + 1)
            }
            return .map(pairs)
        case .list(var items) where !items.isEmpty:
            let i = Int.random(in: 0..<items.count, using: &rng)
            switch roll {
            case 0: items.remove(at: i)
            case 1: items.append(items[i])
            case 2: items[i] = values.randomElement(using: &rng)!
            default: items[i] = mutate(items[i], using: &rng, depth: depth + 1)
            }
            return .list(items)
        default:
            return roll < 5 ? values.randomElement(using: &rng)! : tree
        }
    }

    static func seeds() -> [(name: String, text: String)] {
        let plans = Repo.root.appendingPathComponent("plans")
        return Repo.files(in: plans).map { ($0, Repo.text(plans.appendingPathComponent($0))) }
            + Repo.files(in: Repo.fixtures, prefix: "valid-").map {
                ($0, Repo.text(Repo.fixtures.appendingPathComponent($0)))
            }
    }

    static func checkInvariants(_ text: String, context: @autoclosure () -> String) {
        let result = PlanParser.parse(text)
        let lineCount = text.split(separator: "\n", omittingEmptySubsequences: false).count
        for d in result.diagnostics {
            #expect(DiagnosticID.all.contains(d.id), "unknown id \(d.id) for \(context())")
            if let p = d.position {
                #expect(p.line >= 1 && p.line <= lineCount + 1 && p.column >= 1, "position \(p) out of range")
            }
            #expect(!d.message.isEmpty)
        }
        #expect((result.plan != nil) == !result.diagnostics.hasErrors, "plan/errors mismatch for \(context())")
    }

    @Test func treeMutationsNeverCrash() throws {
        var rng = SplitMix64(state: 0x5EED_0001)
        var cases = 0
        for seed in Self.seeds() {
            let composed = YAMLComposer.compose(Array(seed.text.utf8))
            let root = Tree(try #require(composed.root))
            for round in 0..<500 {
                var tree = root
                for _ in 0...(round % 4) { tree = Self.mutate(tree, using: &rng) }
                Self.checkInvariants(tree.yaml, context: "\(seed.name) round \(round): \(tree.yaml)")
                cases += 1
            }
        }
        #expect(cases >= 4000)
    }

    @Test func textMutationsNeverCrash() {
        var rng = SplitMix64(state: 0x5EED_0002)
        let noise: [String] = [
            "\t", "{", "}", "[", "]", "&a ", "*a", "<<: *a\n", ": ", "- ", "'", "\"", "#", "\n  ",
            "!!int ", "? ", "|\n", "%YAML 1.2\n", "---\n", "\u{FEFF}", "é", "ø\u{301}",
        ]
        var cases = 0
        for seed in Self.seeds() {
            let lines = seed.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            for round in 0..<300 {
                var mutated = lines
                let i = Int.random(in: 0..<mutated.count, using: &rng)
                switch round % 4 {
                case 0: mutated.remove(at: i)
                case 1: mutated.insert(mutated[i], at: i)
                case 2: mutated[i] = String(mutated[i].shuffled(using: &rng))
                default:
                    var line = mutated[i]
                    let at = line.index(line.startIndex, offsetBy: Int.random(in: 0...line.count, using: &rng))
                    line.insert(contentsOf: noise.randomElement(using: &rng)!, at: at)
                    mutated[i] = line
                }
                let text = mutated.joined(separator: "\n")
                Self.checkInvariants(text, context: "\(seed.name) text round \(round)")
                cases += 1
            }
        }
        #expect(cases >= 2000)
    }
}
