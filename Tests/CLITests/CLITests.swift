import Testing

@Suite struct CLIPlaceholder {
    @Test func nothingYet() { #expect(Bool(true)) }
}
