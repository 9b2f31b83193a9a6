import Foundation
import SendModel
import Testing
@testable import CommsService

/// A CSV of `count` invented families (one child each); rows listed in `bad` get a broken cell.
func generatedFamilies(_ count: Int, bad: [Int: (column: String, value: String)] = [:]) -> String {
    var rows: [String] = []
    for i in 1...count {
        var cells: [String: String] = [
            "family_ref": "F\(i)", "child_ref": "C\(i)", "ehc_plan": i % 4 == 0 ? "no" : "yes", "name": "Parent \(i) Testperson",
            "email": i % 10 == 3 ? "" : "family\(i)@example.org",
            "mobile": i % 10 == 3 ? "07700 9\(String(format: "%05d", i))" : "",
            "address": "\(i) Example Street, Testtown, TT1 1AA",
            "preferred_channel": i % 10 == 3 ? "sms" : "email", "consent": "yes", "updates": i % 5 == 0 ? "yes" : "no",
        ]
        if let b = bad[i] { cells[b.column] = b.value }
        rows.append(["family_ref", "child_ref", "ehc_plan", "name", "email", "mobile", "address", "preferred_channel", "consent", "updates"]
            .map { c in let v = cells[c] ?? ""; return v.contains(",") ? "\"\(v)\"" : v }.joined(separator: ","))
    }
    return familiesCSV(rows)
}

@Suite("Families import")
struct ImportTests {
    @Test("a CSV reader keeps quoted commas, quotes and line breaks, and numbers records by their first line")
    func csvReader() {
        let text = "a,b,c\r\n1,\"x, \"\"y\"\"\",3\n\n\"multi\nline\",5,6\n7,8,9"
        var reader = CSVReader(Array(text.utf8))
        var records: [CSVReader.Record] = []
        while let next = reader.next() { if case .success(let r) = next { records.append(r) } }
        #expect(records.map(\.line) == [1, 2, 4, 6])
        #expect(records[1].fields == ["1", "x, \"y\"", "3"])
        #expect(records[2].fields == ["multi\nline", "5", "6"])
        #expect(records[3].fields == ["7", "8", "9"])
    }

    @Test("a malformed record is reported at its line and the reader goes on")
    func malformed() {
        var reader = CSVReader(Array("a,b\n\"x\"y,2\n3,4\n".utf8))
        _ = reader.next()
        guard case .failure(let m)? = reader.next() else { Issue.record("expected a malformed record"); return }
        #expect(m.line == 2)
        guard case .success(let r)? = reader.next() else { Issue.record("expected the next record"); return }
        #expect(r.fields == ["3", "4"] && r.line == 3)
    }

    @Test("mobile numbers are normalised to +447…; other numbers are refused", arguments: [
        ("07700 900123", "+447700900123"), ("+44 7700 900123", "+447700900123"), ("0044 7700 900123", "+447700900123"),
        ("447700900123", "+447700900123"), ("+44 (0)7700 900123", "+447700900123"), ("01632 960123", nil), ("0770090012", nil),
        ("+33 6 12 34 56 78", nil), ("07700-900-12x", nil),
    ] as [(String, String?)])
    func mobiles(input: String, expected: String?) {
        #expect(Contact.mobile(input) == expected)
    }

    @Test("email addresses are checked", arguments: [
        ("ada@example.org", true), (" ada@example.org ", true), ("ada.b+c@mail.example.com", true), ("ada", false), ("a@b", false),
        ("a@@example.org", false), ("a b@example.org", false), ("a@example..org", false), ("<a@example.org>", false),
    ])
    func emails(input: String, valid: Bool) {
        #expect((Contact.email(input) != nil) == valid)
    }

