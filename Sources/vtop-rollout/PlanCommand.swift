import ArgumentParser

/// `vtop-rollout plan`: work with rollout plan files.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Validate, show, apply, approve and abort rollout plans, and print the plan schema.",
        subcommands: [
            PlanValidateCommand.self, PlanShowCommand.self, PlanApplyCommand.self, PlanApproveCommand.self,
            PlanAbortCommand.self, PlanSchemaCommand.self,
        ]
    )
}
