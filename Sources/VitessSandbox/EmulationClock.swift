import Foundation
import NIOConcurrencyHelpers

/// Emulated time in seconds, so every operator delay (restart, availability window, Deployment rollout) can be
/// driven by hand in tests and scaled with `--speed` when served.
public protocol EmulationClock: Sendable {
    /// Emulated seconds since the sandbox started.
    func now() -> Double
}

/// A clock that moves only when told to; unit tests use it so they never sleep.
public final class ManualClock: EmulationClock {
    private let seconds = NIOLockedValueBox(0.0)

    /// Starts at zero.
    public init() {}

    /// The current emulated time.
    public func now() -> Double { seconds.withLockedValue { $0 } }

    /// Moves time forward.
    public func advance(by delta: Double) { seconds.withLockedValue { $0 += delta } }
}

/// Real time multiplied by a speed factor (`--speed 100` runs a 20-second restart in 0.2 seconds).
public struct ScaledClock: EmulationClock {
    private let start = Date()
    /// How much faster than real time emulated time runs.
    public let speed: Double

    /// Creates a clock that starts now.
    public init(speed: Double) { self.speed = max(speed, 0.001) }

    /// Emulated seconds since creation.
    public func now() -> Double { Date().timeIntervalSince(start) * speed }
}
