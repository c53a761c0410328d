import Crypto
import Foundation
import LienthongCore
import XCTest

@testable import LienthongAudit

final class AuditRecordTests: XCTestCase {
    static let sampleEvent = AuditEvent(
        actor: "GOV:000000001:LDTBXH", user: "officer-17", action: "service-call", target: "population.lookup",
        ref: "req-0001", purpose: "asxh-eligibility", outcome: .ok, status: 200)

    /// A vector computed independently (Python hashlib over the JCS text).
    func testKnownRecordHash() {
        let record = AuditRecord(
            seq: 1, ts: "2026-11-29T17:04:40.123Z", actor: "GOV:000000001:LDTBXH", user: "officer-17",
            action: "service-call", target: "population.lookup", ref: "req-0001", purpose: "asxh-eligibility",
            outcome: .ok, status: 200, subject: "", prev: AuditRecord.genesisHash, hash: "")
        let expectedJSON = #"{"action":"service-call","actor":"GOV:000000001:LDTBXH","outcome":"ok","prev":"0000000000000000000000000000000000000000000000000000000000000000","purpose":"asxh-eligibility","ref":"req-0001","seq":1,"status":200,"subject":"","target":"population.lookup","ts":"2026-11-29T17:04:40.123Z","user":"officer-17"}"#
        XCTAssertEqual(String(decoding: record.canonicalBytesWithoutHash, as: UTF8.self), expectedJSON)
        XCTAssertEqual(record.computeHash(), "c4c22a6834792732bfbfddd143a54be6736177cc16da390496d0b12b87cdae9a")
    }

    func testDirectEncodingEqualsGenericJCS() {
        let record = AuditRecord(
            seq: 9_007_199_254_740_991, ts: "2026-01-01T00:00:00.000Z", actor: "a\"b\\c", user: "Nguyễn Thị Hoà\n\t\u{01}",
            action: "x", target: "😀\u{FB33}", ref: "\u{7F}/", purpose: "", outcome: .denied, status: -1,
            subject: "", prev: AuditRecord.genesisHash, hash: "ab")
        var direct: [UInt8] = []
        record.appendCanonicalJSON(to: &direct, includingHash: true)
        XCTAssertEqual(direct, JCS.canonicalize(record.jsonValue))
        guard case .object(var members) = record.jsonValue else { return XCTFail("not an object") }
        members["hash"] = nil
        XCTAssertEqual(record.canonicalBytesWithoutHash, JCS.canonicalize(.object(members)))
        XCTAssertEqual(AuditRecord.memberNames, members.keys.sorted(by: JCS.utf16Precedes).inserting("hash", at: 2))
    }

    func testChainLinksSeqAndHashes() {
        var chain = AuditChain()
        let hasher = SubjectHasher(key: SymmetricKey(size: .bits256))
        let records = (0..<3).map { _ in chain.append(Self.sampleEvent, ts: "2026-01-01T00:00:00.000Z", subjectHasher: hasher) }
        XCTAssertEqual(records.map(\.seq), [1, 2, 3])
        XCTAssertEqual(records[0].prev, String(repeating: "0", count: 64))
        XCTAssertEqual(records[1].prev, records[0].hash)
        XCTAssertEqual(records[2].prev, records[1].hash)
        for record in records {
            XCTAssertEqual(record.hash, Hex.encode(SHA256.hash(data: record.canonicalBytesWithoutHash)))
            XCTAssertEqual(record.hash.count, 64)
        }
        XCTAssertEqual(chain.lastSeq, 3)
        XCTAssertEqual(chain.lastHash, records[2].hash)
    }

    func testSubjectHasher() {
        let hasher = SubjectHasher(key: SymmetricKey(data: [UInt8](repeating: 1, count: 32)))
        // Python: hmac.new(b"\x01"*32, b"012345678901", hashlib.sha256).hexdigest()[:32]
        XCTAssertEqual(hasher.subject(personalID: "012345678901"), "2435d7892c2a47e0b3f8c26d717989d4")
        XCTAssertEqual(hasher.subject(personalID: nil), "")
        XCTAssertEqual(hasher.subject(personalID: ""), "")
        let other = SubjectHasher(key: SymmetricKey(data: [UInt8](repeating: 2, count: 32)))
        XCTAssertNotEqual(other.subject(personalID: "012345678901"), hasher.subject(personalID: "012345678901"))
        var event = Self.sampleEvent
        event.subjectPersonalID = "012345678901"
        XCTAssertFalse(String(describing: event).contains("012345678901"))
        XCTAssertFalse(String(reflecting: event).contains("012345678901"))
    }

