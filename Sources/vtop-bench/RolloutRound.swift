import Foundation
import VitessModel
import VitessSandbox

/// One rollout of every tablet to a new vttablet image on the benchmark sandbox, and the rules it must keep.
///
/// It is judged from the sandbox's side only: its history since the round began (`RolloutFacts`) and its objects
/// at the end, never from what the tool says about itself.
struct RolloutRound {
    /// 1, 2, ...
    let number: Int
    /// The vttablet image this round rolls to.
    let image: String
    /// Where this round starts in the sandbox's history.
    let historyStart: Int
    /// Every tablet Pod: the plan selects them all.
    let selected: Set<String>
    /// Per shard (`keyspace/shard`), the Pod of its primary when the round began; it must be recreated last.
    let primaries: [String: String]

    /// Notes the sandbox as it stands when the round begins.
    init(number: Int, image: String, sandbox: Sandbox) {
        self.number = number
        self.image = image
        historyStart = sandbox.operator.history.count
        selected = Set(Self.tabletPods(sandbox).compactMap { $0[path: ["metadata", "name"]].string })
        var primaries: [String: String] = [:]
        for shard in sandbox.store.list(.vitessShard, namespace: sandbox.namespace).items {
            guard let keyspace = shard[path: ["metadata", "labels", OperatorLabel.keyspace]].string,
                let name = shard[path: ["spec", "name"]].string,
                let primary = shard[path: ["status", "masterAlias"]].string.flatMap(TabletAlias.init)
            else { continue }
            primaries["\(keyspace)/\(name)"] = OperatorNames.tabletPod(cluster: "bench", alias: primary)
        }
        self.primaries = primaries
    }

    /// What the history shows since the round began.
    func facts(_ sandbox: Sandbox) -> RolloutFacts {
        RolloutFacts(sandbox.operator.history.dropFirst(historyStart))
    }

    /// Every broken rule: the history's (each tablet released and recreated exactly once, at most one down per
    /// shard, primaries last) and the final state's (every tablet Ready on the new image, nothing pending on any
    /// keyspace, shard or tablet).
    func violations(_ sandbox: Sandbox) -> [String] {
        var problems = facts(sandbox).violations(selected: selected, primaries: primaries)
        for pod in Self.tabletPods(sandbox) {
            let name = pod[path: ["metadata", "name"]].string ?? "?"
            let containers = pod[path: ["spec", "containers"]].array ?? []
            let running = containers.first { $0["name"].string == "vttablet" }?["image"].string ?? "none"
            if running != image { problems.append("\(name) runs \(running), not \(image)") }
            let ready = (pod[path: ["status", "conditions"]].array ?? []).contains {
                $0["type"].string == "Ready" && $0["status"].string == "True"
            }
            if !ready { problems.append("\(name) is not Ready") }
        }
        let pending =
            [ResourceType.vitessKeyspace, .vitessShard].flatMap {
                sandbox.store.list($0, namespace: sandbox.namespace).items
            } + Self.tabletPods(sandbox)
        for object in pending {
            let annotations = object[path: ["metadata", "annotations"]].stringMap
            for key in [RolloutAnnotation.scheduled, RolloutAnnotation.released] where annotations[key] != nil {
                let kind = object["kind"].string ?? "object"
                problems.append("\(kind) \(object[path: ["metadata", "name"]].string ?? "?") still has \(key)")
            }
        }
        return problems
    }

    /// The vttablet Pods.
    static func tabletPods(_ sandbox: Sandbox) -> [JSON] {
        sandbox.store.list(.pod, namespace: sandbox.namespace).items.filter {
            $0[path: ["metadata", "labels", OperatorLabel.component]].string == "vttablet"
        }
    }
}
