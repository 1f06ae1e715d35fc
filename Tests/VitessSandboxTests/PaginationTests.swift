import Foundation
import Testing

@testable import VitessSandbox

/// `limit` and `continue` on list requests, through the router in process.
@Suite("Paged lists")
struct PaginationTests {
    static let pods = "/api/v1/namespaces/example/pods"

    static func get(_ harness: Harness, _ uri: String) -> (status: Int, body: JSON) {
        guard case .full(let status, _, let body) = harness.sandbox.respond(APIRequest(method: "GET", uri: uri)) else {
            return (0, .null)
        }
        return (status, (try? JSON.parse(body)) ?? .null)
    }

    static func names(_ list: JSON) -> [String] {
        (list["items"].array ?? []).compactMap { $0[path: ["metadata", "name"]].string }
    }

    /// Follows `continue` from `uri` (which already has a query) to the last page.
    static func pages(_ harness: Harness, _ uri: String) -> [JSON] {
        var pages = [get(harness, uri).body]
        while let token = pages.last?[path: ["metadata", "continue"]].string, pages.count < 100 {
            pages.append(get(harness, "\(uri)&continue=\(token)").body)
        }
        return pages
    }

    @Test("Pages of `limit` items cover the list in order; the last page has no continue token")
    func pages() throws {
        let harness = try Harness()
        let all = Self.names(Self.get(harness, Self.pods).body)
        #expect(all.count > 4)
        let pages = Self.pages(harness, "\(Self.pods)?limit=2")
        #expect(pages.flatMap(Self.names) == all)
        #expect(pages.dropLast().allSatisfy { Self.names($0).count == 2 })
        #expect(pages.last?[path: ["metadata", "continue"]] == .null)
        #expect(pages.last?[path: ["metadata", "remainingItemCount"]] == .null)
        #expect(pages.first?[path: ["metadata", "remainingItemCount"]] == .int(all.count - 2))
        #expect(
            Set(pages.map { $0[path: ["metadata", "resourceVersion"]] }).count == 1,
            "every page reports the first one's")
    }

    @Test("With a selector there is no remainingItemCount; limit=0 or a larger limit gives everything at once")
    func selectorsAndLimits() throws {
        let harness = try Harness()
        let selector = "labelSelector=planetscale.com%2Fcomponent%3Dvttablet"
        let page = Self.get(harness, "\(Self.pods)?\(selector)&limit=2").body
        #expect(Self.names(page).count == 2)
        #expect(page[path: ["metadata", "continue"]].string != nil)
        #expect(page[path: ["metadata", "remainingItemCount"]] == .null)
        #expect(Self.pages(harness, "\(Self.pods)?\(selector)&limit=2").flatMap(Self.names).count == 3)
        let count = Self.names(Self.get(harness, Self.pods).body).count
        #expect(Self.names(Self.get(harness, "\(Self.pods)?limit=0").body).count == count)
        let whole = Self.get(harness, "\(Self.pods)?limit=1000").body
        #expect(Self.names(whole).count == count)
        #expect(whole[path: ["metadata", "continue"]] == .null)
    }

    @Test("A malformed token is 400; a compacted one is 410 Expired with a token that goes on")
    func badTokens() throws {
        let harness = try Harness()
        #expect(Self.get(harness, "\(Self.pods)?limit=2&continue=bm9wZQ").status == 400)
        #expect(Self.get(harness, "\(Self.pods)?limit=abc").status == 400)
        let first = Self.get(harness, "\(Self.pods)?limit=2").body
        let token = try #require(first[path: ["metadata", "continue"]].string)
        try harness.store.create(.configMap, namespace: "example", object: ["metadata": ["name": "bump"]])
        harness.store.compact()
        let expired = Self.get(harness, "\(Self.pods)?limit=2&continue=\(token)")
        #expect(expired.status == 410)
        #expect(expired.body["reason"] == "Expired")
        let onward = try #require(expired.body[path: ["metadata", "continue"]].string)
        let next = Self.get(harness, "\(Self.pods)?limit=2&continue=\(onward)")
        #expect(next.status == 200)
        let all = Self.names(Self.get(harness, Self.pods).body)
        #expect(Self.names(next.body) == Array(all[2..<4]))
    }
}
