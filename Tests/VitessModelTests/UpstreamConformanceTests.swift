import Testing

@testable import VitessModel

// Conformance with vitess-operator's own unit tests: each suite below reproduces the cases (inputs and
// expected outputs) of one upstream test file as rows of our own tables. The cases are the operator
// authors'; the test code is ours.
//
// Upstream tables left out because VitessModel has no counterpart (yet):
// - names/join_test.go TestJoinSalt and join_constraints_test.go TestJoinSaltWithConstraintsCompatibility:
//   there is no salted join (`JoinSaltWithConstraints`). The salted hashes themselves are checked below,
//   since `OperatorNames.hash` over salt + parts is what that function appends.
// - vttablet/uid_test.go TestUIDWithPoolNameHash: there is no `UIDWithPoolName`.
// - apis/planetscale/v2/keyrange_test.go TestSortKeyRanges: KeyRange has no ordering (`SortKeyRanges`).
// - apis/planetscale/v2/vitesskeyspace_methods_test.go TestTranslationToVitessKeyRange (equal partitioning
//   with hexWidth) and TestVitessKeyspacePartitioningTotalReplicas: VitessModel has no equal-partitioning
//   shard-range generation and no partitioning type.

/// The operator's frozen `DeprecatedJoin`: parts joined with `-`, then `-` and the hash of the raw parts.
/// Upstream uses it as the reference that `JoinWithConstraints` must match when no constraint applies.
private func deprecatedJoin(_ parts: [String]) -> String {
    (parts + [OperatorNames.hash(parts)]).joined(separator: "-")
}

@Suite("Upstream pkg/operator/names/join_test.go")
struct UpstreamJoinTests {
    // Reproduces pkg/operator/names/join_test.go (TestJoin, TestJoinSalt's hashes, TestJoinHash).

    @Test("Parts are joined with '-' before the hash (TestJoin)")
    func joinedPrefix() {
        #expect(OperatorNames.join(["one", "two", "three"]).hasPrefix("one-two-three-"))
        #expect(deprecatedJoin(["one", "two", "three"]).hasPrefix("one-two-three-"))
    }

    struct Pair: Sendable, CustomTestStringConvertible {
        let label: String
        let a: [String]
        let b: [String]
        let shouldEqual: Bool
        var testDescription: String { label }
    }

    @Test(
        "Determinism and uniqueness (TestJoin)",
        arguments: [
            Pair(
                label: "same parts, same order", a: ["one", "two", "three"], b: ["one", "two", "three"],
                shouldEqual: true),
            Pair(
                label: "same parts, different order", a: ["one", "two", "three"], b: ["one", "three", "two"],
                shouldEqual: false),
            Pair(
                label: "different parts", a: ["one", "two", "three"], b: ["one", "two", "four"],
                shouldEqual: false),
            Pair(
                label: "substring moved to adjacent part", a: ["one-two", "three-four"],
                b: ["one", "two-three-four"], shouldEqual: false),
            Pair(
                label: "one part split into two parts", a: ["one-two", "three-four"],
                b: ["one-two", "three", "four"], shouldEqual: false),
        ])
    func determinism(pair: Pair) {
        #expect((OperatorNames.join(pair.a) == OperatorNames.join(pair.b)) == pair.shouldEqual)
        #expect((deprecatedJoin(pair.a) == deprecatedJoin(pair.b)) == pair.shouldEqual)
    }

    struct SaltedHash: Sendable, CustomTestStringConvertible {
        let salt: [String]
        let parts: [String]
        let hash: String
        var testDescription: String { "salt \(salt) + \(parts)" }
    }

