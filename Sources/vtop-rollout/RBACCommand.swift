import ArgumentParser
import Foundation

/// `vtop-rollout rbac`: the least Role the tool needs, from the calls it really makes.
struct RBACCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rbac",
        abstract: "Print the minimal Role (and a ServiceAccount and RoleBinding) vtop-rollout needs in a namespace.",
        discussion: """
            Each rule lists the calls that need it. `status` and `plan validate` only read; `release`,
            `plan apply` and `finish` also patch annotations, create Events and hold a Lease; ConfigMap
            rules are needed only for --state configmap:NS/NAME. Apply with kubectl apply -f -.
            """
    )

    @Option(name: [.short, .customLong("namespace")], help: "The VitessCluster's namespace.")
    var namespace: String = "default"

    @Option(help: "The ServiceAccount (and Role and RoleBinding) name.")
    var name: String = "vtop-rollout"

    @Flag(help: "Only the read-only rules (status, plan validate, plan show).")
    var readOnly = false

    @Flag(help: "Leave out the ConfigMap rule (state kept in a file).")
    var noConfigMapState = false

    /// One rule: API group, resources, verbs, and why.
    struct Rule {
        let group: String
        let resources: [String]
        let verbs: [String]
        let why: String
    }

    static func rules(readOnly: Bool, configMaps: Bool) -> [Rule] {
        let read = ["get", "list", "watch"]
        var rules = [
            Rule(
                group: "planetscale.com", resources: ["vitessclusters"], verbs: read,
                why: "inventory, status, and the cluster identity in the state"),
            Rule(
                group: "planetscale.com", resources: ["vitesscells", "vitesskeyspaces", "vitessshards"],
                verbs: readOnly ? read : read + ["patch"], why: "inventory; patch adds rollout.planetscale.com/released"
            ),
            Rule(
                group: "", resources: ["pods"], verbs: readOnly ? read : read + ["patch"],
                why: "tablet and etcd Pods; patch adds rollout.planetscale.com/released"),
            Rule(
                group: "apps", resources: ["deployments"], verbs: readOnly ? read : read + ["patch"],
                why: "vtgate, vtctld, vtadmin and vtorc; patch adds rollout.planetscale.com/released"),
            Rule(
                group: "", resources: ["events"], verbs: readOnly ? ["list", "watch"] : ["create", "list", "watch"],
                why: "DrainBlocked and other warnings; create records releases and approvals"),
        ]
        if !readOnly {
            rules.append(
                Rule(
                    group: "", resources: ["pods/proxy"], verbs: ["get"],
                    why: "replicationLag health checks read vttablet's /debug/vars"))
            rules.append(
                Rule(
                    group: "coordination.k8s.io", resources: ["leases"], verbs: ["get", "create", "update"],
                    why: "the run lock vtop-rollout-CLUSTER"))
            if configMaps {
                rules.append(
                    Rule(
                        group: "", resources: ["configmaps"], verbs: ["get", "create", "update"],
                        why: "--state configmap:NS/NAME"))
            }
        }
        return rules
    }

    func run() throws {
        var text = """
            # The least privileges vtop-rollout needs in namespace \(namespace) (vtop-rollout rbac).
            apiVersion: v1
            kind: ServiceAccount
            metadata:
              name: \(name)
              namespace: \(namespace)
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata:
              name: \(name)
              namespace: \(namespace)
            rules:

            """
        for rule in Self.rules(readOnly: readOnly, configMaps: !noConfigMapState) {
            text += """
                # \(rule.why)
                - apiGroups: ["\(rule.group)"]
                  resources: [\(rule.resources.map { "\"\($0)\"" }.joined(separator: ", "))]
                  verbs: [\(rule.verbs.map { "\"\($0)\"" }.joined(separator: ", "))]

                """
        }
        text += """
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata:
              name: \(name)
              namespace: \(namespace)
            roleRef:
              apiGroup: rbac.authorization.k8s.io
              kind: Role
              name: \(name)
            subjects:
              - kind: ServiceAccount
                name: \(name)
                namespace: \(namespace)

            """
        print(text, terminator: "")
    }
}