    func testTimestampFormatting() {
        XCTAssertEqual(AuditTimestamp.string(millisecondsSince1970: 0), "1970-01-01T00:00:00.000Z")
        XCTAssertEqual(AuditTimestamp.string(millisecondsSince1970: -1), "1969-12-31T23:59:59.999Z")
        XCTAssertEqual(AuditTimestamp.string(millisecondsSince1970: 1_795_971_880_123), "2026-11-29T17:04:40.123Z")
        XCTAssertEqual(AuditTimestamp.string(millisecondsSince1970: 1_709_208_000_123), "2024-02-29T12:00:00.123Z")
        XCTAssertEqual(AuditTimestamp.string(millisecondsSince1970: 253_402_300_799_999), "9999-12-31T23:59:59.999Z")
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        for ms: Int64 in [951_782_400_000, 1_234_567_890_987, 4_102_444_799_999] {
            let date = Date(timeIntervalSince1970: Double(ms) / 1000)
            XCTAssertEqual(AuditTimestamp.string(millisecondsSince1970: ms), formatter.string(from: date))
        }
        let now = AuditTimestamp.now()
        XCTAssertEqual(now.count, 24)
        XCTAssertTrue(now.hasSuffix("Z"))
    }

    func testCheckpointSignatureAndKeyID() throws {
        let key = P256.Signing.PrivateKey()
        var chain = AuditChain()
        let record = chain.append(Self.sampleEvent, ts: "2026-01-01T00:00:00.000Z", subjectHasher: SubjectHasher(key: SymmetricKey(size: .bits256)))
        let checkpoint = try AuditCheckpoint.sign(record: record, ts: "2026-01-01T00:00:01.000Z", key: key)
        XCTAssertEqual(checkpoint.signedMessage, "lienthong-checkpoint:v1:1:\(record.hash):2026-01-01T00:00:01.000Z")
        XCTAssertEqual(checkpoint.keyId, String(Hex.encode(SHA256.hash(data: key.publicKey.derRepresentation)).prefix(16)))
        XCTAssertTrue(checkpoint.isValidSignature(publicKey: key.publicKey))
        var moved = checkpoint
        moved.ts = "2026-01-01T00:00:02.000Z"
        XCTAssertFalse(moved.isValidSignature(publicKey: key.publicKey))
        XCTAssertFalse(checkpoint.isValidSignature(publicKey: P256.Signing.PrivateKey().publicKey))
        var garbage = checkpoint
        garbage.sig = "not base64!"
        XCTAssertFalse(garbage.isValidSignature(publicKey: key.publicKey))
    }

    // MARK: - I/O-free verifier

    private struct Log {
        var records: [AuditRecord]
        var checkpoints: [AuditCheckpoint]
        let key: P256.Signing.PrivateKey
    }

    private func makeLog(count: Int, checkpointAt: [Int64]) throws -> Log {
        let key = P256.Signing.PrivateKey()
        let hasher = SubjectHasher(key: SymmetricKey(size: .bits256))
        var chain = AuditChain()
        var records: [AuditRecord] = []
        for i in 0..<count {
            var event = Self.sampleEvent
            event.ref = "req-\(i)"
            records.append(chain.append(event, ts: AuditTimestamp.string(millisecondsSince1970: 1_795_971_880_000 + Int64(i)), subjectHasher: hasher))
        }
        let checkpoints = try checkpointAt.map { try AuditCheckpoint.sign(record: records[Int($0) - 1], ts: "2026-11-29T18:00:00.000Z", key: key) }
        return Log(records: records, checkpoints: checkpoints, key: key)
    }

    private func verify(_ log: Log) -> AuditVerification {
        var verifier = AuditVerifier(publicKey: log.key.publicKey, checkpoints: log.checkpoints)
        for record in log.records { verifier.feed(record) }
        return verifier.finish()
    }

    func testVerifierAcceptsIntactLog() throws {
        let log = try makeLog(count: 50, checkpointAt: [10, 20, 50])
        let result = verify(log)
        XCTAssertTrue(result.isIntact, result.description)
        XCTAssertNil(result.firstBadSeq)
        XCTAssertEqual(result.recordsChecked, 50)
        XCTAssertEqual(result.checkpointsChecked, 3)
        XCTAssertTrue(verify(Log(records: [], checkpoints: [], key: log.key)).isIntact)
    }

