import Testing
import VitessModel

@Suite struct KeyRangeTests {
    @Test(arguments: [
        ("-", "x-x"), ("-80", "x-80"), ("80-", "80-x"), ("40-80", "40-80"), ("-8000", "x-8000"),
    ])
    func safeNameMatchesTheOperatorLabel(shard: String, safe: String) throws {
        let range = try #require(KeyRange(shard))
        #expect(range.safeName == safe)
        #expect(range.description == shard)
    }

    @Test(arguments: ["0", "", "80", "8-", "-8", "zz-", "80-40", "80-80", "-80-"])
    func rejectsNonRanges(text: String) {
        #expect(KeyRange(text) == nil)
    }

    @Test func containmentPadsShorterBounds() throws {
        let whole = try #require(KeyRange("-"))
        let low = try #require(KeyRange("-80"))
        let lowWide = try #require(KeyRange("-8000"))
        let quarter = try #require(KeyRange("40-80"))
        let high = try #require(KeyRange("80-"))
        #expect(whole.contains(low))
        #expect(low.contains(lowWide) && lowWide.contains(low))
        #expect(low.contains(quarter))
        #expect(!low.contains(high))
        #expect(!high.contains(whole))
        #expect(low.overlaps(quarter))
        #expect(!low.overlaps(high))
        #expect(whole.overlaps(high))
    }
}
