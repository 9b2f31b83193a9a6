import GRDB
import SendModel
import SendRuntime

/// `families.import`: a CSV of families and their children, one row per child.
///
/// Each bad row is reported with its line and field and left out; the good rows are imported in
/// the same transaction. A family is known by `family_ref` and a child by (`family_ref`, `child_ref`):
/// importing again updates what changed and creates nothing twice. Import adds and updates; it
/// never deletes, and it never clears an opt-out. Optional columns absent from the header leave
/// the stored values as they are; a changed contact detail clears its failure flag. A new family
/// gets its stop token and stop code (`Keys`); an existing one keeps its own.
enum FamilyImport {
    static let requiredColumns = ["family_ref", "child_ref", "ehc_plan", "consent"]
    static let optionalColumns = ["name", "email", "mobile", "address", "preferred_channel", "updates"]
    /// At most this many rejected cells are listed in the reply (all are counted).
    static let maxListedRejections = 1000

    struct Row {
        var familyRef: String
        var childRef: String
        var ehcPlan: Bool
        var consent: Bool
        var name: String?
        var email: String?
        var mobile: String?
        var address: String?
        var preferred: Channel?
        var updates: Bool?
    }

    struct Rejection {
        var line: Int
        var field: String
        var message: String
        var json: JSONValue { ["line": .int(Int64(line)), "field": .string(field), "message": .string(message)] }
    }

    static func run(_ ctx: CommsChange) throws -> JSONValue {
        let v = ctx.validator()
        guard let csv = ctx.args["csv"]?.stringValue, !csv.trimmingSpaces.isEmpty else {
            throw ServiceError.invalid("csv", "is required: the text of the CSV file, header first")
        }
        let firstRowLine = v.int("first_row_line", required: false, range: 2...Int64(Int32.max))
        let chunk = v.int("chunk", required: false, range: 1...100_000)
        let chunks = v.int("chunks", required: false, range: 1...100_000)
        let importID = v.string("import_id", required: false, maxLength: 64)
        try v.check()
        Keys.prepare(ctx.db)
        let result = try importCSV(ctx.db, Array(csv.utf8), firstRowLine: firstRowLine.map(Int.init), now: ctx.now.description)
        let n = { (key: String) in Int(result.counts[key]?.intValue ?? 0) }
        try ctx.emit(FamilyImported(rows: n("rows"), imported: n("imported"), rejectedRows: n("rejected_rows"),
                                    familiesCreated: n("families_created"), familiesUpdated: n("families_updated"),
                                    childrenCreated: n("children_created"), childrenUpdated: n("children_updated"),
                                    importID: importID, chunk: chunk, chunks: chunks))
        var reply = result.counts
        reply["rejected"] = .array(result.rejections.prefix(maxListedRejections).map(\.json))
        reply["rejected_listed_all"] = .bool(result.rejections.count <= maxListedRejections)
        return .object(reply)
    }

    struct Outcome {
        var counts: [String: JSONValue]
        var rejections: [Rejection]
    }