    @Test("1,000 rows with 3 bad ones: 997 are imported and the 3 lines are named; a second import changes nothing")
    func thousandRows() throws {
        let db = try CommsDatabase()
        defer { db.close() }
        let csv = generatedFamilies(1000, bad: [17: ("email", "not-an-email"), 230: ("ehc_plan", "maybe"), 871: ("mobile", "12345")])
        let first = try db.importFamilies(csv)
        #expect(first["rows"]?.intValue == 1000)
        #expect(first["imported"]?.intValue == 997)
        #expect(first["rejected_rows"]?.intValue == 3)
        let rejected = (first["rejected"]?.arrayValue ?? []).map { "\($0["line"]!.intValue!):\($0["field"]!.stringValue!)" }
        #expect(rejected == ["18:email", "231:ehc_plan", "872:mobile"])
        #expect(first["families_created"]?.intValue == 997)
        #expect(try db.sql("SELECT COUNT(*) FROM families") == 997)
        #expect(try db.sql("SELECT COUNT(*) FROM children") == 997)
        let snapshot = try db.rows("SELECT * FROM families ORDER BY id").map(\.description) + db.rows("SELECT * FROM children").map(\.description)

        let second = try db.importFamilies(csv)
        #expect(second["imported"]?.intValue == 997)
        #expect(second["families_created"]?.intValue == 0)
        #expect(second["families_updated"]?.intValue == 0)
        #expect(second["children_created"]?.intValue == 0)
        #expect(second["children_updated"]?.intValue == 0)
        let after = try db.rows("SELECT * FROM families ORDER BY id").map(\.description) + db.rows("SELECT * FROM children").map(\.description)
        #expect(after == snapshot)
        // Each chunk's event carries counts only.
        #expect(db.events(EventType.familyImported).count == 2)
    }

