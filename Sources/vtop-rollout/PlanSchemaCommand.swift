import ArgumentParser
import RolloutPlan

/// `vtop-rollout plan schema`: prints the plan language's JSON Schema.
struct PlanSchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema (draft 2020-12) of rollout plans.",
        discussion: "The output is byte for byte schemas/rollout-plan.schema.json. Point yaml-language-server at it "
            + "with a first line such as: # yaml-language-server: $schema=../schemas/rollout-plan.schema.json"
    )

    func run() {
        print(PlanSchema.json)
    }
}
