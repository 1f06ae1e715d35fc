import Testing

@testable import VitessModel

@Suite("MD5, operator names and tablet UIDs")
struct OperatorNamesTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        let input: String
        let hex: String
        var testDescription: String { "md5(\"\(input.prefix(20))\")" }
    }

    @Test(
        "RFC 1321 test vectors",
        arguments: [
            Vector(input: "", hex: "d41d8cd98f00b204e9800998ecf8427e"),
            Vector(input: "a", hex: "0cc175b9c0f1b6a831c399e269772661"),
            Vector(input: "abc", hex: "900150983cd24fb0d6963f7d28e17f72"),
            Vector(input: "message digest", hex: "f96b697d7cb7938d525a2f31aaf161d0"),
            Vector(input: "abcdefghijklmnopqrstuvwxyz", hex: "c3fcd3d76192e4007dfb496cca67e13b"),
            Vector(
                input: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
                hex: "d174ab98d277d9f5a5611c2c9f419d9f"),
            Vector(
                input: String(repeating: "1234567890", count: 8),
                hex: "57edf4a22be3c955ac49da2e2107b67a"),
        ])
    func md5(vector: Vector) {
        #expect(MD5.hex(vector.input) == vector.hex)
    }

    @Test("Incremental updates match one-shot digests across block boundaries")
    func incremental() {
        let text = String(repeating: "vitess-operator ", count: 13)
        var hasher = MD5()
        for chunk in text.split(separator: " ", omittingEmptySubsequences: false) {
            hasher.update(Array(chunk.utf8))
            hasher.update([UInt8(ascii: " ")])
        }
        var whole = Array(text.utf8)
        whole.append(UInt8(ascii: " "))
        #expect(hasher.finalize() == MD5.digest(whole))
    }

    struct UIDCase: Sendable, CustomTestStringConvertible {
        let index: Int
        let uid: UInt32
        let padded: String
        var testDescription: String { "replica \(index)" }
    }

    @Test(
        "Tablet UIDs of the reference's zone1/commerce/- replica pool",
        arguments: [
            UIDCase(index: 1, uid: 2_548_885_007, padded: "2548885007"),
            UIDCase(index: 2, uid: 2_469_782_763, padded: "2469782763"),
            UIDCase(index: 3, uid: 790_125_915, padded: "0790125915"),
        ])
    func tabletUID(example: UIDCase) throws {
        let shard = try #require(KeyRange("-"))
        let uid = TabletUID.uid(cell: "zone1", keyspace: "commerce", shard: shard, pool: .replica, index: example.index)
        #expect(uid == example.uid)
        #expect(TabletUID.string(uid) == example.padded)
    }

    struct NameCase: Sendable, CustomTestStringConvertible {
        let label: String
        let name: @Sendable () -> String
        let expected: String
        var testDescription: String { label }
    }

    @Test(
        "Names from the reference, section 6 and 9",
        arguments: [
            NameCase(
                label: "vtc", name: { OperatorNames.cell(cluster: "example", cell: "zone1") },
                expected: "example-zone1-5abb61ae"),
            NameCase(
                label: "vtk", name: { OperatorNames.keyspace(cluster: "example", keyspace: "commerce") },
                expected: "example-commerce-fb9b866a"),
            NameCase(
                label: "vts",
                name: {
                    OperatorNames.shard(cluster: "example", keyspace: "commerce", shard: KeyRange("-")!)
                }, expected: "example-commerce-x-x-0f5afee6"),
            NameCase(
                label: "vtgate", name: { OperatorNames.vtgate(cluster: "example", cell: "zone1") },
                expected: "example-zone1-vtgate-bc6cde92"),
            NameCase(
                label: "vtctld", name: { OperatorNames.vtctld(cluster: "example", cell: "zone1") },
                expected: "example-zone1-vtctld-1d4dcad0"),
            NameCase(
                label: "vtorc",
                name: {
                    OperatorNames.vtorc(cluster: "example", keyspace: "commerce", shard: KeyRange("-")!, cell: "zone1")
                }, expected: "example-commerce-x-x-zone1-vtorc-c13ef6ff"),
            NameCase(
                label: "etcd", name: { OperatorNames.globalEtcd(cluster: "example") },
                expected: "example-etcd-faf13de3"),
            NameCase(
                label: "tablet 1",
                name: {
                    OperatorNames.tabletPod(cluster: "example", alias: TabletAlias(cell: "zone1", uid: 2_548_885_007))
                }, expected: "example-vttablet-zone1-2548885007-46a852d0"),
            NameCase(
                label: "tablet 2",
                name: {
                    OperatorNames.tabletPod(cluster: "example", alias: TabletAlias(cell: "zone1", uid: 2_469_782_763))
                }, expected: "example-vttablet-zone1-2469782763-bfadd780"),
            NameCase(
                label: "tablet 3",
                name: {
                    OperatorNames.tabletPod(cluster: "example", alias: TabletAlias(cell: "zone1", uid: 790_125_915))
                }, expected: "example-vttablet-zone1-0790125915-4e37d9d5"),
        ])
    func names(example: NameCase) {
        #expect(example.name() == example.expected)
    }

    @Test("Invalid characters become dashes, a bad first character gets an x, long names are truncated")
    func constraints() {
        #expect(OperatorNames.join("My_Cluster", "a.b").hasPrefix("my-cluster-a-b-"))
        #expect(OperatorNames.join(["-lead"], constraints: .default).hasPrefix("x-lead-"))
        #expect(OperatorNames.join(["9lives"], constraints: .service).hasPrefix("x9lives-"))
        let long = OperatorNames.join([String(repeating: "a", count: 70)], constraints: .service)
        #expect(long.count == 63)
        #expect(long.dropLast(8).hasSuffix("---"))
        // Moving a dash between parts must change the hash.
        #expect(OperatorNames.join("a-b", "c") != OperatorNames.join("a", "b-c"))
    }

    @Test("Tablet aliases parse padded and unpadded UIDs and print 10 digits")
    func alias() {
        #expect(TabletAlias("zone1-790125915") == TabletAlias(cell: "zone1", uid: 790_125_915))
        #expect(TabletAlias("us-east-1a-0790125915")?.cell == "us-east-1a")
        #expect(TabletAlias(cell: "zone1", uid: 7).description == "zone1-0000000007")
        #expect(TabletAlias("nocell") == nil)
    }
}
