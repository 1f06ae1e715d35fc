import Foundation
import Testing

@testable import KubeClient

/// Streaming watches: incremental decoding, bookmarks, reconnects and 410 Gone.
@Suite struct WatchTests {
    /// Keeps a later reconnect waiting instead of failing, so a test reads only what it scripted.
    private static let hold: JSONValue = ["status": 200, "chunks": [], "holdMs": 3000]

    private func collect(_ stream: AsyncThrowingStream<WatchEvent, any Error>, count: Int) async throws
        -> [WatchEvent]
    {
        var events: [WatchEvent] = []
        for try await event in stream {
            events.append(event)
            if events.count == count { break }
        }
        return events
    }

    @Test func anEventSplitAcrossChunksIsDecodedWhole() async throws {
        let added = Bodies.event("ADDED", Bodies.pod("a", resourceVersion: "6"))
        let modified = Bodies.event("MODIFIED", Bodies.pod("a", resourceVersion: "7"))
        let bookmark = Bodies.event("BOOKMARK", ["kind": "Pod", "metadata": ["resourceVersion": "9"]])
        let splitAt = added.index(added.startIndex, offsetBy: 25)
        let server = try await TestServer.start(
            [
                [
                    "status": 200,
                    "chunks": [
                        .string(String(added[..<splitAt])), .string(String(added[splitAt...]) + modified),
                        .string(bookmark),
                    ],
                ]
            ], default: Self.hold)
        let client = makeClient(server: server.url)
        let events = try await collect(
            client.watch(
                .pod, namespace: "vt", options: WatchOptions(labelSelector: "app=vttablet", resourceVersion: "5")),
            count: 3)
        #expect(
            events == [
                .added(KubeObject(Bodies.pod("a", resourceVersion: "6"))),
                .modified(KubeObject(Bodies.pod("a", resourceVersion: "7"))),
                .bookmark(resourceVersion: "9"),
            ])
        let path = try #require(try server.requests().first?["path"]?.stringValue)
        #expect(
            path == "/api/v1/namespaces/vt/pods?watch=1&allowWatchBookmarks=true&timeoutSeconds=300"
                + "&resourceVersion=5&labelSelector=app%3Dvttablet")
    }

    @Test func lineSplitterKeepsPartialLines() {
        var splitter = LineSplitter()
        #expect(splitter.append(Data(#"{"a":"#.utf8)).isEmpty)
        #expect(splitter.append(Data("1}\r\n\n{\"b\"".utf8)) == [Data(#"{"a":1}"#.utf8)])
        #expect(splitter.append(Data(":2}\n".utf8)) == [Data(#"{"b":2}"#.utf8)])
    }

    @Test func aGoneErrorEventRelistsAndContinues() async throws {
        let gone = Bodies.event("ERROR", Bodies.status(410, reason: "Expired", message: "too old resource version"))
        let server = try await TestServer.start(
            [
                ["status": 200, "chunks": [.string(gone)]],
                Bodies.ok(Bodies.list([Bodies.pod("a", resourceVersion: "20")], resourceVersion: "20")),
                ["status": 200, "chunks": [.string(Bodies.event("DELETED", Bodies.pod("a", resourceVersion: "21")))]],
            ], default: Self.hold)
        let client = makeClient(server: server.url)
        let events = try await collect(
            client.watch(.pod, namespace: "vt", options: WatchOptions(resourceVersion: "3")), count: 2)
        #expect(
            events == [
                .relisted(items: [KubeObject(Bodies.pod("a", resourceVersion: "20"))], resourceVersion: "20"),
                .deleted(KubeObject(Bodies.pod("a", resourceVersion: "21"))),
            ])
        let paths = try server.requests().compactMap { $0["path"]?.stringValue }
        #expect(paths[1] == "/api/v1/namespaces/vt/pods")
        #expect(paths[2].contains("resourceVersion=20"))
    }

    @Test func anHTTP410OnStartRelistsAndContinues() async throws {
        let server = try await TestServer.start(
            [
                ["status": 410, "body": Bodies.status(410, reason: "Expired", message: "too old")],
                Bodies.ok(Bodies.list([], resourceVersion: "30")),
                ["status": 200, "chunks": [.string(Bodies.event("ADDED", Bodies.pod("b", resourceVersion: "31")))]],
            ], default: Self.hold)
        let sleeper = SleepRecorder()
        let client = makeClient(server: server.url, sleeper: sleeper)
        let events = try await collect(
            client.watch(.vitessShard, namespace: "vt", options: WatchOptions(resourceVersion: "1")), count: 2)
        #expect(
            events == [
                .relisted(items: [], resourceVersion: "30"),
                .added(KubeObject(Bodies.pod("b", resourceVersion: "31"))),
            ])
        #expect(sleeper.delays.isEmpty)  // 410 is not a retryable status
    }

    @Test func withoutAVersionItListsFirstThenReconnectsFromTheLastVersion() async throws {
        let server = try await TestServer.start(
            [
                Bodies.ok(Bodies.list([Bodies.pod("a", resourceVersion: "40")], resourceVersion: "41")),
                ["status": 200, "chunks": [.string(Bodies.event("MODIFIED", Bodies.pod("a", resourceVersion: "42")))]],
                ["status": 200, "chunks": [.string(Bodies.event("MODIFIED", Bodies.pod("a", resourceVersion: "43")))]],
            ], default: Self.hold)
        let client = makeClient(server: server.url)
        let events = try await collect(client.watch(.pod, namespace: "vt", options: WatchOptions()), count: 3)
        #expect(events.count == 3)
        #expect(events.last == .modified(KubeObject(Bodies.pod("a", resourceVersion: "43"))))
        let paths = try server.requests().compactMap { $0["path"]?.stringValue }
        #expect(paths[1].contains("resourceVersion=41"))
        #expect(paths[2].contains("resourceVersion=42"))
    }

    @Test func aDroppedWatchReconnectsWithBackoff() async throws {
        let server = try await TestServer.start(
            [
                ["drop": true],
                ["status": 200, "chunks": [.string(Bodies.event("ADDED", Bodies.pod("a", resourceVersion: "8")))]],
            ], default: Self.hold)
        let sleeper = SleepRecorder()
        let client = makeClient(server: server.url, sleeper: sleeper)
        let events = try await collect(
            client.watch(.pod, namespace: "vt", options: WatchOptions(resourceVersion: "7")),
            count: 1)
        #expect(events == [.added(KubeObject(Bodies.pod("a", resourceVersion: "8")))])
        #expect(sleeper.delays.count == 1)
    }

    @Test func otherWatchErrorsEndTheStreamWithATypedError() async throws {
        let forbidden = ["status": 403, "body": Bodies.status(403, reason: "Forbidden", message: "no")] as JSONValue
        let server = try await TestServer.start([forbidden])
        let client = makeClient(server: server.url)
        do {
            _ = try await collect(
                client.watch(.vitessShard, namespace: "vt", options: WatchOptions(resourceVersion: "1")),
                count: 1)
            Issue.record("expected an error")
        } catch let error as KubeError {
            #expect(
                error
                    == .forbidden(
                        verb: "watch", resource: "vitessshards.planetscale.com", namespace: "vt",
                        message: "no"))
        }
    }

    @Test func droppingTheStreamCancelsTheTransfer() async throws {
        let server = try await TestServer.start([["status": 200, "chunks": [], "holdMs": 5000]])
        let client = makeClient(server: server.url)
        let task = Task {
            try await collect(
                client.watch(.pod, namespace: "vt", options: WatchOptions(resourceVersion: "1")), count: 1)
        }
        try await server.waitForFirstRequest()  // the transfer is under way; cancel it mid-flight
        task.cancel()
        // The stream ends (rather than reconnecting forever) and yields nothing.
        let events = (try? await task.value) ?? []
        #expect(events.isEmpty)
    }
}
