import AsyncHTTPClient
import Foundation
@testable import LienthongAdapters
import LienthongCore
import Synchronization
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// The transport's outer time bound: an answer whose head comes in time but whose body stalls is an
/// `upstream-timeout` within `timeout + bodyGrace`, and the bound itself passes values, errors and cancellation through.
final class UpstreamDeadlineTests: XCTestCase {
    func testAnAnswerWhoseBodyStallsIsAnUpstreamTimeoutWithinTheBound() async throws {
        let server = try StallingServer()
        defer { server.close() }
        let transport = UpstreamTransport(name: "stalling upstream", httpClient: HTTPClient.shared, timeout: .milliseconds(400))
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/")
        request.method = .POST
        let started = ContinuousClock.now
        do {
            _ = try await transport.send(request)
            XCTFail("a stalled body must not be answered")
        } catch {
            XCTAssertEqual(error.code, .upstreamTimeout)
            XCTAssertEqual(error.detail, "stalling upstream did not answer in time")
        }
        let took = ContinuousClock.now - started
        XCTAssertGreaterThanOrEqual(took, .milliseconds(400), "the head came at once: only the outer bound ends it")
        XCTAssertLessThan(took, .seconds(5), "the outer bound (timeout + bodyGrace) ended it, not the server")
    }

    func testTheBoundPassesValuesAndErrorsAndEndsASlowOperationByCancellingIt() async throws {
        let loop = HTTPClient.shared.eventLoopGroup.any()
        let value = try await UpstreamTransport.withDeadline(.seconds(5), on: loop) { 42 }
        XCTAssertEqual(value, 42)

        struct Refused: Error {}
        do {
            _ = try await UpstreamTransport.withDeadline(.seconds(5), on: loop) { () async throws -> Int in throw Refused() }
            XCTFail("the operation's error passes through")
        } catch {
            XCTAssertTrue(error is Refused, "got \(error)")
        }

        let sawCancellation = expectation(description: "the slow operation is cancelled")
        do {
            _ = try await UpstreamTransport.withDeadline(.milliseconds(100), on: loop) { () async throws -> Int in
                do {
                    try await Task.sleep(for: .seconds(30))
                } catch {
                    sawCancellation.fulfill()
                    throw error
                }
                return 1
            }
            XCTFail("the deadline ends a slow operation")
        } catch {
            XCTAssertTrue(error is UpstreamTransport.DeadlineExceeded, "got \(error)")
        }
        await fulfillment(of: [sawCancellation], timeout: 5)
    }

    func testCancellingTheCallerCancelsTheOperation() async throws {
        let loop = HTTPClient.shared.eventLoopGroup.any()
        let caller = Task {
            try await UpstreamTransport.withDeadline(.seconds(30), on: loop) { () async throws -> Int in
                try await Task.sleep(for: .seconds(30))
                return 1
            }
        }
        try await Task.sleep(for: .milliseconds(50))
        caller.cancel()
        let started = ContinuousClock.now
        do {
            _ = try await caller.value
            XCTFail("a cancelled caller gets no value")
        } catch {
            XCTAssertTrue(error is CancellationError, "the operation's own cancellation error, not a deadline: \(error)")
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(10))
    }
}

/// A loopback HTTP/1.1 server that answers every connection with a head announcing 100 bytes, sends 3, and
/// then nothing for 10 s.
private final class StallingServer: Sendable {
    let port: Int
    private let listener: Int32
    private let accepted = Accepted()

    private final class Accepted: Sendable {
        private let fds = Mutex<[Int32]>([])
        func withLock<R>(_ body: (inout [Int32]) -> R) -> R { fds.withLock { body(&$0) } }
    }

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 8) == 0 else { Glibc.close(fd); throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [accepted] in
            while true {
                let connection = accept(fd, nil, nil)
                guard connection >= 0 else { return }
                accepted.withLock { $0.append(connection) }
                var buffer = [UInt8](repeating: 0, count: 4096)
                _ = read(connection, &buffer, buffer.count)   // the request (small: one read)
                let answer = Array("HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 100\r\n\r\nabc".utf8)
                _ = write(connection, answer, answer.count)
                // Without the transport's bound the test would wait for this: a 10 s stall, then the connection ends.
                DispatchQueue.global().asyncAfter(deadline: .now() + 10) { _ = shutdown(connection, Int32(SHUT_RDWR)) }
            }
        }
    }

    func close() {
        shutdown(listener, Int32(SHUT_RDWR))
        Glibc.close(listener)
        accepted.withLock { $0.forEach { _ = Glibc.close($0) } }
    }
}
