public import LienthongCore

extension WorkerRecordsPayload {
    /// Checks a `labor.worker-records` payload record by record when the gateway accepts it, like a participant sync
    /// (``ParticipantSync``): the sender learns, per refused record, its index, the field and a fixed reason (never a
    /// value), and only the accepted records are delivered.
    ///
    /// A record is refused when ``workerRecord(from:source:)`` refuses it, when its `asOf` is after `today`, or when
    /// it repeats the personal id and `asOf` of an earlier record of the same payload. The payload is refused as a
    /// whole (index `-1`) when it is not an object with a `records` array.
    public static func validate(_ payload: JSONValue, today: CalendarDate) -> ParticipantSync.Report {
        func batch(_ field: String, _ reason: String, total: Int = 0) -> ParticipantSync.Report {
            ParticipantSync.Report(
                accepted: [], acceptedIndices: [],
                refused: [ParticipantSync.Refusal(index: ParticipantSync.batchIndex, field: field, reason: reason)], total: total)
        }
        guard case .object(let members) = payload else { return batch("payload", "must be an object") }
        guard let recordsValue = members["records"] else { return batch("records", "is required") }
        guard case .array(let records) = recordsValue else { return batch("records", "must be an array") }
        var accepted: [JSONValue] = []
        var indices: [Int] = []
        var refused: [ParticipantSync.Refusal] = []
        var seen: Set<String> = []
        for (index, record) in records.enumerated() {
            switch workerRecord(from: record, source: .industrialZone) {
            case .failure(let refusal):
                refused.append(ParticipantSync.Refusal(index: index, field: refusal.field, reason: refusal.reason))
            case .success(let worker):
                if worker.asOf > today {
                    refused.append(ParticipantSync.Refusal(index: index, field: "asOf", reason: "must not be after today"))
                } else if !seen.insert(worker.personalID.digits + "|" + worker.asOf.iso).inserted {
                    refused.append(ParticipantSync.Refusal(
                        index: index, field: "personalId", reason: "repeats an earlier record with the same asOf"))
                } else {
                    accepted.append(record)
                    indices.append(index)
                }
            }
        }
        return ParticipantSync.Report(accepted: accepted, acceptedIndices: indices, refused: refused, total: records.count)
    }
}