    func testVerifierNamesFirstBadSeq() throws {
        let log = try makeLog(count: 50, checkpointAt: [10, 20, 40])

        var edited = log
        edited.records[24].purpose = "other"
        XCTAssertEqual(verify(edited).firstBadSeq, 25)

        var rehashed = log  // edited and re-hashed: the next link breaks
        rehashed.records[24].purpose = "other"
        rehashed.records[24].hash = rehashed.records[24].computeHash()
        XCTAssertEqual(verify(rehashed).firstBadSeq, 26)

        var deleted = log
        deleted.records.remove(at: 29)
        XCTAssertEqual(verify(deleted).firstBadSeq, 30)

        var reordered = log
        reordered.records.swapAt(14, 15)
        XCTAssertEqual(verify(reordered).firstBadSeq, 15)

        var inserted = log
        inserted.records.insert(log.records[5], at: 7)
        XCTAssertEqual(verify(inserted).firstBadSeq, 8)

        var headless = log
        headless.records.removeFirst(3)
        XCTAssertEqual(verify(headless).firstBadSeq, 1)

        var truncated = log
        truncated.records.removeLast(15)  // last record 35, checkpoint at 40
        let truncatedResult = verify(truncated)
        XCTAssertEqual(truncatedResult.firstBadSeq, 40)
        XCTAssertTrue(truncatedResult.reason.contains("truncated"), truncatedResult.reason)

        var forged = log
        forged.checkpoints[1].sig = try AuditCheckpoint.sign(record: log.records[19], ts: "2026-11-29T18:00:00.000Z", key: P256.Signing.PrivateKey()).sig
        XCTAssertEqual(verify(forged).firstBadSeq, 20)

        var wrongHash = log  // a checkpoint signed over another hash than its record's
        wrongHash.checkpoints[0] = try AuditCheckpoint.sign(record: log.records[10], ts: "t", key: log.key)
        wrongHash.checkpoints[0].seq = 10
        XCTAssertEqual(verify(wrongHash).firstBadSeq, 10)  // signature no longer matches the seq

        // The smallest bad seq wins: a forged checkpoint at 20 and an edit at 30.
        var both = forged
        both.records[29].user = "someone"
        XCTAssertEqual(verify(both).firstBadSeq, 20)
        var bothEarly = forged
        bothEarly.records[4].user = "someone"
        XCTAssertEqual(verify(bothEarly).firstBadSeq, 5)
    }

    func testVerifierDetectsCheckpointHashMismatchWithValidSignature() throws {
        let log = try makeLog(count: 12, checkpointAt: [])
        var checkpoint = AuditCheckpoint(seq: 6, hash: log.records[6].hash, ts: "2026-11-29T18:00:00.000Z",
                                         keyId: AuditCheckpoint.keyID(of: log.key.publicKey), sig: "")
        checkpoint.sig = try log.key.signature(for: Array(checkpoint.signedMessage.utf8)).derRepresentation.base64EncodedString()
        var bad = log
        bad.checkpoints = [checkpoint]
        let result = verify(bad)
        XCTAssertEqual(result.firstBadSeq, 6)
        XCTAssertTrue(result.reason.contains("another hash"), result.reason)
    }

    func testExportLineRoundTripsAndIsStrict() throws {
        let log = try makeLog(count: 2, checkpointAt: [2])
        let line = AuditExport.line(for: log.records[1])
        XCTAssertEqual(line.last, UInt8(ascii: "\n"))
        XCTAssertEqual(try AuditExport.record(fromLine: line.dropLast()), log.records[1])
        XCTAssertEqual(try AuditExport.checkpoint(fromLine: AuditExport.line(for: log.checkpoints[0]).dropLast()), log.checkpoints[0])
        XCTAssertThrowsError(try AuditExport.record(fromLine: Array(#"{"seq":1}"#.utf8)))
        var text = String(decoding: line.dropLast(), as: UTF8.self)
        text = text.replacingOccurrences(of: "\"status\":200", with: "\"status\":\"200\"")
        XCTAssertThrowsError(try AuditExport.record(fromLine: Array(text.utf8)))
    }
}

extension Array {
    fileprivate func inserting(_ element: Element, at index: Int) -> [Element] {
        var copy = self
        copy.insert(element, at: index)
        return copy
    }
}
