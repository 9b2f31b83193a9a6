import GRDB
import GRDBSQLite
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

    /// A checked row as it is bound: `Row`'s values, with text as bytes of the request where it can be.
    struct Cells {
        var familyRef: Text
        var childRef: Text
        var ehcPlan: Bool
        var consent: Bool
        var name: Text?
        var email: Text?
        var mobile: Text?
        var address: Text?
        var preferred: Channel?
        var updates: Bool?
        var ehcPlanEnded: Text?
        var support: Text?

        init(familyRef: Text, childRef: Text, ehcPlan: Bool, consent: Bool) {
            (self.familyRef, self.childRef, self.ehcPlan, self.consent) = (familyRef, childRef, ehcPlan, consent)
        }

        /// A row checked as strings (a record with bytes beyond ASCII).
        init(_ row: Row) {
            self.init(familyRef: .string(row.familyRef), childRef: .string(row.childRef), ehcPlan: row.ehcPlan, consent: row.consent)
            (name, email, mobile, address) = (row.name.map(Text.string), row.email.map(Text.string),
                                              row.mobile.map(Text.string), row.address.map(Text.string))
            (preferred, updates, ehcPlanEnded, support) = (row.preferred, row.updates, row.ehcPlanEnded.map(Text.string), row.support.map(Text.string))
        }
    }

    /// A text value to bind: bytes that stay alive while the row runs, or a string.
    enum Text {
        case bytes(UnsafeBufferPointer<UInt8>)
        case string(String)

        var string: String {
            switch self {
            case .bytes(let bytes): String(decoding: bytes, as: UTF8.self)
            case .string(let string): string
            }
        }
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
    /// One pass over the bytes with the statements prepared once and bound through SQLite's C
    /// API: a cell is checked on its bytes, and a stored one is bound as the bytes of the input
    /// (a record with bytes beyond ASCII goes through the `String` checks instead). A new family's
    /// stop token and stop code are drawn in Swift from `random` (a buffer of the system's random
    /// bytes, refilled as needed), or its code from `code` when given (tests: codes that collide).
    static func importCSV(_ db: Database, _ bytes: [UInt8], firstRowLine: Int?, now: String,
                          code: (() -> String)? = nil) throws -> Outcome {
        try bytes.withUnsafeBufferPointer { input in
            try importCSV(db, input, firstRowLine: firstRowLine, now: now, code: code)
        }
    }

    private static func importCSV(_ db: Database, _ input: UnsafeBufferPointer<UInt8>, firstRowLine: Int?, now: String,
                                  code: (() -> String)?) throws -> Outcome {
        // The CHECKs on `families.preferred_channel` and `children.support` are `IN` lists of three, which SQLite
        // runs by building a temporary B-tree on every insert. The import binds only values those checks allow
        // (a `Channel`'s raw value; `ehc_plan`, `sen_support` or `none`), so its statements are prepared without
        // them. The flag is the connection's and is read when a statement is prepared; setting it back makes every
        // statement prepared meanwhile be prepared again, with the checks, before it next runs.
        try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
        let outcome: Outcome
        do {
            outcome = try importRows(db, input, firstRowLine: firstRowLine, now: now, code: code)
        } catch {
            try? db.execute(sql: "PRAGMA ignore_check_constraints = OFF")
            throw error
        }
        try db.execute(sql: "PRAGMA ignore_check_constraints = OFF")
        return outcome
    }

    /// `importCSV` with the connection's CHECK constraints off (see there).
    private static func importRows(_ db: Database, _ input: UnsafeBufferPointer<UInt8>, firstRowLine: Int?, now: String,
                                   code: (() -> String)?) throws -> Outcome {
        var scanner = CSVScanner(startingAt: CSVScanner.start(of: input), line: 1)
        var spans: [CSVScanner.Span] = []
        let headerRecord: CSVReader.Record
        switch scanner.next(input, into: &spans) {
        case nil: throw ServiceError.invalid("csv", "is empty: it needs a header line and rows")
        case .malformed(let m)?: throw ServiceError.invalid("csv", "the header (line \(m.line)) cannot be read: \(m.message)")
        case .record(let line)?: headerRecord = CSVReader.Record(line: line, fields: scanner.strings(spans, input))
        }
        let header = try CSVHeader(headerRecord, required: requiredColumns, optional: optionalColumns)
        let columns = Columns(header)
        if let firstRowLine { scanner.line = firstRowLine }
        try CommsSchema.prepareForBulkWrite(db)
        guard let connection = db.sqliteConnection else { throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "the database is closed") }

        let upsertFamily = try HeldStatement(connection, familyUpsertSQL(header))
        defer { upsertFamily.finalize() }
        let familyID = try HeldStatement(connection, "SELECT id FROM families WHERE family_ref = ?")
        defer { familyID.finalize() }
        // A child is inserted, or else updated when its plan changed: which of the two tells created from updated.
        // Without an ehc_plan_ended (or support) column the stored end dates (or supports) stay as they are.
        let withEnd = columns.ehcPlanEnded != nil, withSupport = columns.support != nil
        let childColumns = ["ehc_plan"] + (withEnd ? ["ehc_plan_ended"] : []) + (withSupport ? ["support"] : [])
        let insertChild = try HeldStatement(connection, """
            INSERT INTO children(family_ref, child_ref, \(childColumns.joined(separator: ", ")))
            VALUES (?, ?, \(childColumns.map { _ in "?" }.joined(separator: ", "))) ON CONFLICT(family_ref, child_ref) DO NOTHING
            """)
        defer { insertChild.finalize() }
        let numbered = childColumns.enumerated().map { (name: $1, parameter: "?\($0 + 3)") }
        let updateChild = try HeldStatement(connection, """
            UPDATE children SET \(numbered.map { "\($0.name) = \($0.parameter)" }.joined(separator: ", "))
            WHERE family_ref = ?1 AND child_ref = ?2 AND (\(numbered.map { "\($0.name) IS NOT \($0.parameter)" }.joined(separator: " OR ")))
            """)
        defer { updateChild.finalize() }
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
        var random = RandomPool()
        let tokenPrefix = Keys.importTokenPrefix(now: Timestamp(rfc3339: now) ?? .now())
        // Bytes bound while a row runs: a normalised mobile number, a stop token, and `now`.
        let nowCount = now.utf8.count
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 48 + nowCount)
        defer { buffer.deallocate() }
        let mobileBuffer = UnsafeMutableBufferPointer(rebasing: buffer[0..<16])
        let token = UnsafeMutableBufferPointer(rebasing: buffer[16..<48])
        _ = UnsafeMutableBufferPointer(rebasing: buffer[48...]).initialize(from: now.utf8)
        let stamp = Text.bytes(UnsafeBufferPointer(rebasing: buffer[48...]))

        while let next = scanner.next(input, into: &spans) {
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
            guard spans.count == header.count else {
                rejectedRows += 1
                rejections.append(Rejection(line: line, field: "csv",
                    message: "has \(spans.count) field\(spans.count == 1 ? "" : "s"); the header has \(header.count)"))
                continue
            }
            errors.removeAll(keepingCapacity: true)
            try scanner.withScratch { scratch in
                let checked: Cells?
                if scanner.recordIsASCII {
                    checked = parse(spans, input, scratch, columns, mobile: mobileBuffer, errors: &errors)
                } else {
                    checked = parse(spans.map { String(decoding: $0.bytes(input, scratch), as: UTF8.self) }, columns, errors: &errors)
                        .map(Cells.init)
                }
                guard let row = checked else {
                    rejectedRows += 1
                    for (field, message) in errors { rejections.append(Rejection(line: line, field: field, message: message)) }
                    return
                }
                if !erased.isEmpty, let at = erased[row.familyRef.string] {
                    rejectedRows += 1
                    rejections.append(Rejection(line: line, field: "family_ref", message: "this family's data was erased on "
                        + "\(Timestamp(rfc3339: at)?.date.iso ?? at) (sendctl families erase); it is not imported again"))
                    return
                }
                // The id of a family inserted or changed (nil: unchanged); a family that existed before the import counts as updated.
                // A new family draws its stop keys; one already taken by another family is drawn again.
                let id = try Keys.retryingTakenKeys(columns: ["families.stop_token", "families.stop_code"]) { () throws -> Int64? in
                    defer { upsertFamily.reset() }
                    var p = bindFamily(upsertFamily, row, columns, stamp: stamp)
                    Keys.importToken(prefix: tokenPrefix, &random, into: token)
                    upsertFamily.bindText(p, UnsafeRawBufferPointer(token))
                    p += 1
                    upsertFamily.bindText(p, code?() ?? drawCode(&random))
                    // No RETURNING (SQLite would buffer its row in a temporary B-tree opened and closed per row):
                    // an insert sets the last rowid, cleared first; a change without one was an update.
                    sqlite3_set_last_insert_rowid(connection, 0)
                    try upsertFamily.step()
                    guard sqlite3_changes64(connection) > 0 else { return nil }
                    let inserted = sqlite3_last_insert_rowid(connection)
                    if inserted != 0 { return inserted }
                    defer { familyID.reset() }
                    bind(familyID, 1, row.familyRef)
                    return try familyID.step() ? sqlite3_column_int64(familyID.handle, 0) : nil
                }
                if let id {
                    if id > highestID {
                        familiesCreated += 1
                        highestID = id
                    } else if id <= maxFamilyBefore {
                        familiesUpdated.insert(id)
                    }
                }
                func bindChild(_ statement: HeldStatement) {
                    bind(statement, 1, row.familyRef)
                    bind(statement, 2, row.childRef)
                    statement.bind(3, row.ehcPlan ? 1 : 0)
                    var p: Int32 = 4
                    if withEnd { bind(statement, p, row.ehcPlanEnded); p += 1 }
                    if withSupport { bind(statement, p, row.support) }
                }
                bindChild(insertChild)
                try insertChild.execute()
                if sqlite3_changes64(connection) > 0 {
                    childrenCreated += 1
                } else {
                    bindChild(updateChild)
                    try updateChild.execute()
                    childrenUpdated += Int(sqlite3_changes64(connection))
                }
                imported += 1
            }
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

    /// What a bad cell is told (never its value: it may be personal data).
    enum Problem {
        static let reference = "must be 1 to 64 letters, digits or - _ / ."
        static let yesNo = "must be yes or no"
        static let name = "must be at most 200 characters"
        static let email = "is not an email address (name@domain)"
        static let mobile = "is not a UK mobile number (07… or +44 7…)"
        static let addressLength = "must be at most 500 characters"
        static let addressLines = "needs at least two lines (street, town or postcode)"
        static let channel = "must be email, sms or letter"
        static let date = "must be a date, YYYY-MM-DD (or empty)"
        static let support = "must be ehc_plan, sen_support or none (or empty: then ehc_plan yes is an EHC plan, no is SEN support)"
        static let updates = "must be yes or no (or empty)"

        static func channelWithoutContact(_ channel: Channel) -> String {
            "is \(channel.rawValue) but the \(channel.contactColumn) cell is empty"
        }

        static func supportAgainstPlan(_ support: String, _ ehcPlan: Bool) -> String {
            "is \(support) but ehc_plan is \(ehcPlan ? "yes" : "no"): support ehc_plan goes with ehc_plan yes, sen_support and none with no"
        }
    }

    /// The channel a `preferred_channel` cell names (nil: not one), with a problem added when it is
    /// not a channel or its contact cell is empty; both ways of checking a record use it.
    static func checkChannel(_ channel: Channel?, email: Bool, mobile: Bool, address: Bool,
                             errors: inout [(String, String)]) -> Channel? {
        guard let channel else {
            errors.append(("preferred_channel", Problem.channel))
            return nil
        }
        let present: Bool
        switch channel {
        case .email: present = email
        case .sms: present = mobile
        case .letter: present = address
        }
        if !present { errors.append(("preferred_channel", Problem.channelWithoutContact(channel))) }
        return channel
    }

    /// Checks one record whose bytes are all ASCII, as `parse(_:_:errors:)` checks it, on the
    /// bytes: a stored cell is the bytes of the input (or of `scratch`), a mobile number is
    /// written into `mobile`. Nil with `errors` filled (field, message) when any cell is bad.
    static func parse(_ spans: [CSVScanner.Span], _ input: UnsafeBufferPointer<UInt8>, _ scratch: UnsafeBufferPointer<UInt8>,
                      _ columns: Columns, mobile mobileBuffer: UnsafeMutableBufferPointer<UInt8>,
                      errors: inout [(String, String)]) -> Cells? {
        // The trimmed cell, nil when the column is absent or the cell empty (ASCII white space: tab to CR, space).
        func cell(_ column: Int?) -> UnsafeBufferPointer<UInt8>? {
            guard let column else { return nil }
            let bytes = spans[column].bytes(input, scratch)
            var start = 0, end = bytes.count
            func space(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }
            while start < end && space(bytes[start]) { start += 1 }
            while end > start && space(bytes[end - 1]) { end -= 1 }
            return start < end ? UnsafeBufferPointer(rebasing: bytes[start..<end]) : nil
        }
        let familyRefCell = cell(columns.familyRef), childRefCell = cell(columns.childRef)
        let familyRef = familyRefCell.flatMap { Contact.isReference($0) ? $0 : nil }
        if familyRef == nil { errors.append(("family_ref", familyRefCell == nil ? "is required" : Problem.reference)) }
        let childRef = childRefCell.flatMap { Contact.isReference($0) ? $0 : nil }
        if childRef == nil { errors.append(("child_ref", childRefCell == nil ? "is required" : Problem.reference)) }
        let ehcPlan = cell(columns.ehcPlan).flatMap(Contact.yesNo)
        if ehcPlan == nil { errors.append(("ehc_plan", Problem.yesNo)) }
        let consent = cell(columns.consent).flatMap(Contact.yesNo)
        if consent == nil { errors.append(("consent", Problem.yesNo)) }
        var row = Cells(familyRef: .bytes(familyRef ?? UnsafeBufferPointer(start: nil, count: 0)),
                        childRef: .bytes(childRef ?? UnsafeBufferPointer(start: nil, count: 0)),
                        ehcPlan: ehcPlan ?? false, consent: consent ?? false)
        if let name = cell(columns.name) {
            if !Contact.atMost(200, characters: name) { errors.append(("name", Problem.name)) } else { row.name = .bytes(name) }
        }
        let emailCell = cell(columns.email), mobileCell = cell(columns.mobile), addressCell = cell(columns.address)
        if let text = emailCell {
            if Contact.isEmail(text) { row.email = .bytes(text) } else { errors.append(("email", Problem.email)) }
        }
        if let text = mobileCell {
            if Contact.mobile(text, into: mobileBuffer) { row.mobile = .bytes(UnsafeBufferPointer(rebasing: mobileBuffer[0..<13])) }
            else { errors.append(("mobile", Problem.mobile)) }
        }
        if let address = addressCell {
            if !Contact.atMost(500, characters: address) { errors.append(("address", Problem.addressLength)) }
            else if !Contact.hasTwoAddressLines(address) { errors.append(("address", Problem.addressLines)) }
            else { row.address = .bytes(address) }
        }
        if let text = cell(columns.preferredChannel) {
            row.preferred = checkChannel(Channel(loose: text), email: emailCell != nil, mobile: mobileCell != nil,
                                         address: addressCell != nil, errors: &errors)
        }
        if let text = cell(columns.ehcPlanEnded) {
            if text.count == 10, let date = LocalDate(iso: String(decoding: text, as: UTF8.self)) { row.ehcPlanEnded = .string(date.iso) }
            else { errors.append(("ehc_plan_ended", Problem.date)) }
        }
        if let text = cell(columns.support) {
            if let support = Contact.support(text) {
                if let ehcPlan, (support == "ehc_plan") != ehcPlan {
                    errors.append(("support", Problem.supportAgainstPlan(support, ehcPlan)))
                } else {
                    row.support = .string(support)
                }
            } else {
                errors.append(("support", Problem.support))
            }
        }
        if columns.updates != nil {
            if let text = cell(columns.updates) {
                if let b = Contact.yesNo(text) { row.updates = b } else { errors.append(("updates", Problem.updates)) }
            } else {
                row.updates = false
            }
        }
        return errors.isEmpty ? row : nil
    }

    /// Checks one record; nil with `errors` filled (field, message) when any cell is bad.
    static func parse(_ fields: [String], _ columns: Columns, errors: inout [(String, String)]) -> Row? {
        func cell(_ column: Int?) -> String? { CSVHeader.value(at: column, in: fields) }
        let familyRefCell = cell(columns.familyRef), childRefCell = cell(columns.childRef)
        let familyRef = familyRefCell.flatMap(Contact.reference)
        if familyRef == nil {
            errors.append(("family_ref", familyRefCell == nil ? "is required" : Problem.reference))
        }
        let childRef = childRefCell.flatMap(Contact.reference)
        if childRef == nil {
            errors.append(("child_ref", childRefCell == nil ? "is required" : Problem.reference))
        }
        let ehcPlan = cell(columns.ehcPlan).flatMap(Contact.yesNo)
        if ehcPlan == nil { errors.append(("ehc_plan", Problem.yesNo)) }
        let consent = cell(columns.consent).flatMap(Contact.yesNo)
        if consent == nil { errors.append(("consent", Problem.yesNo)) }
        var row = Row(familyRef: familyRef ?? "", childRef: childRef ?? "", ehcPlan: ehcPlan ?? false, consent: consent ?? false)
        if let name = cell(columns.name) {
            if name.utf8.count > 200 && name.count > 200 { errors.append(("name", Problem.name)) } else { row.name = name }
        }
        let emailCell = cell(columns.email), mobileCell = cell(columns.mobile), addressCell = cell(columns.address)
        if let text = emailCell {
            if let email = Contact.email(text) { row.email = email } else { errors.append(("email", Problem.email)) }
        }
        if let text = mobileCell {
            if let mobile = Contact.mobile(text) { row.mobile = mobile } else {
                errors.append(("mobile", Problem.mobile))
            }
        }
        if let address = addressCell {
            if address.utf8.count > 500 && address.count > 500 { errors.append(("address", Problem.addressLength)) }
            else if !Contact.hasTwoAddressLines(address) { errors.append(("address", Problem.addressLines)) }
            else { row.address = address }
        }
        if let text = cell(columns.preferredChannel) {
            row.preferred = checkChannel(Channel(loose: text), email: emailCell != nil, mobile: mobileCell != nil,
                                         address: addressCell != nil, errors: &errors)
        }
        if let text = cell(columns.ehcPlanEnded) {
            if let date = LocalDate(iso: text) { row.ehcPlanEnded = date.iso } else { errors.append(("ehc_plan_ended", Problem.date)) }
        }
        if let text = cell(columns.support) {
            let support = text.lowercased().split(separator: " ").joined(separator: "_")
            if !["ehc_plan", "sen_support", "none"].contains(support) {
                errors.append(("support", Problem.support))
            } else if let ehcPlan, (support == "ehc_plan") != ehcPlan {
                errors.append(("support", Problem.supportAgainstPlan(support, ehcPlan)))
            } else {
                row.support = support
            }
        }
        if columns.updates != nil {
            if let text = cell(columns.updates) {
                if let b = Contact.yesNo(text) { row.updates = b } else { errors.append(("updates", Problem.updates)) }
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

    /// The upsert of one family (a change is told by `sqlite3_changes`, an insert by its rowid): the present columns, then `created_at`, `updated_at`, `stop_token` and `stop_code` (bound, drawn in Swift).
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
            """
    }

    /// Binds the upsert's values before the stop keys, in `familyUpsertSQL`'s order; returns the stop token's parameter.
    static func bindFamily(_ statement: HeldStatement, _ row: Cells, _ columns: Columns, stamp: Text) -> Int32 {
        bind(statement, 1, row.familyRef)
        statement.bind(2, row.consent ? 1 : 0)
        var p: Int32 = 3
        if columns.name != nil { bind(statement, p, row.name); p += 1 }
        if columns.email != nil { bind(statement, p, row.email); p += 1 }
        if columns.mobile != nil { bind(statement, p, row.mobile); p += 1 }
        if columns.address != nil { bind(statement, p, row.address); p += 1 }
        if columns.preferredChannel != nil { bind(statement, p, row.preferred.map { .string($0.rawValue) }); p += 1 }
        if columns.updates != nil { statement.bind(p, (row.updates ?? false) ? 1 : 0); p += 1 }
        bind(statement, p, stamp)
        bind(statement, p + 1, stamp)
        return p + 2
    }

    /// Text or NULL; bytes are bound as they are (they outlive the statement's run), a `String` is copied.
    static func bind(_ statement: HeldStatement, _ index: Int32, _ text: Text?) {
        switch text {
        case nil: statement.bindNull(index)
        case .bytes(let bytes)?: statement.bindText(index, UnsafeRawBufferPointer(bytes))
        case .string(let string)?: statement.bindText(index, string)
        }
    }
}
