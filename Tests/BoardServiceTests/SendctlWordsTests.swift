import Foundation
import SendModel
import Testing
import TestSupport

/// What `sendctl` prints for the board's commands, as a person reads it: the README's flags work,
/// refusals name the flags typed, a reading is echoed, a commentary for a meeting counts.
@Suite struct SendctlWordsTests {
    @Test func theREADMEsActionFlagsWorkAndRefusalsNameTheFlagTyped() throws {
        let board = try BoardProcess()
        defer { board.finish() }
        try board.start(today: "2026-03-02")

        // Missing fields are named as the flags a person types, never as wire fields.
        let missing = try board.sendctl(["actions", "create", "--title", "Autism pathway", "--finding", "F-0003"])
        #expect(missing.status == 65)
        for flag in ["--lead", "--action-lead", "--success-criteria", "--start", "--due", "--sponsoring-director"] {
            #expect(missing.err.contains(flag), "\(missing.err)")
        }
        for wire in ["lead_organisation", "action_lead", "success_criteria", "sponsoring_director"] {
            #expect(!missing.err.contains(wire), "\(missing.err)")
        }
        let unknownFinding = try board.sendctl(["actions", "create", "--title", "Autism pathway", "--finding", "F-0404",
                                                "--lead", "Lancashire County Council", "--sponsoring-director", "Director",
                                                "--action-lead", "Head of Inclusion", "--start", "2026-01-05", "--due", "2026-06-30",
                                                "--success-criteria", "Seen on a NICE pathway"])
        #expect(unknownFinding.status == 65)
        #expect(unknownFinding.err.contains("--finding"), "\(unknownFinding.err)")
        #expect(!unknownFinding.err.contains("finding_ids"), "\(unknownFinding.err)")

        // README: sendctl actions create --title "…" --finding … --lead "…" --due …
        let created = try board.sendctl(["actions", "create", "--title", "Autism pathway", "--finding", "F-0003",
                                         "--lead", "Lancashire County Council", "--sponsoring-director", "Director",
                                         "--action-lead", "Head of Inclusion", "--start", "2026-01-05", "--due", "2026-06-30",
                                         "--success-criteria", "Seen on a NICE pathway"])
        #expect(created.status == 0, "\(created.err)")
        #expect(created.out.contains("created A-0001"))
        // README: sendctl actions progress A-0001 --note "…" --evidence https://… --role "action lead"
        let progress = try board.sendctl(["actions", "progress", "A-0001", "--note", "Pathway drafted",
                                          "--evidence", "https://example.org/pathway", "--role", "action lead"])
        #expect(progress.status == 0, "\(progress.err)")
        #expect(progress.out.contains("recorded"))
        let noNote = try board.sendctl(["actions", "progress", "A-0001", "--note", "", "--role", "action lead"])
        #expect(noNote.status == 65)
        #expect(noNote.err.contains("--note"), "\(noNote.err)")
        let listed = try board.sendctl(["actions", "list", "--lead", "Lancashire County Council"])
        #expect(listed.out.contains("A-0001"))
    }

    @Test func kpisRecordPrintsTheReadingItRecorded() throws {
        let board = try BoardProcess()
        defer { board.finish() }
        try board.start(today: "2026-03-02")
        let added = try board.sendctl(["kpis", "add", "--name", "Permanent exclusions of pupils with EHC plans",
                                       "--unit", "exclusions per year", "--baseline", "58", "--target", "30",
                                       "--direction", "lower_is_better"])
        #expect(added.status == 0, "\(added.err)")
        let latest = try board.sendctl(["kpis", "record", "K-001", "--value", "47", "--date", "2026-02-27"])
        #expect(latest.status == 0, "\(latest.err)")
        #expect(latest.out.contains("recorded K-001 on 2026-02-27: 47 exclusions per year, not on target (target 30)"), "\(latest.out)")
        // An older reading is echoed as recorded, and the latest is said to be another one.
        let older = try board.sendctl(["kpis", "record", "K-001", "--value", "52", "--date", "2026-01-30"])
        #expect(older.status == 0, "\(older.err)")
        #expect(older.out.contains("recorded K-001 on 2026-01-30: 52 exclusions per year"), "\(older.out)")
        #expect(older.out.contains("the latest reading is 47 on 2026-02-27"), "\(older.out)")
        let future = try board.sendctl(["kpis", "record", "K-001", "--value", "40", "--date", "2026-04-01"])
        #expect(future.status == 65)
        #expect(future.err.contains("--date"), "\(future.err)")
    }

    @Test func anExceptionsCommentaryWrittenOnTheDayOfTheMeetingIsCurrent() throws {
        let board = try BoardProcess()
        defer { board.finish() }
        try board.start(today: "2026-03-02")
        #expect(try board.sendctl(["board", "member", "add", "parent_carer_representative", "--post", "Chair, parent carer forum"]).status == 0)
        let created = try board.sendctl(["actions", "create", "--title", "Autism pathway", "--finding", "F-0003",
                                         "--lead", "Lancashire County Council", "--sponsoring-director", "Director",
                                         "--action-lead", "Head of Inclusion", "--start", "2026-01-05", "--due", "2026-06-30",
                                         "--success-criteria", "Seen on a NICE pathway"])
        #expect(created.status == 0, "\(created.err)")
        #expect(try board.sendctl(["actions", "update", "A-0001", "--status", "in_progress"]).status == 0)
        #expect(try board.sendctl(["actions", "update", "A-0001", "--status", "delayed", "--reason", "No clinical lead"]).status == 0)
        // The commentary is written today, for today's meeting.
        #expect(try board.sendctl(["actions", "exceptions", "add", "A-0001", "--commentary", "Interim lead from April"]).status == 0)
        let meeting = try board.sendctl(["board", "meeting", "add", "--date", "2026-03-02", "--attendee", "M-001"])
        #expect(meeting.status == 0, "\(meeting.err)")
        let list = try board.sendctl(["actions", "exceptions"])
        #expect(list.out.contains("0 of 1 red actions need an exceptions commentary since the board meeting of 2026-03-02"), "\(list.out)")
        let all = try board.sendctl(["actions", "exceptions", "list", "--all"])
        #expect(all.out.contains("current"), "\(all.out)")
        #expect(!all.out.contains("stale"), "\(all.out)")
    }
}