    @Test("cells are read as a person wrote them (spaces around them, quotes, CRLF, any case), and a row with letters beyond ASCII is stored and refused exactly as its ASCII twin")
    func cellsAsWritten() throws {
        let db = try CommsDatabase()
        defer { db.close() }
        let header = "family_ref,child_ref,ehc_plan,name,email,mobile,address,preferred_channel,consent,updates,support,ehc_plan_ended"
        let good = { (ref: String, name: String) in
            " \(ref) , C1 ,No,\" \(name) \",ann@example.org ,+44 (0)7700 900123,\"1 High St, Town\", Text Message ,y,TRUE, SEN  Support ,2025-07-31"
        }
        let bad = { (ref: String, name: String) in "\(ref),C1,maybe,\(name),not-an-email,123,one line,pigeon,y,perhaps,ehc plan,2025-02-30" }
        let csv = [header, good("F1", "Ann \"\"Nan\"\" Example"), good("F2", "Zoë \"\"Nan\"\" Example"),
                   bad("F3", "Ann"), bad("F4", "Zoë")].joined(separator: "\r\n") + "\r\n"
        let r = try db.importFamilies(csv)
        #expect(r["imported"]?.intValue == 2 && r["rejected_rows"]?.intValue == 2 && r["families_created"]?.intValue == 2)
        let rejected = (r["rejected"]?.arrayValue ?? []).map { "\($0["line"]!.intValue!) \($0["field"]!.stringValue!): \($0["message"]!.stringValue!)" }
        let problems = ["ehc_plan: must be yes or no", "email: is not an email address (name@domain)",
                        "mobile: is not a UK mobile number (07… or +44 7…)", "address: needs at least two lines (street, town or postcode)",
                        "preferred_channel: must be email, sms or letter", "ehc_plan_ended: must be a date, YYYY-MM-DD (or empty)",
                        "updates: must be yes or no (or empty)"]
        #expect(rejected == problems.map { "4 \($0)" } + problems.map { "5 \($0)" })
        let stored = try db.rows("""
            SELECT printf('%s|%s|%s|%s|%s|%s|%d|%d|%s|%d|%s|%s', f.family_ref, name, email, mobile, address, preferred_channel,
                          consent, wants_updates, c.child_ref, ehc_plan, support, ehc_plan_ended)
            FROM families f JOIN children c USING (family_ref) ORDER BY f.id
            """).map { $0[0] as String }
        #expect(stored == ["F1|Ann \"Nan\" Example|ann@example.org|+447700900123|1 High St, Town|sms|1|1|C1|0|sen_support|2025-07-31",
                           "F2|Zoë \"Nan\" Example|ann@example.org|+447700900123|1 High St, Town|sms|1|1|C1|0|sen_support|2025-07-31"])
        // A support that contradicts the plan is refused, saying both.
        let contradiction = try db.importFamilies([header, "F5,C1,yes,,,,,,yes,,SEN support,"].joined(separator: "\n"))
        #expect((contradiction["rejected"]?.arrayValue ?? []).map { $0["message"]?.stringValue ?? "" }
            == ["is sen_support but ehc_plan is yes: support ehc_plan goes with ehc_plan yes, sen_support and none with no"])
        // A channel whose contact cell is empty is refused, naming the cell, on either path (ASCII and beyond).
        let noContact = try db.importFamilies([header, "F6,C1,yes,Ann,,,,sms,yes,,,", "F7,C1,yes,Zoë,,,,letter,yes,,,"].joined(separator: "\n"))
        #expect((noContact["rejected"]?.arrayValue ?? []).map { "\($0["field"]?.stringValue ?? ""): \($0["message"]?.stringValue ?? "")" }
            == ["preferred_channel: is sms but the mobile cell is empty", "preferred_channel: is letter but the address cell is empty"])
    }

    @Test("rows of the same family add children; a changed contact detail updates the family and clears its flag")
    func updates() throws {
        let db = try CommsDatabase()
        defer { db.close() }
        try db.importFamilies(familiesCSV([
            "F1,C1,yes,Ann Example,ann@example.org,,,email,yes,no",
            "F1,C2,no,Ann Example,ann@example.org,,,email,yes,no",
        ]))
        #expect(try db.sql("SELECT COUNT(*) FROM families") == 1)
        #expect(try db.sql("SELECT COUNT(*) FROM children WHERE family_ref = 'F1'") == 2)
        try db.execute("UPDATE families SET email_flagged_at = 'x', opted_out_at = 'y'")
        let r = try db.importFamilies(familiesCSV(["F1,C1,yes,Ann Example,ann.new@example.org,,,email,yes,no"]))
        #expect(r["families_updated"]?.intValue == 1)
        #expect(try db.sql("SELECT email FROM families") == "ann.new@example.org")
        #expect(try db.sql("SELECT email_flagged_at FROM families") as String? == nil)
        // An opt-out is never undone by an import.
        #expect(try db.sql("SELECT opted_out_at FROM families") == "y")
    }

    @Test("a header with an unknown or missing column is refused whole, naming the columns")
    func header() throws {
        let db = try CommsDatabase()
        defer { db.close() }
        let error = db.refusal(FamilyImport.run, ["csv": "family_ref,child_ref,ehc_plan,emial\nF1,C1,yes,a@example.org\n"])
        #expect(error?.code == .invalid)
        #expect(Set(error?.details.map(\.field) ?? []) == ["header.emial", "header.consent"])
        #expect(try db.sql("SELECT COUNT(*) FROM families") == 0)
    }

    @Test("a preferred channel needs its contact detail, and chunked rows keep their file line numbers")
    func preferredChannel() throws {
        let db = try CommsDatabase()
        defer { db.close() }
        let r = try db.write(FamilyImport.run, ["csv": .string(familiesCSV(["F1,C1,yes,,,,,sms,yes,no"])), "first_row_line": 50_002])
        #expect(r["rejected"]?.arrayValue?.first?["line"]?.intValue == 50_002)
        #expect(r["rejected"]?.arrayValue?.first?["field"]?.stringValue == "preferred_channel")
    }
}

@Suite("Demo families")
struct DemoFamiliesTests {
    @Test("the demo CSV imports without a rejected row, and holds only invented contact details")
    func demoCSV() throws {
        let db = try CommsDatabase()
        defer { db.close() }
        let csv = try String(contentsOfFile: repositoryRoot.appendingPathComponent("deploy/demo/families.csv").path, encoding: .utf8)
        let r = try db.importFamilies(csv)
        #expect(r["rejected_rows"]?.intValue == 0)
        #expect(r["families_created"]?.intValue == 40)
        for row in try db.rows("SELECT email, mobile FROM families") {
            if let email = row["email"] as String? {
                #expect(["example.org", "example.com", "example.net"].contains(email.split(separator: "@").last.map(String.init) ?? ""))
            }
            if let mobile = row["mobile"] as String? {
                // Ofcom's range for drama: 07700 900000 to 07700 900999.
                #expect(mobile.hasPrefix("+447700900") && mobile.count == 13)
            }
        }
    }
}
