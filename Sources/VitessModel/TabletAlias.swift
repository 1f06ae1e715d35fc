/// A tablet alias, `cell-uid`, with the UID as an integer (labels may or may not zero-pad it).
public struct TabletAlias: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The cell name.
    public var cell: String
    /// The tablet UID.
    public var uid: UInt32

    /// Parses `zone1-2548885007` or `zone1-0790125915`.
    public init?(_ text: String) {
        guard let dash = text.lastIndex(of: "-") else { return nil }
        let cell = String(text[..<dash])
        let digits = text[text.index(after: dash)...]
        guard !cell.isEmpty, !digits.isEmpty, digits.count <= 10, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
            let uid = UInt32(digits)
        else { return nil }
        self.cell = cell
        self.uid = uid
    }

    /// The canonical form, with the UID zero-padded to 10 digits as Vitess prints it.
    public var description: String { "\(cell)-\(TabletUID.string(uid))" }
}

extension TabletAlias {
    /// Creates an alias from a cell and a UID.
    public init(cell: String, uid: UInt32) {
        self.cell = cell
        self.uid = uid
    }

    /// Orders by cell, then UID, as Vitess sorts aliases.
    public static func < (lhs: TabletAlias, rhs: TabletAlias) -> Bool {
        (lhs.cell, lhs.uid) < (rhs.cell, rhs.uid)
    }
}
