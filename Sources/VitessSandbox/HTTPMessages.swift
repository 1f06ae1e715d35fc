import Foundation

/// An HTTP request as the router sees it: fully read, body included.
public struct APIRequest: Sendable {
    /// `GET`, `POST`, `PUT`, `PATCH`, `DELETE`.
    public var method: String
    /// The path without the query.
    public var path: String
    /// Decoded query parameters; the last value wins.
    public var query: [String: String]
    /// Request headers, names lower-cased.
    public var headers: [String: String]
    /// The raw body.
    public var body: Data

    /// Creates a request, splitting `uri` into path and query.
    public init(method: String, uri: String, headers: [String: String] = [:], body: Data = Data()) {
        self.method = method
        self.headers = headers
        self.body = body
        let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        path = String(parts[0]).removingPercentEncoding ?? String(parts[0])
        var query: [String: String] = [:]
        if parts.count > 1 {
            for pair in parts[1].split(separator: "&") {
                let keyValue = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let decode = { (text: Substring) in
                    text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
                }
                query[decode(keyValue[0])] = keyValue.count > 1 ? decode(keyValue[1]) : ""
            }
        }
        self.query = query
    }
}

/// What the router answers.
public enum APIResponse: Sendable {
    /// A complete response.
    case full(status: Int, headers: [(String, String)], body: Data)
    /// A streaming watch: the server registers it with the store and writes events as they come.
    case watch(WatchRequest)

    /// A JSON body with a status code.
    public static func json(_ status: Int, _ body: JSON, headers: [(String, String)] = []) -> APIResponse {
        .full(status: status, headers: [("Content-Type", "application/json")] + headers, body: body.data)
    }

    /// A `metav1.Status` error.
    public static func error(_ error: APIError, headers: [(String, String)] = []) -> APIResponse {
        .json(error.code, error.status, headers: headers)
    }
}

/// A watch the server must stream.
public struct WatchRequest: Sendable {
    /// The kind watched.
    public var resource: ResourceType
    /// The namespace, or nil for all.
    public var namespace: String?
    /// The label selector.
    public var labels: Selector
    /// The field selector.
    public var fields: Selector
    /// Replay changes after this revision; nil sends the current objects as `ADDED` first.
    public var since: Int?
    /// Whether to send periodic `BOOKMARK` events.
    public var bookmarks: Bool
    /// Close the stream after this many seconds, if set.
    public var timeoutSeconds: Int?
}
