import ArgumentParser
import Foundation
import VitessModel

/// The `vtop-rollout` command: staged rollouts for clusters run by vitess-operator.
@main
struct VtopRollout: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vtop-rollout",
        abstract: "Staged, plan-driven rollouts for Vitess clusters run by the Vitess operator.",
        discussion: """
            Exit codes: 0 done, 1 failed, 2 invalid plan or input, 3 waiting at an approval gate,
            4 paused after a failed check, 5 interrupted, 6 lock held by another run, 64 bad flags.
            """,
        version: ToolVersion.current,
        subcommands: [
            StatusCommand.self, ReleaseCommand.self, FinishCommand.self, PlanCommand.self, SandboxCommand.self,
            DemoCommand.self, RBACCommand.self,
        ]
    )

    /// Runs the command, printing `CommandFailure`s as one line and exiting with their code.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CommandFailure {
            FileHandle.standardError.write(Data("error: \(failure.message)\n".utf8))
            exit(withError: failure.code)
        } catch {
            exit(withError: error)
        }
    }
}
