import ArgumentParser
import VitessModel

/// The `vtop-rollout` command: staged rollouts for clusters run by vitess-operator.
@main
struct VtopRollout: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vtop-rollout",
        abstract: "Staged, plan-driven rollouts for Vitess clusters run by the Vitess operator.",
        version: ToolVersion.current,
        subcommands: [SandboxCommand.self]
    )
}
