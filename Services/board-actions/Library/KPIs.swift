import GRDB
import SendModel

/// Key performance indicators: a measure with a baseline, a target and a direction, its readings
/// over time, and the trend against the target.
enum KPIs {
    typealias Direction = KPIDirection

    /// Where a KPI stands: the latest value against the one before (or the baseline) and against the target.
    struct Trend: Equatable {
        /// `improving`, `worsening`, `flat`, or `no_readings`.
        let trend: String
        let onTarget: Bool
        let latest: Double?
        /// How far from the baseline to the target the latest value has come (1 = at target).
        let progress: Double?

        static func of(direction: Direction, baseline: Double, target: Double, readings: [Double]) -> Trend {
            guard let latest = readings.last else {
                return Trend(trend: "no_readings", onTarget: direction.meets(baseline, target: target), latest: nil, progress: nil)
            }
            let previous = readings.count >= 2 ? readings[readings.count - 2] : baseline
            let trend = latest == previous ? "flat" : direction.isBetter(latest, than: previous) ? "improving" : "worsening"
            let span = target - baseline
            let progress = span == 0 ? nil : ((latest - baseline) / span * 1000).rounded() / 1000
            return Trend(trend: trend, onTarget: direction.meets(latest, target: target), latest: latest, progress: progress)
        }
    }

    /// `kpis.add`.
    static func add(_ change: BoardChange, _ args: JSONValue) throws -> JSONValue {
        let v = Validator(args)
        let kpi = try read(v, change.db)
        try v.check()
        return ["kpi": try insert(change, kpi)]
    }

    struct Input {
        var name = "", unit = "", baseline = 0.0, target = 0.0
        var baselineDate: LocalDate?, targetDate: LocalDate?
        var direction = Direction.lowerIsBetter
    }

    static func read(_ v: Validator, _ db: Database) throws -> Input {
        var k = Input()
        let name = v.string("name", maxLength: 200)
        k.unit = v.string("unit", maxLength: 100) ?? ""
        let baseline = v.double("baseline")
        let target = v.double("target")
        k.baselineDate = v.date("baseline_date", required: false)
        k.targetDate = v.date("target_date", required: false)
        let direction = v.oneOf("direction", Direction.self)
        if let name, try Bool.fetchOne(db, sql: "SELECT 1 FROM kpis WHERE name = ?", arguments: [name]) != nil {
            v.fail("name", "a KPI named '\(name)' already exists")
        }
        if let baseline, let target, let direction, baseline != target, !direction.isBetter(target, than: baseline) {
            v.fail("target", "with \(direction.rawValue) the target must be better than the baseline \(baseline)")
        }
        k.name = name ?? ""
        k.baseline = baseline ?? 0
        k.target = target ?? 0
        k.direction = direction ?? .lowerIsBetter
        return k
    }

