public import ServiceLifecycle
import Synchronization

/// Which parts of a process are still running: services wrapped by ``wrap(_:_:)`` and steps run through
/// ``during(_:_:)`` are listed from their start until they return, so a shutdown that takes too long can name
/// what it is waiting for (`lienthong demo --once` prints this when its shutdown passes its deadline).
///
/// ```swift
/// let progress = ServiceProgress()
/// let group = ServiceGroup(configuration: .init(services: [.init(service: progress.wrap("admin listener", admin))], logger: logger))
/// // … later, when the group is slow to stop:
/// progress.running   // ["admin listener"]
/// ```
public final class ServiceProgress: Sendable {
    private let names = Mutex<[String]>([])

    /// An empty record.
    public init() {}

    /// The names of the services and steps that have started and not yet returned, in the order they started.
    public var running: [String] { names.withLock { $0 } }

    /// `service`, reported under `name` while its `run()` is running.
    public func wrap(_ name: String, _ service: some Service) -> some Service {
        NamedService(name: name, base: service, progress: self)
    }

    /// Runs `body`, reported under `name` until it returns or throws.
    public func during<T>(_ name: String, _ body: () async throws -> T) async rethrows -> T {
        started(name)
        defer { finished(name) }
        return try await body()
    }

    fileprivate func started(_ name: String) { names.withLock { $0.append(name) } }

    fileprivate func finished(_ name: String) {
        names.withLock { names in
            if let index = names.firstIndex(of: name) { names.remove(at: index) }
        }
    }
}

/// A service that reports its start and return to a ``ServiceProgress``; graceful shutdown and cancellation
/// reach the wrapped service unchanged (they travel with the task).
private struct NamedService<Base: Service>: Service, CustomStringConvertible {
    let name: String
    let base: Base
    let progress: ServiceProgress

    var description: String { name }

    func run() async throws {
        try await progress.during(name) { try await base.run() }
    }
}
