import LienthongGateway
import Logging
import ServiceLifecycle
import XCTest

/// `ServiceProgress` names what is still running: `demo --once` relies on it to say what a slow shutdown waits for.
final class ServiceProgressTests: XCTestCase {
    /// A service that runs until graceful shutdown, then returns once `release` has been yielded to (or at once
    /// without a gate).
    private struct Gated: Service {
        let gate: AsyncStream<Void>?
        func run() async throws {
            try? await gracefulShutdown()
            if let gate { for await _ in gate { break } }
        }
    }

    func testWrappedServicesAreListedUntilTheyReturn() async throws {
        let progress = ServiceProgress()
        let (gate, release) = AsyncStream<Void>.makeStream()
        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: progress.wrap("quick", Gated(gate: nil))),
                .init(service: progress.wrap("held", Gated(gate: gate))),
            ],
            logger: Logger(label: "test")))
        let running = Task { try await group.run() }
        try await waitUntil { Set(progress.running) == ["quick", "held"] }
        await group.triggerGracefulShutdown()
        // Services stop in reverse order: "held" first, and it does not return until released.
        try await Task.sleep(for: .milliseconds(100))
        XCTAssertEqual(progress.running, ["quick", "held"])
        release.yield()
        try await running.value
        XCTAssertEqual(progress.running, [])
    }

    func testStepsAreListedWhileTheyRunAndAfterAThrowTheyAreNot() async throws {
        let progress = ServiceProgress()
        struct Failure: Error {}
        do {
            try await progress.during("closing: storage") {
                XCTAssertEqual(progress.running, ["closing: storage"])
                try await progress.during("closing: client") {
                    XCTAssertEqual(progress.running, ["closing: storage", "closing: client"])
                    throw Failure()
                }
            }
            XCTFail("the failure should have been rethrown")
        } catch is Failure {}
        XCTAssertEqual(progress.running, [])
    }

    private func waitUntil(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition() {
            guard ContinuousClock.now < deadline else { return XCTFail("condition not met within 10 s") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
