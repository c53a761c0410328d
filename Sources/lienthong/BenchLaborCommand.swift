import ArgumentParser
import Foundation
import GRDB
import LienthongCore
import LienthongLabor
import LienthongLaborStore
import LienthongSimulators

extension Bench {
    /// `lienthong bench labor`: labour analysis over many synthetic people: the store's load (snapshot) and two-dimension
    /// cross-tabs, against the same counts made by SQLite with `GROUP BY` on the stored rows (the baseline), and the
    /// process's peak memory.
    struct Labor: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "labor",
            abstract: "Labour analysis over N synthetic people: snapshot load, 2-D cross-tabs vs SQLite GROUP BY; peak memory.")
        @Option(help: "People (one record each).") var people: Int = 1_000_000

        func run() async throws {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lienthong-bench-labor-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let path = dir.appendingPathComponent("labor.sqlite").path
            let store = try LaborStore(path: path)
            let asOf = try CalendarDate(iso: "2026-11-01")
            print("lienthong bench labor: \(people) synthetic people")

            // Load: synthetic records in chunks (never all in memory), one transaction per chunk.
            let t0 = ContinuousClock.now
            var rng = SplitMix64(seed: 42)
            let districts = Array(WorkerRecordGenerator.districtCodes.values).sorted()
            var written = 0
            while written < people {
                let chunk = min(50_000, people - written)
                var records: [WorkerRecord] = []
                records.reserveCapacity(chunk)
                for i in 0..<chunk {
                    let serial = written + i
                    let year = 1940 + rng.uniform(70)
                    let sex: Sex = rng.chance(0.5) ? .male : .female
                    let birth = try CalendarDate(year: year, month: 1 + rng.uniform(12), day: 1 + rng.uniform(28))
                    let district = districts[rng.uniform(districts.count)]
                    let status = rng.pick(weighted: [(EmploymentStatus.employed, 68.0), (.unemployed, 2), (.inactive, 30)])
                    records.append(WorkerRecord(
                        personalID: PersonalID.make(provinceCode: "075", birthYear: year, sex: sex, serial: serial),
                        fullName: "Người Tổng Hợp", dateOfBirth: birth, sex: sex, districtCode: district,
                        communeCode: district + String(format: "%02d", 1 + rng.uniform(15)), area: rng.chance(0.45) ? .urban : .rural,
                        education: .upperSecondary, qualification: rng.chance(0.29) ? .university : .none, employmentStatus: status,
                        sector: status == .employed ? EconomicSector.all[rng.uniform(21)] : nil,
                        incomeBand: rng.pick(IncomeBand.allCases), socialInsurance: rng.chance(0.5) ? .compulsory : .none,
                        asOf: asOf, source: .survey))
                }
                _ = try store.upsert(records)
                written += chunk
                FileHandle.standardError.write(Data("\rstored \(written)".utf8))
            }
            FileHandle.standardError.write(Data("\n".utf8))
            let stored = ContinuousClock.now
            let date = try CalendarDate(iso: "2026-11-29")
            let snapshot = try store.snapshot(on: date)
            let loaded = ContinuousClock.now
            print("store: \(Self.rate(people, stored - t0)) records/s; snapshot (load): \(Self.seconds(loaded - stored)) s for \(snapshot.people) people")

            // Cross-tabs: ours (in memory, columnar) vs SQLite GROUP BY over the stored rows.
            let pairs: [([LaborDimension], String)] = [
                ([.sex, .area], "sex, area"),
                ([.district, .employmentStatus], "district_code, employment_status"),
                ([.sector, .socialInsurance], "sector, social_insurance"),
                ([.commune, .incomeBand], "commune_code, income_band"),
            ]
            let database = try DatabaseQueue(path: path)
            var ratios: [Double] = []
            for (dimensions, columns) in pairs {
                var best: Duration = .seconds(3600)
                var analysis: LaborAnalysis?
                for _ in 0..<3 {
                    let start = ContinuousClock.now
                    analysis = analyse(snapshot.snapshot, by: dimensions, on: date)
                    best = min(best, ContinuousClock.now - start)
                }
                let sqlStart = ContinuousClock.now
                let groups = try Self.groupCount(database, columns: columns)
                let sql = ContinuousClock.now - sqlStart
                let ratio = Double(sql.components.attoseconds + sql.components.seconds * 1_000_000_000_000_000_000)
                    / Double(max(1, best.components.attoseconds + best.components.seconds * 1_000_000_000_000_000_000))
                ratios.append(ratio)
                print("cross-tab \(dimensions.map(\.rawValue).joined(separator: " × ")): \(Self.milliseconds(best)) ms "
                      + "(\(analysis?.cells.count ?? 0) cells, \(analysis?.suppressedCells ?? 0) suppressed); "
                      + "baseline SQLite GROUP BY \(Self.milliseconds(sql)) ms (\(groups) groups); ratio baseline/ours \(String(format: "%.1f", ratio))")
            }
            print("peak memory (VmHWM): \(Bench.peakMemory())")
        }

        /// The baseline: SQLite counts the stored rows by `columns` (synchronously, on this thread).
        static func groupCount(_ database: DatabaseQueue, columns: String) throws -> Int {
            try database.read { db in
                try Row.fetchAll(db, sql: "SELECT \(columns), COUNT(*) FROM labor_record GROUP BY \(columns)").count
            }
        }

        static func seconds(_ d: Duration) -> String { String(format: "%.2f", Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18) }
        static func milliseconds(_ d: Duration) -> String { String(format: "%.1f", (Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18) * 1000) }
        static func rate(_ n: Int, _ d: Duration) -> Int { Int(Double(n) / max(1e-9, Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)) }
    }
}
