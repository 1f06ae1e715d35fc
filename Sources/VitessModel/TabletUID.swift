/// A tablet's identity in Vitess: its cell and 32-bit UID (`zone1-2548885007`).
public struct TabletAlias: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The cell the tablet runs in.
    public var cell: String
    /// The tablet UID.
    public var uid: UInt32

    /// Creates an alias from its parts.
    public init(cell: String, uid: UInt32) {
        self.cell = cell
        self.uid = uid
    }

    /// Parses `cell-uid`; the UID may or may not be zero-padded.
    public init?(_ text: String) {
        guard let dash = text.lastIndex(of: "-"), let uid = UInt32(text[text.index(after: dash)...]) else {
            return nil
        }
        let cell = String(text[..<dash])
        guard !cell.isEmpty else { return nil }
        self.init(cell: cell, uid: uid)
    }

    /// `cell-<10-digit uid>`, as Vitess's `TabletAliasString` prints it and as status map keys use it.
    public var description: String { "\(cell)-\(TabletUID.string(uid))" }

    /// Orders by cell, then UID, like the operator's sorted alias order.
    public static func < (lhs: TabletAlias, rhs: TabletAlias) -> Bool {
        (lhs.cell, lhs.uid) < (rhs.cell, rhs.uid)
    }
}

/// The operator's deterministic tablet UID (`pkg/operator/vttablet/uid.go`).
public enum TabletUID {
    /// The first 4 bytes, big-endian, of md5 over `"<cell> <keyspace> <keyrange> <pooltype> <index>\n"`.
    ///
    /// The index is the 1-based index within the pool. Changing this input changes every tablet's
    /// identity, which is why it follows the operator byte for byte.
    public static func uid(cell: String, keyspace: String, shard: KeyRange, pool: TabletPoolType, index: Int)
        -> UInt32
    {
        let digest = MD5.digest(Array("\(cell) \(keyspace) \(shard) \(pool.rawValue) \(index)\n".utf8))
        return UInt32(digest[0]) << 24 | UInt32(digest[1]) << 16 | UInt32(digest[2]) << 8 | UInt32(digest[3])
    }

    /// The UID zero-padded to 10 digits, as the operator's `UIDString` and the tablet-uid label print it.
    public static func string(_ uid: UInt32) -> String {
        let digits = String(uid)
        return String(repeating: "0", count: max(0, 10 - digits.count)) + digits
    }
}