    // TestJoinSalt wants "hello-world-<hash>" with the hash taken over salt followed by parts. We have no
    // salted join, so only the hash half is checked.
    @Test(
        "Hash over salt followed by parts (TestJoinSalt)",
        arguments: [
            SaltedHash(salt: ["salt1", "salt2"], parts: ["hello", "world"], hash: "462f1b88"),
            SaltedHash(salt: ["salt1-salt2"], parts: ["hello", "world"], hash: "c65378ee"),
        ])
    func saltedHash(row: SaltedHash) {
        #expect(OperatorNames.hash(row.salt + row.parts) == row.hash)
    }

    @Test("Change detection: hello, world (TestJoinHash)")
    func changeDetection() {
        #expect(OperatorNames.join(["hello", "world"]) == "hello-world-1dd41005")
        #expect(deprecatedJoin(["hello", "world"]) == "hello-world-1dd41005")
    }
}

@Suite("Upstream pkg/operator/names/join_constraints_test.go")
struct UpstreamJoinConstraintsTests {
    // Reproduces pkg/operator/names/join_constraints_test.go (TestJoinWithConstraints,
    // TestJoinWithConstraintsMaxLength, TestJoinWithConstraintsTransform,
    // TestJoinWithConstraintsCompatibility).

    /// Upstream's `isLowercaseLetter` first-character rule.
    static func letterFirst(_ maxLength: Int) -> OperatorNames.Constraints {
        OperatorNames.Constraints(maxLength: maxLength, firstCharMustBeLetter: true)
    }

    /// Upstream's `isLowercaseAlphanumeric` first-character rule.
    static func alphanumericFirst(_ maxLength: Int) -> OperatorNames.Constraints {
        OperatorNames.Constraints(maxLength: maxLength, firstCharMustBeLetter: false)
    }

    struct PrefixCase: Sendable, CustomTestStringConvertible {
        let input: [String]
        let prefix: String
        var testDescription: String { "\(input)" }
    }

    @Test(
        "Transformations under MaxLength 50, first character a letter (TestJoinWithConstraints)",
        arguments: [
            PrefixCase(input: ["UpperCase-Letters", "Are-Lowercased"], prefix: "uppercase-letters-are-lowercased-"),
            PrefixCase(input: ["allowed-symbols", "dont---change"], prefix: "allowed-symbols-dont---change-"),
            PrefixCase(input: ["disallowed_symbols", "are.replaced"], prefix: "disallowed-symbols-are-replaced-"),
            PrefixCase(
                input: ["really-really-ridiculously-long-inputs-are-truncated"],
                prefix: "really-really-ridiculously-long-inputs----"),
            PrefixCase(
                input: ["-disallowed first chars", "-are prefixed"], prefix: "x-disallowed-first-chars--are-prefixed-"),
            PrefixCase(input: ["Transformed first char", "is ok"], prefix: "transformed-first-char-is-ok-"),
        ])
    func transformations(row: PrefixCase) {
        let name = OperatorNames.join(row.input, constraints: Self.letterFirst(50))
        #expect(name.hasPrefix(row.prefix), "got \(name)")
    }

    @Test("Truncation to MaxLength 25 keeps the length and stays unique (TestJoinWithConstraintsMaxLength)")
    func maxLength() {
        let constraints = Self.alphanumericFirst(25)
        let a20 = String(repeating: "a", count: 20)
        let b20 = String(repeating: "b", count: 20)
        let b100 = String(repeating: "b", count: 100)
        #expect(OperatorNames.join([a20, b20], constraints: constraints).count == 25)
        #expect(
            OperatorNames.join([a20, b100 + "1"], constraints: constraints)
                != OperatorNames.join([a20, b100 + "2"], constraints: constraints))
    }

    @Test("Inputs that differ only before transformation stay distinguishable (TestJoinWithConstraintsTransform)")
    func transformUniqueness() {
        let constraints = Self.alphanumericFirst(50)
        let underscore = OperatorNames.join(["disallowed_symbol"], constraints: constraints)
        let slash = OperatorNames.join(["disallowed/symbol"], constraints: constraints)
        let control = deprecatedJoin(["disallowed-symbol"])
        #expect(underscore != slash)
        #expect(underscore != control)
        #expect(slash != control)
    }

    struct Compatibility: Sendable, CustomTestStringConvertible {
        let input: [String]
        var testDescription: String { "\(input)" }
    }

    @Test(
        "No constraint triggered gives exactly DeprecatedJoin, MaxLength 63 (TestJoinWithConstraintsCompatibility)",
        arguments: [
            Compatibility(input: ["abc", "def"]),
            Compatibility(input: ["abc1", "2def3", "a-b-c"]),
            Compatibility(input: ["1abc", "2def3", "a-b-c"]),
            Compatibility(input: ["longnamepart1", "reallyreallyridiculouslylongnamepart2"]),
        ])
    func compatibility(row: Compatibility) {
        #expect(OperatorNames.join(row.input, constraints: Self.alphanumericFirst(63)) == deprecatedJoin(row.input))
    }
}

