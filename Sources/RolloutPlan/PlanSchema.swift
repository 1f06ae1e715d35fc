/// The plan language's JSON Schema, for editors (`yaml-language-server`) and CI linters.
///
/// `schemas/rollout-plan.schema.json` is the source; `scripts/embed-schema.sh` embeds it here.
/// Tests keep it in lockstep with the decoder: the keys of every object match `PlanKeys`, every
/// example plan validates, and the structural invalid fixtures are rejected by both.
public enum PlanSchema {}