    /// Imports the rows of `bytes` (header first) and returns the counts and the rejected cells; new
    /// families draw their stop codes with `comms_short_code()`, which the caller installs (`Keys.prepare`).
    static func importCSV(_ db: Database, _ bytes: [UInt8], firstRowLine: Int?, now: String) throws -> Outcome {
        var reader = CSVReader(bytes)
        guard let first = reader.next() else { throw ServiceError.invalid("csv", "is empty: it needs a header line and rows") }
        let headerRecord: CSVReader.Record
        switch first {
        case .success(let r): headerRecord = r
        case .failure(let m): throw ServiceError.invalid("csv", "the header (line \(m.line)) cannot be read: \(m.message)")
        }
        let header = try CSVHeader(headerRecord, required: requiredColumns, optional: optionalColumns)
        if let firstRowLine { reader.setLine(firstRowLine) }
        try CommsSchema.prepareForBulkWrite(db)

        let upsertFamily = try db.makeStatement(sql: familyUpsertSQL(header, stopTokenSQL: Keys.importTokenSQL(now: Timestamp(rfc3339: now) ?? .now())))
        let upsertChild = try db.cachedStatement(sql: """
            INSERT INTO children(family_ref, child_ref, ehc_plan) VALUES (?, ?, ?)
            ON CONFLICT(family_ref, child_ref) DO UPDATE SET ehc_plan = excluded.ehc_plan
            WHERE children.ehc_plan IS NOT excluded.ehc_plan
            """)
        let familiesBefore = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM families") ?? 0
        let childrenBefore = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM children") ?? 0
        var rows = 0, imported = 0, rejectedRows = 0, childrenChanged = 0
        var familiesUpdated = Set<Int64>()
        let maxFamilyBefore = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM families") ?? 0
        var rejections: [Rejection] = []
        var errors: [(String, String)] = []

        while let next = reader.next() {
            rows += 1
            let record: CSVReader.Record
            switch next {
            case .failure(let m):
                rejectedRows += 1
                rejections.append(Rejection(line: m.line, field: "csv", message: m.message))
                continue
            case .success(let r):
                record = r
            }
            guard record.fields.count == header.count else {
                rejectedRows += 1
                rejections.append(Rejection(line: record.line, field: "csv",
                    message: "has \(record.fields.count) field\(record.fields.count == 1 ? "" : "s"); the header has \(header.count)"))
                continue
            }
            errors.removeAll(keepingCapacity: true)
            guard let row = parse(record, header, errors: &errors) else {
                rejectedRows += 1
                for (field, message) in errors { rejections.append(Rejection(line: record.line, field: field, message: message)) }
                continue
            }
            upsertFamily.setUncheckedArguments(familyArguments(row, header, now: now))
            // The id comes back when the row was inserted or changed; a family that existed before the import counts as updated.
            // A new family draws its stop keys; one already taken by another family is drawn again.
            let id = try Keys.retryingTakenKeys(columns: ["families.stop_token", "families.stop_code"]) { try Int64.fetchOne(upsertFamily) }
            if let id, id <= maxFamilyBefore { familiesUpdated.insert(id) }
            upsertChild.setUncheckedArguments([row.familyRef, row.childRef, row.ehcPlan])
            try upsertChild.execute()
            childrenChanged += db.changesCount
            imported += 1
        }
        let familiesCreated = (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM families") ?? 0) - familiesBefore
        let childrenCreated = (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM children") ?? 0) - childrenBefore
        let counts: [String: JSONValue] = [
            "rows": .int(Int64(rows)),
            "imported": .int(Int64(imported)),
            "rejected_rows": .int(Int64(rejectedRows)),
            "families_created": .int(Int64(familiesCreated)),
            "families_updated": .int(Int64(familiesUpdated.count)),
            "children_created": .int(Int64(childrenCreated)),
            "children_updated": .int(Int64(childrenChanged - childrenCreated)),
        ]
        return Outcome(counts: counts, rejections: rejections)
    }

    /// Checks one record; nil with `errors` filled (field, message) when any cell is bad.
    static func parse(_ record: CSVReader.Record, _ header: CSVHeader, errors: inout [(String, String)]) -> Row? {
        func cell(_ name: String) -> String? { header.value(name, in: record) }
        let familyRef = cell("family_ref").flatMap(Contact.reference)
        if familyRef == nil {
            errors.append(("family_ref", cell("family_ref") == nil ? "is required" : "must be 1 to 64 letters, digits or - _ / ."))
        }
        let childRef = cell("child_ref").flatMap(Contact.reference)
        if childRef == nil {
            errors.append(("child_ref", cell("child_ref") == nil ? "is required" : "must be 1 to 64 letters, digits or - _ / ."))
        }
        let ehcPlan = cell("ehc_plan").flatMap(Contact.yesNo)
        if ehcPlan == nil { errors.append(("ehc_plan", "must be yes or no")) }
        let consent = cell("consent").flatMap(Contact.yesNo)
        if consent == nil { errors.append(("consent", "must be yes or no")) }
        var row = Row(familyRef: familyRef ?? "", childRef: childRef ?? "", ehcPlan: ehcPlan ?? false, consent: consent ?? false)
        if let name = cell("name") {
            if name.utf8.count > 200 && name.count > 200 { errors.append(("name", "must be at most 200 characters")) } else { row.name = name }
        }
        if let text = cell("email") {
            if let email = Contact.email(text) { row.email = email } else { errors.append(("email", "is not an email address (name@domain)")) }
        }
        if let text = cell("mobile") {
            if let mobile = Contact.mobile(text) { row.mobile = mobile } else {
                errors.append(("mobile", "is not a UK mobile number (07… or +44 7…)"))
            }
        }
        if let address = cell("address") {
            if address.utf8.count > 500 && address.count > 500 { errors.append(("address", "must be at most 500 characters")) }
            else if Contact.addressLines(address).count < 2 { errors.append(("address", "needs at least two lines (street, town or postcode)")) }
            else { row.address = address }
        }
        if let text = cell("preferred_channel") {
            if let channel = Channel(loose: text) {
                row.preferred = channel
                let present: Bool
                switch channel {
                case .email: present = cell("email") != nil
                case .sms: present = cell("mobile") != nil
                case .letter: present = cell("address") != nil
                }
                if !present { errors.append(("preferred_channel", "is \(channel.rawValue) but the \(channel.contactColumn) cell is empty")) }
            } else {
                errors.append(("preferred_channel", "must be email, sms or letter"))
            }
        }
        if header.has("updates") {
            if let text = cell("updates") {
                if let b = Contact.yesNo(text) { row.updates = b } else { errors.append(("updates", "must be yes or no (or empty)")) }
            } else {
                row.updates = false
            }
        }
        return errors.isEmpty ? row : nil
    }

    /// The optional columns present in the header, as the `families` columns they set.
    static func presentColumns(_ header: CSVHeader) -> [String] {
        var columns: [String] = []
        for name in ["name", "email", "mobile", "address", "preferred_channel"] where header.has(name) { columns.append(name) }
        if header.has("updates") { columns.append("wants_updates") }
        return columns
    }

    static func familyUpsertSQL(_ header: CSVHeader, stopTokenSQL: String) -> String {
        let optional = presentColumns(header)
        let columns = ["family_ref", "consent"] + optional + ["created_at", "updated_at"]
        var set = (["consent"] + optional).map { "\($0) = excluded.\($0)" }
        for contact in ["email", "mobile", "address"] where optional.contains(contact) {
            set.append("\(contact)_flagged_at = CASE WHEN families.\(contact) IS excluded.\(contact) THEN families.\(contact)_flagged_at END")
        }
        set.append("updated_at = excluded.updated_at")
        let changed = (["consent"] + optional).map { "families.\($0) IS NOT excluded.\($0)" }.joined(separator: " OR ")
        return """
            INSERT INTO families(\(columns.joined(separator: ", ")), stop_token, stop_code)
            VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")), \(stopTokenSQL), \(Keys.codeSQL))
            ON CONFLICT(family_ref) DO UPDATE SET \(set.joined(separator: ", "))
            WHERE \(changed)
            RETURNING id
            """
    }

    static func familyArguments(_ row: Row, _ header: CSVHeader, now: String) -> StatementArguments {
        var values: [(any DatabaseValueConvertible)?] = [row.familyRef, row.consent]
        if header.has("name") { values.append(row.name) }
        if header.has("email") { values.append(row.email) }
        if header.has("mobile") { values.append(row.mobile) }
        if header.has("address") { values.append(row.address) }
        if header.has("preferred_channel") { values.append(row.preferred?.rawValue) }
        if header.has("updates") { values.append(row.updates ?? false) }
        values.append(now)
        values.append(now)
        return StatementArguments(values)
    }
}
