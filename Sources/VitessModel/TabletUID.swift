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
