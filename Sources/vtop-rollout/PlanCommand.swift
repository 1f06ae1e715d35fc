import ArgumentParser

/// `vtop-rollout plan`: work with rollout plan files.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Validate rollout plans, show the steps they compile to, and print the plan schema.",
        subcommands: [PlanValidateCommand.self, PlanShowCommand.self, PlanSchemaCommand.self]
    )
}
