/// The operator's object naming (`JoinWithConstraints` in vitess-operator's `pkg/operator/names`).
///
/// Parts are lower-cased, any character outside `[a-z0-9-]` becomes `-`, they are joined with `-`, and a
/// hash of the original parts is appended, so two different part lists never give the same name.
public enum OperatorNames {
    /// The rules a generated name must follow for one kind of object.
    public struct Constraints: Sendable, Hashable {
        /// The longest allowed name, hash included.
        public var maxLength: Int
        /// Whether the first character must be a letter (Services) rather than a letter or digit.
        public var firstCharMustBeLetter: Bool

        /// Most Kubernetes objects: 253 characters, starting with a letter or digit.
        public static let `default` = Constraints(maxLength: 253, firstCharMustBeLetter: false)
        /// Services: 63 characters, starting with a letter.
        public static let service = Constraints(maxLength: 63, firstCharMustBeLetter: true)
        /// EtcdLockservers: room is left for the `-client` suffix of their Services.
        public static let etcdLockserver = Constraints(maxLength: 63 - 7, firstCharMustBeLetter: true)
    }

    /// The first 4 bytes of md5 over each part followed by a NUL byte, as 8 hex characters.
    public static func hash(_ parts: [String]) -> String {
        var hasher = MD5()
        for part in parts {
            hasher.update(Array(part.utf8))
            // The NUL separator differs from '-', so moving text between parts changes the hash.
            hasher.update([0])
        }
        return hex(hasher.finalize().prefix(4))
    }

    /// Joins `parts` into a valid, unique, deterministic name.
    public static func join(_ parts: [String], constraints: Constraints = .default) -> String {
        guard !parts.isEmpty else { return "" }
        let suffix = hash(parts)
        var cleaned = parts.map { part in
            String(
                part.unicodeScalars.map { scalar -> Character in
                    switch scalar {
                    case "a"..."z", "0"..."9", "-": Character(scalar)
                    case "A"..."Z": Character(String(scalar).lowercased())
                    default: "-"
                    }
                })
        }
        if let first = cleaned[0].first {
            let valid = first.isLetter || (!constraints.firstCharMustBeLetter && first.isNumber)
            if !valid { cleaned[0] = "x" + cleaned[0] }
        } else {
            cleaned[0] = "x"
        }
        var joined = cleaned.joined(separator: "-")
        let predicted = joined.count + 1 + suffix.count
        if predicted <= constraints.maxLength { return joined + "-" + suffix }
        // Cut enough for the hash plus the two extra characters of the `---` truncation mark.
        joined.removeLast(predicted - constraints.maxLength + 2)
        return joined + "---" + suffix
    }

    /// Joins parts with the default constraints.
    public static func join(_ parts: String...) -> String { join(parts) }

    /// A VitessCell: `<cluster>-<cell>-<hash>`.
    public static func cell(cluster: String, cell: String) -> String { join(cluster, cell) }

    /// A VitessKeyspace: `<cluster>-<keyspace>-<hash>`.
    public static func keyspace(cluster: String, keyspace: String) -> String { join(cluster, keyspace) }

    /// A VitessShard: `<cluster>-<keyspace>-<shard safe name>-<hash>`.
    public static func shard(cluster: String, keyspace: String, shard: KeyRange) -> String {
        join(cluster, keyspace, shard.safeName)
    }

    /// A tablet Pod (and its PVC): `<cluster>-vttablet-<cell>-<10-digit uid>-<hash>`.
    public static func tabletPod(cluster: String, alias: TabletAlias) -> String {
        join(cluster, "vttablet", alias.description)
    }

    /// A cell's vtgate Deployment.
    public static func vtgate(cluster: String, cell: String) -> String { join(cluster, cell, "vtgate") }

    /// A cell's vtctld Deployment.
    public static func vtctld(cluster: String, cell: String) -> String { join(cluster, cell, "vtctld") }

    /// A cell's vtadmin Deployment.
    public static func vtadmin(cluster: String, cell: String) -> String { join(cluster, cell, "vtadmin") }

    /// A shard's vtorc Deployment in one cell.
    public static func vtorc(cluster: String, keyspace: String, shard: KeyRange, cell: String) -> String {
        join(cluster, keyspace, shard.safeName, cell, "vtorc")
    }

    /// The global EtcdLockserver; its member Pods are `<name>-<index>`.
    public static func globalEtcd(cluster: String) -> String {
        join([cluster, "etcd"], constraints: .etcdLockserver)
    }

    /// A cell-local EtcdLockserver.
    public static func localEtcd(cluster: String, cell: String) -> String {
        join([cluster, cell, "etcd"], constraints: .etcdLockserver)
    }

    private static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let digits = Array("0123456789abcdef")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xf)]] })
    }
}
