/// Renders a status report as the readable tree `vtop-rollout status` prints.
///
/// ```
/// VitessCluster example  namespace example  updateStrategy External  generation 4 (observed)
/// pending: 1 cell, 1 keyspace, 0 shards, 2 tablets, 1 deployment, 2 etcd members
///
/// cells
///   zone1                          vtgate available      PENDING
/// keyspaces
///   commerce                                             2/3 tablets pending
///     shard -    primary zone1-2469782763  writes ok  eligible 3
///       zone1-0790125915  replica  not ready (CrashLoopBackOff)
/// ```
public struct StatusRenderer: Sendable {
    /// Colour with ANSI escapes.
    public var color: Bool
    /// Print each pending object's `scheduled` text under it.
    public var diff: Bool
    /// Print the blockers section.
    public var explain: Bool

    /// Creates a renderer.
    public init(color: Bool, diff: Bool, explain: Bool) {
        self.color = color
        self.diff = diff
        self.explain = explain
    }

    /// The whole tree.
    public func render(_ report: StatusReport) -> String {
        var out: [String] = []
        let c = report.cluster
        let observed =
            c.generation == c.observedGeneration
            ? "(observed)" : "(observed \(c.observedGeneration.map(String.init) ?? "none"))"
        out.append(
            bold("VitessCluster \(c.name)") + "  namespace \(c.namespace)  updateStrategy \(c.updateStrategy)"
                + "  generation \(c.generation.map(String.init) ?? "?") \(observed)")
        if c.updateStrategy != "External" {
            out.append(
                paint(
                    "note: updateStrategy is \(c.updateStrategy): the operator is rolling changes out itself; "
                        + "nothing waits for vtop-rollout", "33"))
        }
        let p = report.summary.pending
        out.append(
            "pending: "
                + [
                    plural(p.cells, "cell"), plural(p.keyspaces, "keyspace"), plural(p.shards, "shard"),
                    plural(p.tablets, "tablet"), plural(p.deployments, "deployment"),
                    plural(p.etcdMembers, "etcd member"),
                ].joined(separator: ", "))
        let r = report.summary.released
        let inFlight = r.cells + r.keyspaces + r.shards + r.tablets + r.deployments + r.etcdMembers
        if inFlight > 0 { out.append("released, in flight: \(inFlight)") }

        out.append("")
        out.append(bold("cells"))
        if report.cells.isEmpty { out.append("  (none)") }
        for cell in report.cells {
            let gateway = cell.ready.map { $0 ? "vtgate available" : paint("vtgate unavailable", "31") } ?? ""
            out.append(row("  \(cell.name)", 32, [gateway, marks(cell.pending, cell.released)]))
            appendDiff(cell.scheduled, indent: 4, to: &out)
        }
        out.append(bold("keyspaces"))
        if report.keyspaces.isEmpty { out.append("  (none)") }
        for keyspace in report.keyspaces {
            // A pending keyspace's tablets are scheduled only after its release: say so, rather
            // than "0/N tablets pending", which reads as "nothing to do".
            let tablets =
                keyspace.pending && keyspace.pendingTablets == 0
                ? "\(keyspace.tablets) tablets, scheduled once released"
                : "\(keyspace.pendingTablets)/\(keyspace.tablets) tablets pending"
            out.append(row("  \(keyspace.name)", 32, [tablets, marks(keyspace.pending, keyspace.released)]))
            appendDiff(keyspace.scheduled, indent: 4, to: &out)
            for shard in keyspace.shards {
                var facts = ["primary \(shard.primary ?? paint("none", "31"))"]
                facts.append(shard.servingWrites ? "serving writes" : paint("not serving writes", "31"))
                facts.append("master-eligible \(shard.masterEligible)")
                if let g = shard.generation, shard.observedGeneration != g || (shard.lowestPodGeneration ?? g) != g {
                    facts.append(
                        paint(
                            "generation \(g) observed \(shard.observedGeneration ?? 0) pods "
                                + "\(shard.lowestPodGeneration ?? 0)", "33"))
                }
                facts.append(marks(shard.pending, shard.released, cascade: shard.cascade))
                out.append(row("    shard \(shard.name)", 32, facts))
                appendDiff(shard.scheduled, indent: 6, to: &out)
                for tablet in shard.tablets {
                    var state: [String] = [tablet.role == "primary" ? bold("primary") : tablet.role]
                    if let pool = tablet.pool, pool != tablet.role { state.append("pool \(pool)") }
                    if tablet.pod == nil {
                        state.append(paint("no pod", "31"))
                    } else if !tablet.ready {
                        state.append(paint("not ready" + (tablet.waitingReason.map { " (\($0))" } ?? ""), "31"))
                    } else {
                        state.append(tablet.available ? "available" : paint("ready, not yet available", "33"))
                    }
                    if tablet.drain != "none" { state.append(paint("drain \(tablet.drain)", "36")) }
                    state.append(marks(tablet.pending, tablet.released))
                    out.append(row("      \(tablet.alias)", 32, state))
                    appendDiff(tablet.scheduled, indent: 8, to: &out)
                }
            }
        }
        out.append(bold("deployments"))
        if report.deployments.isEmpty { out.append("  (none)") }
        for d in report.deployments {
            let scope = [d.keyspace, d.cell].compactMap { $0 }.joined(separator: " ")
            out.append(
                row(
                    "  \(d.name)", 48,
                    [
                        d.component, scope, d.rolledOut ? "rolled out" : paint("rolling", "33"),
                        marks(d.pending, d.released),
                    ]))
            appendDiff(d.scheduled, indent: 4, to: &out)
        }
        out.append(bold("etcd"))
        if report.etcdMembers.isEmpty { out.append("  (none)") }
        for member in report.etcdMembers {
            out.append(
                row(
                    "  \(member.name)", 32,
                    [
                        member.ready == true ? "ready" : paint("not ready", "31"),
                        marks(member.pending, member.released),
                    ]))
            appendDiff(member.scheduled, indent: 4, to: &out)
        }
        if !report.warnings.isEmpty {
            out.append(bold("warnings"))
            for w in report.warnings {
                let times = w.count.map { " (x\($0))" } ?? ""
                out.append("  \(paint(w.reason, "33")) \(w.object): \(w.message)\(times)")
            }
        }
        if explain {
            out.append(bold("blocked"))
            if report.blockers.isEmpty { out.append("  nothing is blocked") }
            for b in report.blockers {
                out.append("  \(paint(b.reason, "31")) \(b.object): \(b.message)")
                out.append("    \(paint("$", "2")) \(b.command)")
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    private func appendDiff(_ scheduled: String?, indent: Int, to out: inout [String]) {
        guard diff, let scheduled else { return }
        let pad = String(repeating: " ", count: indent)
        let lines = scheduled.split(separator: "\n", omittingEmptySubsequences: false)
        let body = (lines.last?.isEmpty ?? false) ? lines.dropLast() : lines[...]
        if body.isEmpty || body == [""] { out.append(pad + paint("(scheduled, no diff text)", "2")) }
        for line in body where !(body.count == 1 && line.isEmpty) { out.append(pad + paint("| " + line, "2")) }
    }

    private func marks(_ pending: Bool, _ released: Bool, cascade: Bool = false) -> String {
        var words: [String] = []
        if pending { words.append(paint("PENDING", "1;33")) }
        if released { words.append(paint("RELEASED", "1;36")) }
        if cascade { words.append(paint("CASCADE", "1;36")) }
        return words.joined(separator: " ")
    }

    private func row(_ head: String, _ width: Int, _ columns: [String]) -> String {
        let padded = head.count < width ? head + String(repeating: " ", count: width - head.count) : head + " "
        return (padded + columns.filter { !$0.isEmpty }.joined(separator: "  ")).trimmingTrailingSpaces
    }

    private func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
    private func bold(_ text: String) -> String { paint(text, "1") }
    private func paint(_ text: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
}

extension String {
    fileprivate var trimmingTrailingSpaces: String {
        var s = Substring(self)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
