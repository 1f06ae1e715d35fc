import Foundation

/// One line of the request log that `-v` shows: method, URL, status and latency, nothing else.
public struct RequestLogEntry: Sendable, Hashable, CustomStringConvertible {
    /// The HTTP method.
    public var method: String
    /// The URL, without any user information.
    public var url: String
    /// The status, or nil when no response arrived.
    public var status: Int?
    /// Time from sending to the response head.
    public var latency: Duration
    /// The attempt number, starting at 1.
    public var attempt: Int
    /// For failures without a response, the transport error's sentence.
    public var failure: String?

    /// Builds an entry.
    public init(method: String, url: String, status: Int?, latency: Duration, attempt: Int, failure: String? = nil) {
        self.method = method
        self.url = url
        self.status = status
        self.latency = latency
        self.attempt = attempt
        self.failure = failure
    }

    /// A logger for `-v` that writes each entry as one line on standard error.
    public static let standardError: @Sendable (RequestLogEntry) -> Void = { entry in
        FileHandle.standardError.write(Data((entry.description + "\n").utf8))
    }

    /// `GET https://host/api/v1/pods 200 12ms`, with the attempt when it is a retry.
    public var description: String {
        let outcome = status.map(String.init) ?? "failed (\(failure ?? "no response"))"
        let retry = attempt > 1 ? " (attempt \(attempt))" : ""
        return "\(method) \(url) \(outcome) \(latency.milliseconds)ms\(retry)"
    }
}
