import Foundation
import GRDB
import SendModel
import SendRuntime
import Testing
import TestSupport
@testable import CommsService

struct NoMessage: Error, CustomStringConvertible {
    var channel: String
    var description: String { "no \(channel) message to that recipient" }
}

/// What families read: the messages as the spool adapters write them, links built from `SEND_PUBLIC_URL`.
@Suite("Messages: the links, codes and questions a family reads")
struct MessageTests {
    static let publicURL = "https://send.example.gov.uk"

    func sent() throws -> CommsDatabase {
        let db = try CommsDatabase()
        try db.importFamilies(dispatchFamilies)
        try db.write(Questionnaires.create, questionnaire())
        try db.write(Dispatch.send, ["questionnaire_id": 1])
        try db.spoolAll()
        return db
    }

    func keys(_ db: CommsDatabase, _ ref: String) throws -> (token: String, code: String, stopToken: String, stopCode: String) {
        let row = try #require(try db.rows("""
            SELECT r.token, r.code, f.stop_token, f.stop_code FROM recipients r JOIN families f ON f.id = r.family_id WHERE f.family_ref = ?
            """, [.init(ref)]).first)
        return (row["token"], row["code"], row["stop_token"], row["stop_code"])
    }

    /// The spooled message that went to `to` (an email address, mobile number or address), as a family reads it.
    func message(_ db: CommsDatabase, _ sub: String, to: String) throws -> (headers: [String: String], body: String) {
        for (_, text) in db.spooled(sub) {
            if sub == "email" {
                let mail = SMTPSink.parse(text)
                if mail.headers["to"] == to { return (mail.headers, mail.body) }
            } else {
                let json = try JSONValue.parse(Array(text.utf8))
                if json["to"]?.stringValue == to || json["address"]?.stringValue == to {
                    return ([:], (json["subject"]?.stringValue ?? "") + "\n" + (json["body"]?.stringValue ?? ""))
                }
            }
        }
        throw NoMessage(channel: sub)
    }

    @Test("an email carries its response link, the code for another device, a question link, and one-click stop headers")
    func email() throws {
        let db = try sent()
        defer { db.close() }
        let k = try keys(db, "F1")
        let (headers, body) = try message(db, "email", to: "ann@example.org")
        #expect(headers["list-unsubscribe"] == "<\(Self.publicURL)/stop/\(k.stopToken)>")
        #expect(headers["list-unsubscribe-post"] == "List-Unsubscribe=One-Click")
        #expect(body.contains("Please answer by Tuesday 31 March 2026:\n\(Self.publicURL)/respond/\(k.token)\n"))
        #expect(body.contains("On another device, go to \(Self.publicURL)/respond and type your code: \(ShortCode.display(k.code))"))
        #expect(body.contains("To ask us a question: \(Self.publicURL)/enquiries/new"))
        #expect(body.contains("To stop all messages from the SEND Partnership: \(Self.publicURL)/stop/\(k.stopToken)"))
        #expect(body.hasPrefix("Dear Ann Example,"))
    }

    @Test("a letter prints every question with how to answer it, the code, where to type it, and the phone number")
    func letter() throws {
        let db = try sent()
        defer { db.close() }
        let k = try keys(db, "F3")
        let (_, text) = try message(db, "letters", to: "3 Test Street, Testtown")
        #expect(text.contains("- online: go to \(Self.publicURL)/respond and type your code\n- by phone: call 01632 960 000 and give your code"))
        #expect(text.contains("Your code: \(ShortCode.display(k.code))\n\nThe questions\n\n1. "))
        #expect(text.contains("""
            1. How well were you listened to? (please answer this one)
               Answer with a number from 1 to 5, where 1 is the lowest and 5 the highest.

            2. Do you know who to contact?
               Answer yes or no.

            3. How would you like to hear from us?
               Choose one: Email, Text message, Letter.

            4. What should change first?
               Answer in your own words (at most 5,000 characters).
            """))
        #expect(text.contains("go to \(Self.publicURL)/stop and type your stop code, or phone us on 01632 960 000."))
        #expect(text.contains("Your stop code: \(ShortCode.display(k.stopCode))"))
        #expect(!text.contains("enclosed") && !text.contains(k.token))
    }

    @Test("a text message carries the short response link and the short stop link")
    func text() throws {
        let db = try sent()
        defer { db.close() }
        let k = try keys(db, "F2")
        let (_, body) = try message(db, "sms", to: "+447700900002")
        #expect(body.contains(": \(Self.publicURL)/respond/\(k.code) Stop: \(Self.publicURL)/stop/\(k.stopCode)"))
        #expect(!body.contains(k.token))
    }

    @Test("no message of any kind promises that a reply of STOP is read")
    func noStopPromise() throws {
        let db = try sent()
        defer { db.close() }
        try db.write(Dispatch.remind, ["questionnaire_id": 1])
        try db.write(Enquiries.add, ["family_ref": "F2", "text": "When is the next review?"])
        try db.execute("INSERT INTO updates(action_id, outcome, title, body, created_at) VALUES ('A-1', 'completed', 'Done', 'It is done.', 'now')")
        try db.write(Updates.publish, ["update_id": 1])
        try db.spoolAll()
        try db.write(Enquiries.answer, ["enquiry_id": 1, "text": "In May."])
        try db.spoolAll()
        var read = 0
        for sub in ["email", "sms", "letters"] {
            for (name, text) in db.spooled(sub) {
                read += 1
                let body = sub == "email" ? SMTPSink.parse(text).body : (try JSONValue.parse(Array(text.utf8)))["body"]?.stringValue ?? ""
                #expect(!body.contains("STOP") && !body.lowercased().contains("reply stop"), "\(sub)/\(name) asks for a STOP reply")
                #expect(body.contains("\(Self.publicURL)/stop"), "\(sub)/\(name) has no way to stop")
            }
        }
        #expect(read >= 10)
        #expect(db.spooled("email").values.allSatisfy { SMTPSink.parse($0).headers["list-unsubscribe-post"] == "List-Unsubscribe=One-Click" })
    }

    @Test("a web enquiry's acknowledgement goes to the address given, with the private link; the answer follows it there")
    func webEnquiry() throws {
        let db = try CommsDatabase()
        defer { db.close() }
        let receipt = try db.write(Portal.enquiryAdd, ["name": "Kit Asker", "reply_by": "email", "reply_to": "kit@example.org",
                                                       "text": "Is there a holiday club for children with an EHC plan?"])
            .decode(PortalEnquiryReceipt.self)
        try db.spoolAll()
        let link = "\(Self.publicURL)/enquiries/E-1/\(receipt.secret)"
        let ack = try message(db, "email", to: "kit@example.org")
        #expect(ack.headers["subject"] == "We have received your enquiry E-1")
        #expect(ack.body.hasPrefix("Dear Kit Asker,\n\nThank you for your enquiry of Monday 2 March 2026. We will answer it by Monday 9 March 2026."))
        #expect(ack.body.contains("are at this private link (keep it to yourself):\n\(link)\n"))

        try db.write(Enquiries.answer, ["enquiry_id": 1, "text": "Yes: the Easter club has places."])
        try db.spoolAll()
        let answer = try #require(db.spooled("email").values.map(SMTPSink.parse).first { $0.headers["subject"] == "Our answer to your enquiry E-1" })
        #expect(answer.headers["to"] == "kit@example.org")
        #expect(answer.body.contains("Yes: the Easter club has places.") && answer.body.contains(link))
        let status = try db.read(Portal.enquiry, ["reference": "E-1", "secret": .string(receipt.secret)])
        #expect(status["status"] == "answered" && status["answer"] == "Yes: the Easter club has places.")
    }

    @Test("SEND_PUBLIC_URL sets every link (no trailing slash kept); SEND_RESPONSE_URL stops the service with what to do")
    func settings() throws {
        #expect(try CommsConfig.fromEnvironment([:]).publicURL == "http://127.0.0.1:8080")
        #expect(try CommsConfig.fromEnvironment([:]).contactPhone == nil)
        let c = try CommsConfig.fromEnvironment(["SEND_PUBLIC_URL": "https://send.example.gov.uk/families/", "SEND_CONTACT_PHONE": "01632 960 000"])
        #expect(c.publicURL == "https://send.example.gov.uk/families" && c.contactPhone == "01632 960 000")
        let old = #expect(throws: StartupError.self) { try CommsConfig.fromEnvironment(["SEND_RESPONSE_URL": "https://x.example/respond/"]) }
        #expect(old?.description.contains("SEND_RESPONSE_URL is replaced by SEND_PUBLIC_URL") == true)
        #expect(throws: StartupError.self) { try CommsConfig.fromEnvironment(["SEND_PUBLIC_URL": "send.example.gov.uk"]) }
        #expect(throws: StartupError.self) { try CommsConfig.fromEnvironment(["SEND_CONTACT_PHONE": "call us"]) }
    }
}
