import ArgumentParser

/// `vtop-rollout plan`: work with rollout plan files.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Validate rollout plans and print the plan schema.",
        subcommands: [PlanValidateCommand.self, PlanSchemaCommand.self]
    )
}