@Suite("Upstream pkg/operator/vttablet/uid_test.go")
struct UpstreamTabletUIDTests {
    // Reproduces pkg/operator/vttablet/uid_test.go (TestUIDHash). TestUIDWithPoolNameHash
    // (cell, keyspace, 10-20, replica, 1, "unmanaged-replica-1" -> 6333720) has no counterpart: no
    // UIDWithPoolName in VitessModel.

    struct UIDRow: Sendable, CustomTestStringConvertible {
        let cell: String
        let keyspace: String
        let shard: String
        let pool: TabletPoolType
        let index: Int
        let uid: UInt32
        var testDescription: String { "\(cell) \(keyspace) \(shard) \(pool.rawValue) \(index)" }
    }

    @Test(
        "Change detection (TestUIDHash)",
        arguments: [
            UIDRow(cell: "cell", keyspace: "keyspace", shard: "10-20", pool: .replica, index: 1, uid: 3_376_898_362)
        ])
    func uid(row: UIDRow) throws {
        let shard = try #require(KeyRange(row.shard))
        #expect(
            TabletUID.uid(cell: row.cell, keyspace: row.keyspace, shard: shard, pool: row.pool, index: row.index)
                == row.uid)
    }
}

@Suite("Upstream pkg/apis/planetscale/v2/keyrange_test.go")
struct UpstreamKeyRangeTests {
    // Reproduces pkg/apis/planetscale/v2/keyrange_test.go (TestKeyRangeString, TestKeyRangeSafeName; both
    // tables share their inputs, so each row carries both expectations). The upstream rows
    // ("", "") -> "-"/"x-x", ("", "80") -> "-80"/"x-80" and ("80", "") -> "80-"/"80-x" are already in
    // KeyRangeTests.safeNameMatchesTheOperatorLabel and are not repeated here. TestSortKeyRanges has no
    // counterpart: KeyRange has no ordering.

    struct Row: Sendable, CustomTestStringConvertible {
        let start: String
        let end: String
        let string: String
        let safeName: String
        var testDescription: String { "{\"\(start)\", \"\(end)\"}" }
    }

    @Test(
        "String and SafeName (TestKeyRangeString, TestKeyRangeSafeName)",
        arguments: [
            Row(start: "40", end: "50", string: "40-50", safeName: "40-50"),
            Row(start: "", end: "8080", string: "-8080", safeName: "x-8080"),
            Row(start: "8080", end: "", string: "8080-", safeName: "8080-x"),
            Row(start: "4040", end: "4050", string: "4040-4050", safeName: "4040-4050"),
        ])
    func stringAndSafeName(row: Row) throws {
        // KeyRange is built by parsing; its bounds must come out as upstream's Start and End.
        let range = try #require(KeyRange("\(row.start)-\(row.end)"))
        #expect(range.start == row.start)
        #expect(range.end == row.end)
        #expect(range.description == row.string)
        #expect(range.safeName == row.safeName)
    }
}
