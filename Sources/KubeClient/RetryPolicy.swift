import Foundation

/// When and how long to wait before retrying: capped exponential backoff with jitter, bounded in
/// attempts and in total waiting time. Sleeping and randomness are injected so tests never wait.
public struct RetryPolicy: Sendable {
    /// The most attempts per request, the first included.
    public var maxAttempts: Int
    /// The delay before the first retry.
    public var baseDelay: Duration
    /// The cap on one delay.
    public var maxDelay: Duration
    /// The cap on all delays of one request together.
    public var maxTotalDelay: Duration
    /// Waits for a duration; throws when the task is cancelled.
    public var sleep: @Sendable (Duration) async throws -> Void
    /// A random factor in 0...1 for jitter.
    public var random: @Sendable () -> Double

    /// Builds a policy. The defaults allow five attempts within about half a minute of waiting.
    public init(
        maxAttempts: Int = 5, baseDelay: Duration = .milliseconds(250), maxDelay: Duration = .seconds(8),
        maxTotalDelay: Duration = .seconds(30),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }
    ) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxTotalDelay = maxTotalDelay
        self.sleep = sleep
        self.random = random
    }

    /// Never retries.
    public static var none: RetryPolicy { RetryPolicy(maxAttempts: 1) }

    /// The delay before retry number `retry` (1-based): "equal jitter" on a capped exponential, so
    /// it is never shorter than half the backoff. A server's `Retry-After` wins when it is longer.
    public func delay(forRetry retry: Int, retryAfterSeconds: Int?) -> Duration {
        let exponent = min(max(retry - 1, 0), 30)
        let backoff = min(baseDelay.seconds * pow(2, Double(exponent)), maxDelay.seconds)
        var seconds = backoff / 2 + backoff / 2 * min(max(random(), 0), 1)
        if let retryAfter = retryAfterSeconds {
            seconds = max(seconds, Double(retryAfter))
        }
        return .milliseconds(Int64(min(seconds, maxTotalDelay.seconds) * 1000))
    }

    /// Whether an HTTP status is worth retrying: throttling and transient server errors only.
    public static func isRetryable(status: Int) -> Bool {
        [429, 500, 502, 503, 504].contains(status)
    }

    /// Whether a transport failure is worth retrying. A request that may have reached the server is
    /// retried only when repeating it is harmless (every verb but POST).
    public static func isRetryable(_ error: TransportError, method: String) -> Bool {
        switch error.kind {
        case .connect, .resolve:
            // Nothing reached the server.
            return true
        case .connectionLost, .timeout:
            return method != "POST"
        case .tls, .cancelled, .other:
            return false
        }
    }
}
