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
    static let optionalColumns = ["name", "email", "mobile", "address", "preferred_channel", "updates", "ehc_plan_ended", "support"]
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
        /// `YYYY-MM-DD`, when the column is there and the cell is not empty.
        var ehcPlanEnded: String?
        /// `ehc_plan`, `sen_support` or `none`, when the column is there and the cell is not empty
        /// (empty: the child's `ehc_plan` decides, yes being an EHC plan and no SEN support).
        var support: String?
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

    /// Imports the rows of `bytes` (header first) and returns the counts and the rejected cells.
    ///
    /// One pass over the bytes with the statements prepared once and one field array reused for
    /// every record; a new family's stop token and stop code are drawn in Swift from `random`
    /// (a buffer of the system's random bytes, refilled as needed), or its code from `code` when
    /// given (tests: codes that collide).
    static func importCSV(_ db: Database, _ bytes: [UInt8], firstRowLine: Int?, now: String,
                          code: (() -> String)? = nil) throws -> Outcome {
        var reader = CSVReader(bytes)
        guard let first = reader.next() else { throw ServiceError.invalid("csv", "is empty: it needs a header line and rows") }
        let headerRecord: CSVReader.Record
        switch first {
        case .success(let r): headerRecord = r
        case .failure(let m): throw ServiceError.invalid("csv", "the header (line \(m.line)) cannot be read: \(m.message)")
        }
        let header = try CSVHeader(headerRecord, required: requiredColumns, optional: optionalColumns)
        let columns = Columns(header)
        if let firstRowLine { reader.setLine(firstRowLine) }
        try CommsSchema.prepareForBulkWrite(db)

        let upsertFamily = try db.makeStatement(sql: familyUpsertSQL(header))
        // A child is inserted, or else updated when its plan changed: which of the two tells created from updated.
        // Without an ehc_plan_ended (or support) column the stored end dates (or supports) stay as they are.
        let withEnd = columns.ehcPlanEnded != nil, withSupport = columns.support != nil
        let childColumns = ["ehc_plan"] + (withEnd ? ["ehc_plan_ended"] : []) + (withSupport ? ["support"] : [])
        let insertChild = try db.makeStatement(sql: """
            INSERT INTO children(family_ref, child_ref, \(childColumns.joined(separator: ", ")))
            VALUES (?, ?, \(childColumns.map { _ in "?" }.joined(separator: ", "))) ON CONFLICT(family_ref, child_ref) DO NOTHING
            """)
        let numbered = childColumns.enumerated().map { (name: $1, parameter: "?\($0 + 3)") }
        let updateChild = try db.makeStatement(sql: """
            UPDATE children SET \(numbered.map { "\($0.name) = \($0.parameter)" }.joined(separator: ", "))
            WHERE family_ref = ?1 AND child_ref = ?2 AND (\(numbered.map { "\($0.name) IS NOT \($0.parameter)" }.joined(separator: " OR ")))
            """)
        // Erased families are tombstones: a row naming one is refused, saying so, never brought back silently.
        var erased: [String: String] = [:]
        for row in try GRDB.Row.fetchAll(db, sql: "SELECT family_ref, erased_at FROM families WHERE erased_at IS NOT NULL") {
            erased[row[0]] = row[1]
        }
        let maxFamilyBefore = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM families") ?? 0
        // New families get ids above every id so far; a row that returns a higher id than any before created its family.
        var highestID = maxFamilyBefore
        var rows = 0, imported = 0, rejectedRows = 0, familiesCreated = 0, childrenCreated = 0, childrenUpdated = 0
        var familiesUpdated = Set<Int64>()
        var rejections: [Rejection] = []
        var errors: [(String, String)] = []
        var fields: [String] = []
        fields.reserveCapacity(header.count)
        var random = RandomPool()
        let tokenPrefix = Keys.importTokenPrefix(now: Timestamp(rfc3339: now) ?? .now())
        var values: [DatabaseValue] = []

        while let next = reader.next(into: &fields) {
            rows += 1
            let line: Int
            switch next {
            case .malformed(let m):
                rejectedRows += 1
                rejections.append(Rejection(line: m.line, field: "csv", message: m.message))
                continue
            case .record(let l):
                line = l
            }
            guard fields.count == header.count else {
                rejectedRows += 1
                rejections.append(Rejection(line: line, field: "csv",
                    message: "has \(fields.count) field\(fields.count == 1 ? "" : "s"); the header has \(header.count)"))
                continue
            }
            errors.removeAll(keepingCapacity: true)
            guard let row = parse(fields, columns, errors: &errors) else {
                rejectedRows += 1
                for (field, message) in errors { rejections.append(Rejection(line: line, field: field, message: message)) }
                continue
            }
            if !erased.isEmpty, let at = erased[row.familyRef] {
                rejectedRows += 1
                rejections.append(Rejection(line: line, field: "family_ref", message: "this family's data was erased on "
                    + "\(Timestamp(rfc3339: at)?.date.iso ?? at) (sendctl families erase); it is not imported again"))
                continue
            }
            // The id comes back when the row was inserted or changed; a family that existed before the import counts as updated.
            // A new family draws its stop keys; one already taken by another family is drawn again.
            let id = try Keys.retryingTakenKeys(columns: ["families.stop_token", "families.stop_code"]) { () throws -> Int64? in
                values.removeAll(keepingCapacity: true)
                familyValues(row, columns, now: now, into: &values)
                values.append(Keys.importToken(prefix: tokenPrefix, &random).databaseValue)
                values.append((code?() ?? drawCode(&random)).databaseValue)
                upsertFamily.setUncheckedArguments(StatementArguments(values))
                return try Int64.fetchOne(upsertFamily)
            }
            if let id {
                if id > highestID {
                    familiesCreated += 1
                    highestID = id
                } else if id <= maxFamilyBefore {
                    familiesUpdated.insert(id)
                }
            }
            var childValues: [DatabaseValue] = [row.familyRef.databaseValue, row.childRef.databaseValue, row.ehcPlan.databaseValue]
            if withEnd { childValues.append(row.ehcPlanEnded.databaseValue) }
            if withSupport { childValues.append(row.support.databaseValue) }
            let childArguments = StatementArguments(childValues)
            insertChild.setUncheckedArguments(childArguments)
            try insertChild.execute()
            if db.changesCount > 0 {
                childrenCreated += 1
            } else {
                updateChild.setUncheckedArguments(childArguments)
                try updateChild.execute()
                childrenUpdated += db.changesCount
            }
            imported += 1
        }
        let counts: [String: JSONValue] = [
            "rows": .int(Int64(rows)),
            "imported": .int(Int64(imported)),
            "rejected_rows": .int(Int64(rejectedRows)),
            "families_created": .int(Int64(familiesCreated)),
            "families_updated": .int(Int64(familiesUpdated.count)),
            "children_created": .int(Int64(childrenCreated)),
            "children_updated": .int(Int64(childrenUpdated)),
        ]
        return Outcome(counts: counts, rejections: rejections)
    }

    /// A short code from the pool's words (a word whose check character is not a symbol is skipped).
    static func drawCode(_ random: inout RandomPool) -> String {
        while true {
            if let code = Keys.shortCode(random.next()) { return code }
        }
    }

    /// The header's columns by position, looked up once per request rather than by name in every row.
    struct Columns {
        var familyRef, childRef, ehcPlan, consent: Int?
        var name, email, mobile, address, preferredChannel, updates, ehcPlanEnded, support: Int?

        init(_ header: CSVHeader) {
            let p = header.positions
            (familyRef, childRef, ehcPlan, consent) = (p["family_ref"], p["child_ref"], p["ehc_plan"], p["consent"])
            (name, email, mobile, address) = (p["name"], p["email"], p["mobile"], p["address"])
            (preferredChannel, updates, ehcPlanEnded, support) = (p["preferred_channel"], p["updates"], p["ehc_plan_ended"], p["support"])
        }
    }

    /// Checks one record; nil with `errors` filled (field, message) when any cell is bad.
    static func parse(_ fields: [String], _ columns: Columns, errors: inout [(String, String)]) -> Row? {
        func cell(_ column: Int?) -> String? { CSVHeader.value(at: column, in: fields) }
        let familyRefCell = cell(columns.familyRef), childRefCell = cell(columns.childRef)
        let familyRef = familyRefCell.flatMap(Contact.reference)
        if familyRef == nil {
            errors.append(("family_ref", familyRefCell == nil ? "is required" : "must be 1 to 64 letters, digits or - _ / ."))
        }
        let childRef = childRefCell.flatMap(Contact.reference)
        if childRef == nil {
            errors.append(("child_ref", childRefCell == nil ? "is required" : "must be 1 to 64 letters, digits or - _ / ."))
        }
        let ehcPlan = cell(columns.ehcPlan).flatMap(Contact.yesNo)
        if ehcPlan == nil { errors.append(("ehc_plan", "must be yes or no")) }
        let consent = cell(columns.consent).flatMap(Contact.yesNo)
        if consent == nil { errors.append(("consent", "must be yes or no")) }
        var row = Row(familyRef: familyRef ?? "", childRef: childRef ?? "", ehcPlan: ehcPlan ?? false, consent: consent ?? false)
        if let name = cell(columns.name) {
            if name.utf8.count > 200 && name.count > 200 { errors.append(("name", "must be at most 200 characters")) } else { row.name = name }
        }
        let emailCell = cell(columns.email), mobileCell = cell(columns.mobile), addressCell = cell(columns.address)
        if let text = emailCell {
            if let email = Contact.email(text) { row.email = email } else { errors.append(("email", "is not an email address (name@domain)")) }
        }
        if let text = mobileCell {
            if let mobile = Contact.mobile(text) { row.mobile = mobile } else {
                errors.append(("mobile", "is not a UK mobile number (07… or +44 7…)"))
            }
        }
        if let address = addressCell {
            if address.utf8.count > 500 && address.count > 500 { errors.append(("address", "must be at most 500 characters")) }
            else if !Contact.hasTwoAddressLines(address) { errors.append(("address", "needs at least two lines (street, town or postcode)")) }
            else { row.address = address }
        }
        if let text = cell(columns.preferredChannel) {
            if let channel = Channel(loose: text) {
                row.preferred = channel
                let present: Bool
                switch channel {
                case .email: present = emailCell != nil
                case .sms: present = mobileCell != nil
                case .letter: present = addressCell != nil
                }
                if !present { errors.append(("preferred_channel", "is \(channel.rawValue) but the \(channel.contactColumn) cell is empty")) }
            } else {
                errors.append(("preferred_channel", "must be email, sms or letter"))
            }
        }
        if let text = cell(columns.ehcPlanEnded) {
            if let date = LocalDate(iso: text) { row.ehcPlanEnded = date.iso } else { errors.append(("ehc_plan_ended", "must be a date, YYYY-MM-DD (or empty)")) }
        }
        if let text = cell(columns.support) {
            let support = text.lowercased().split(separator: " ").joined(separator: "_")
            if !["ehc_plan", "sen_support", "none"].contains(support) {
                errors.append(("support", "must be ehc_plan, sen_support or none (or empty: then ehc_plan yes is an EHC plan, no is SEN support)"))
            } else if let ehcPlan, (support == "ehc_plan") != ehcPlan {
                errors.append(("support", "is \(support) but ehc_plan is \(ehcPlan ? "yes" : "no"): support ehc_plan goes with ehc_plan yes, "
                    + "sen_support and none with no"))
            } else {
                row.support = support
            }
        }
        if columns.updates != nil {
            if let text = cell(columns.updates) {
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

    /// The upsert of one family: the present columns, then `created_at`, `updated_at`, `stop_token` and `stop_code` (bound, drawn in Swift).
    static func familyUpsertSQL(_ header: CSVHeader) -> String {
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
            VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")), ?, ?)
            ON CONFLICT(family_ref) DO UPDATE SET \(set.joined(separator: ", "))
            WHERE \(changed)
            RETURNING id
            """
    }

    /// The upsert's values before the stop keys, in `familyUpsertSQL`'s order.
    static func familyValues(_ row: Row, _ columns: Columns, now: String, into values: inout [DatabaseValue]) {
        values.append(row.familyRef.databaseValue)
        values.append(row.consent.databaseValue)
        if columns.name != nil { values.append(row.name.databaseValue) }
        if columns.email != nil { values.append(row.email.databaseValue) }
        if columns.mobile != nil { values.append(row.mobile.databaseValue) }
        if columns.address != nil { values.append(row.address.databaseValue) }
        if columns.preferredChannel != nil { values.append(row.preferred?.rawValue.databaseValue ?? .null) }
        if columns.updates != nil { values.append((row.updates ?? false).databaseValue) }
        let stamp = now.databaseValue
        values.append(stamp)
        values.append(stamp)
    }
}
