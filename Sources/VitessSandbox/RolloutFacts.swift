/// What a stretch of `/sandbox/v1/history` proves about a tablet rollout: how often each tablet Pod was released
/// and recreated, how many tablets of one shard were down at once, and which tablet of each shard went last.
///
/// It reads only the sandbox's own record, never the tool's state, so the demo, the benchmarks and the end-to-end
/// tests judge a run by what the emulated operator saw (design §9: "the sandbox records the order to prove it").
public struct RolloutFacts: Sendable, Equatable {
    /// Per tablet Pod, how often it was deleted (each deletion is followed by a recreation).
    public var deletions: [String: Int] = [:]
    /// Per tablet Pod, how often the operator found `rollout.planetscale.com/released` on it: `released` (it
    /// acted) and `releaseIgnored` (there was nothing to change).
    public var releases: [String: Int] = [:]
    /// The most tablets of one shard that were down (from the delete request, through Terminating, until Ready
    /// again) at the same time.
    public var maxDown = 0
    /// Per shard (`keyspace/shard`), the tablet Pod deleted last.
    public var lastDeleted: [String: String] = [:]
    /// Per shard, the tablet Pods still down at the end of the stretch.
    public var downAtEnd: [String: Set<String>] = [:]
    /// How many PlannedReparentShard operations moved a primary.
    public var reparents = 0

    /// Reads `history` in order. Pass a slice to judge one rollout of several.
    public init(_ history: some Sequence<HistoryRecord>) {
        var down: [String: Set<String>] = [:]
        for record in history {
            if record.action == "reparented" { reparents += 1 }
            guard record.kind == "Pod", !record.shard.isEmpty else { continue }
            switch record.action {
            case "terminating":
                // Down from the delete request: the Pod stops serving while it shuts down.
                down[record.shard, default: []].insert(record.name)
                lastDeleted[record.shard] = record.name
            case "deleted":
                deletions[record.name, default: 0] += 1
            case "ready":
                down[record.shard]?.remove(record.name)
            case "released", "releaseIgnored":
                releases[record.name, default: 0] += 1
            default:
                break
            }
            maxDown = max(maxDown, down[record.shard]?.count ?? 0)
        }
        downAtEnd = down.filter { !$0.value.isEmpty }
    }

    /// The rollout rules a run of `selected` tablet Pods must keep, as one sentence per broken rule: each selected
    /// Pod released once and recreated once, no other Pod touched, at most one tablet down per shard, every Pod
    /// back up at the end, and in each shard of `primaries` (shard to the Pod of its primary before the run) the
    /// primary recreated last. Empty when the run kept them all.
    public func violations(selected: Set<String>, primaries: [String: String]) -> [String] {
        var problems: [String] = []
        for pod in selected.sorted() {
            let deleted = deletions[pod] ?? 0
            if deleted != 1 { problems.append("\(pod) was recreated \(deleted) times, not once") }
            let released = releases[pod] ?? 0
            if released != 1 { problems.append("\(pod) was released \(released) times, not once") }
        }
        for pod in Set(deletions.keys).union(releases.keys).subtracting(selected).sorted() {
            problems.append("\(pod) was not selected but was released or recreated")
        }
        if maxDown > 1 { problems.append("\(maxDown) tablets of one shard were down at the same time") }
        for (shard, pods) in downAtEnd.sorted(by: { $0.key < $1.key }) {
            problems.append("shard \(shard) still has \(pods.sorted().joined(separator: ", ")) down")
        }
        for (shard, primary) in primaries.sorted(by: { $0.key < $1.key })
        where selected.contains(primary) && lastDeleted[shard] != primary {
            problems.append(
                "the primary of \(shard), \(primary), was not recreated last (last: \(lastDeleted[shard] ?? "none"))")
        }
        return problems
    }
}