    static func insert(_ change: BoardChange, _ k: Input) throws -> JSONValue {
        let n = try BoardID.next(change.db, table: "kpis")
        let id = BoardID.make(BoardID.kpi, n)
        try change.db.execute(sql: """
            INSERT INTO kpis(n, kpi_id, name, unit, baseline, baseline_date, target, target_date, direction, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [n, id, k.name, k.unit, k.baseline, k.baselineDate?.iso, k.target, k.targetDate?.iso,
                             k.direction.rawValue, change.at])
        try change.emit(KPIRecorded(kpiID: id, direction: k.direction))
        return try summary(change.db, id)!
    }

    /// `kpis.record`: a reading on a date; one per date.
    static func record(_ change: BoardChange, _ args: JSONValue) throws -> JSONValue {
        let v = Validator(args)
        let id = v.boardID("kpi_id", BoardID.kpi)
        let date = v.date("date", required: false) ?? change.today
        let value = v.double("value")
        let note = v.string("note", required: false, maxLength: 2000)
        try v.check()
        return try recordReading(change, kpiID: id!, date: date, value: value!, note: note)
    }

    static func recordReading(_ change: BoardChange, kpiID: String, date: LocalDate, value: Double, note: String?) throws -> JSONValue {
        let db = change.db
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM kpis WHERE kpi_id = ?", arguments: [kpiID]) else {
            throw ServiceError.notFound("KPI \(kpiID)")
        }
        if date > change.today { throw ServiceError.invalid("date", "\(date.iso) is after today (\(change.today.iso)): record a reading once it is known") }
        if let existing = try Double.fetchOne(db, sql: "SELECT value FROM kpi_readings WHERE kpi_id = ? AND on_date = ?",
                                              arguments: [kpiID, date.iso]) {
            throw ServiceError.conflict("\(kpiID) already has a reading for \(date.iso) (\(JSONValue.number(existing).jsonString))")
        }
        try db.execute(sql: "INSERT INTO kpi_readings(kpi_id, on_date, value, note, at) VALUES (?, ?, ?, ?, ?)",
                       arguments: [kpiID, date.iso, value, note, change.at])
        let direction = Direction(rawValue: row["direction"]) ?? .lowerIsBetter
        let onTarget = direction.meets(value, target: row["target"])
        try change.emit(KPIReading(kpiID: kpiID, date: date, value: value, onTarget: onTarget))
        return ["reading": ["date": .string(date.iso), "value": .number(value), "note": JSONValue(note), "on_target": .bool(onTarget)],
                "kpi": try summary(db, kpiID)!]
    }

    /// A KPI with its latest reading and trend (no reading history).
    static func summary(_ db: Database, _ id: String) throws -> JSONValue? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM kpis WHERE kpi_id = ?", arguments: [id]) else { return nil }
        let values = try Double.fetchAll(db, sql: "SELECT value FROM kpi_readings WHERE kpi_id = ? ORDER BY on_date", arguments: [id])
        let lastDate = try String.fetchOne(db, sql: "SELECT MAX(on_date) FROM kpi_readings WHERE kpi_id = ?", arguments: [id])
        let direction = Direction(rawValue: row["direction"]) ?? .lowerIsBetter
        let trend = Trend.of(direction: direction, baseline: row["baseline"], target: row["target"], readings: values)
        return [
            "kpi_id": .string(id), "name": .string(row["name"]), "unit": .string(row["unit"]),
            "baseline": .number(row["baseline"]), "baseline_date": JSONValue(row["baseline_date"] as String?),
            "target": .number(row["target"]), "target_date": JSONValue(row["target_date"] as String?),
            "direction": .string(direction.rawValue), "readings": .int(Int64(values.count)),
            "latest": trend.latest.map { JSONValue.number($0) } ?? .null, "latest_date": JSONValue(lastDate),
            "trend": .string(trend.trend), "on_target": .bool(trend.onTarget),
            "progress": trend.progress.map { JSONValue.number($0) } ?? .null,
        ]
    }

    static func list(_ db: Database) throws -> JSONValue {
        let ids = try String.fetchAll(db, sql: "SELECT kpi_id FROM kpis ORDER BY n")
        return ["kpis": .array(try ids.compactMap { try summary(db, $0) })]
    }

    /// `kpis.show`: the KPI, every reading, and the actions that move it.
    static func show(_ db: Database, _ args: JSONValue, today: LocalDate) throws -> JSONValue {
        let v = Validator(args)
        let id = v.boardID("kpi_id", BoardID.kpi)
        try v.check()
        guard let kpi = try summary(db, id!) else { throw ServiceError.notFound("KPI \(id!)") }
        let readings = try Row.fetchAll(db, sql: "SELECT * FROM kpi_readings WHERE kpi_id = ? ORDER BY on_date", arguments: [id!])
            .map { row -> JSONValue in
                ["date": .string(row["on_date"]), "value": .number(row["value"]), "note": JSONValue(row["note"] as String?)]
            }
        let actions = try Row.fetchAll(db, sql: "SELECT * FROM actions WHERE kpi_id = ? ORDER BY n", arguments: [id!]).map { row in
            let a = ActionRecord(row)
            let rating = a.rating(today: today)
            return ["action_id": .string(a.id), "title": .string(a.title), "status": .string(a.status.rawValue),
                    "rag": rating.colour.map { .string($0.rawValue) } ?? .null] as JSONValue
        }
        return ["kpi": kpi, "readings": .array(readings), "actions": .array(actions)]
    }
}

extension KPIDirection {
    func isBetter(_ a: Double, than b: Double) -> Bool { self == .lowerIsBetter ? a < b : a > b }
    func meets(_ value: Double, target: Double) -> Bool { self == .lowerIsBetter ? value <= target : value >= target }
}
