import RolloutPlan

/// libFuzzer entry: any bytes given to the plan parser end in a result (a plan or diagnostics),
/// never a crash, a hang or unbounded memory. Built by scripts/fuzz.sh, never by SwiftPM.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPlanParser(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let result = PlanParser.parse(bytes)
    // A plan is returned only without errors, and every diagnostic has a position inside the input.
    if result.plan != nil && result.diagnostics.contains(where: { $0.severity == .error }) {
        fatalError("a plan was returned together with errors")
    }
    return 0
}
