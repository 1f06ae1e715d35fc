import ArgumentParser
import Foundation
import RolloutPlan

/// `vtop-rollout rbac`: the least Role the tool needs, from the calls it really makes.
struct RBACCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rbac",
        abstract: "Print the minimal Role (and a ServiceAccount and RoleBinding) vtop-rollout needs in a namespace.",
        discussion: """
            Each rule lists the calls that need it. `status` and `plan validate` only read; `release`,
            `plan apply` and `finish` also patch annotations, create Events and hold a Lease; ConfigMap
            rules are needed only for --state configmap:NS/NAME. With --plan, only what that plan
            needs: patch on the kinds it releases (a tablet stage also releases its keyspaces and
            shards), and pods/proxy only when it has a replicationLag check. Apply with
            kubectl apply -f -.
            """
    )

    @Option(
        name: [.short, .customLong("namespace")],
        help: "The VitessCluster's namespace (default: the plan's spec.namespace, else default).")
    var namespace: String?

    @Option(help: ArgumentHelp("Only what this plan's `plan apply` needs.", valueName: "plan"))
    var plan: String?

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

    /// What a Role must allow beyond reading.
    struct Needs: Equatable {
        /// The resources that get `patch` (the `released` annotation).
        var patched: Set<String>
        /// `pods/proxy` for replicationLag checks.
        var podProxy: Bool

        /// Everything `release`, `plan apply` and `finish` may do.
        static let everything = Needs(
            patched: ["vitesscells", "vitesskeyspaces", "vitessshards", "pods", "deployments"], podProxy: true)

        /// What `plan apply` of `plan` does.
        static func of(_ plan: Plan) -> Needs {
            var needs = Needs(patched: [], podProxy: false)
            for check in plan.defaults.healthChecks {
                if case .replicationLag = check.value { needs.podProxy = true }
            }
            for stage in plan.stages {
                guard case .release(let release) = stage.body else { continue }
                for check in release.healthChecks {
                    if case .replicationLag = check.value { needs.podProxy = true }
                }
                switch release.target {
                case .cells: needs.patched.insert("vitesscells")
                case .keyspaces: needs.patched.insert("vitesskeyspaces")
                case .shards: needs.patched.formUnion(["vitesskeyspaces", "vitessshards"])
                case .tablets: needs.patched.formUnion(["vitesskeyspaces", "vitessshards", "pods"])
                case .deployments: needs.patched.insert("deployments")
                case .etcdMembers: needs.patched.insert("pods")
                }
            }
            return needs
        }
    }

    static func rules(readOnly: Bool, configMaps: Bool, needs: Needs = .everything) -> [Rule] {
        let read = ["get", "list", "watch"]
        let released = "patch adds rollout.planetscale.com/released"
        let vitess = ["vitesscells", "vitesskeyspaces", "vitessshards"]
        let patchedVitess = readOnly ? [] : vitess.filter(needs.patched.contains)
        let readVitess = vitess.filter { !patchedVitess.contains($0) }
        var rules = [
            Rule(
                group: "planetscale.com", resources: ["vitessclusters"], verbs: read,
                why: "inventory, status, and the cluster identity in the state")
        ]
        if !patchedVitess.isEmpty {
            rules.append(
                Rule(
                    group: "planetscale.com", resources: patchedVitess, verbs: read + ["patch"],
                    why: "inventory; \(released)"))
        }
        if !readVitess.isEmpty {
            rules.append(Rule(group: "planetscale.com", resources: readVitess, verbs: read, why: "inventory"))
        }
        let pods = !readOnly && needs.patched.contains("pods")
        let deployments = !readOnly && needs.patched.contains("deployments")
        rules += [
            Rule(
                group: "", resources: ["pods"], verbs: pods ? read + ["patch"] : read,
                why: "tablet and etcd Pods" + (pods ? "; \(released)" : "")),
            Rule(
                group: "apps", resources: ["deployments"], verbs: deployments ? read + ["patch"] : read,
                why: "vtgate, vtctld, vtadmin and vtorc" + (deployments ? "; \(released)" : "")),
            Rule(
                group: "", resources: ["events"], verbs: readOnly ? ["list", "watch"] : ["create", "list", "watch"],
                why: "DrainBlocked and other warnings; create records releases and approvals"),
        ]
        if !readOnly {
            if needs.podProxy {
                rules.append(
                    Rule(
                        group: "", resources: ["pods/proxy"], verbs: ["get"],
                        why: "replicationLag health checks read vttablet's /debug/vars"))
            }
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
        var needs = Needs.everything
        var chosen = self.namespace
        if let plan {
            let bytes: [UInt8]
            switch PlanFile.read(plan) {
            case .success(let read): bytes = read
            case .failure(let diagnostic): throw CommandFailure(message: diagnostic.message, code: Exit.invalidInput)
            }
            let parsed = PlanParser.parse(bytes)
            guard let parsedPlan = parsed.plan, !parsed.diagnostics.hasErrors else {
                let source = String(decoding: bytes, as: UTF8.self)
                FileHandle.standardError.write(
                    Data(DiagnosticRenderer(color: false).render(parsed.diagnostics, file: plan, source: source).utf8))
                throw CommandFailure(message: "the plan is invalid", code: Exit.invalidInput)
            }
            needs = Needs.of(parsedPlan)
            chosen = chosen ?? parsedPlan.namespace
        }
        let namespace = chosen ?? "default"
        let scope = plan.map { "for plan apply \($0) " } ?? ""
        var text = """
            # The least privileges vtop-rollout needs \(scope)in namespace \(namespace) (vtop-rollout rbac).
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
        for rule in Self.rules(readOnly: readOnly, configMaps: !noConfigMapState, needs: needs) {
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
