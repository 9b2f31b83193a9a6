import Foundation
import Testing
import TestSupport

/// sendctl's usage errors: refused before anything is sent, exit 64, naming what the user typed.
/// Run against an empty run directory, so a command that got as far as the stack would exit 69 instead.
@Suite("sendctl usage errors")
struct SendctlUsageTests {
    func sendctl(_ arguments: [String], _ dir: TestDirectory) throws -> ChildRun {
        try ChildRun.run(Binaries.path("sendctl"), arguments + dir.flags, timeout: 30)
    }

    @Test("bare `sendctl` prints its help (the commands and the exit codes) on standard error and exits 64")
    func bareSendctlPrintsHelp() throws {
        let run = try ChildRun.run(Binaries.path("sendctl"), [], timeout: 30)
        #expect(run.status == 64, "\(run.output)")
        #expect(run.stdout.isEmpty, "\(run.stdout)")
        #expect(run.stderr.contains("USAGE: sendctl <subcommand>"), "\(run.stderr)")
        for command in ["status", "health", "actions", "findings", "subscribe", "keys", "people", "audit"] {
            #expect(run.stderr.contains("\n  \(command) "), "the help does not list \(command):\n\(run.stderr)")
        }
        let words = run.stderr.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(words.contains("75 `sendctl status` found a service failed"), "\(run.stderr)")
        #expect(words.contains("77 forbidden: your key is not registered, was revoked, or its role may not do this"), "\(run.stderr)")
    }

    @Test("a word that is not one of a flag's choices is a usage error naming the flag as typed, with the choices",
          arguments: [
              (["actions", "list", "--status", "bogus"], "--status", "not_started"),
              (["actions", "list", "--rag", "purple"], "--rag", "amber"),
              (["actions", "update", "A-0001", "--status", "done"], "--status", "completed"),
              (["actions", "progress", "A-0001", "--note", "n", "--author-role", "r", "--status", "finished"], "--status", "completed"),
              (["findings", "add", "--inspection", "INS-x", "--kind", "weak", "--theme", "t", "--summary", "s", "--body", "schools"],
               "--kind", "priority_area"),
              (["findings", "add", "--inspection", "INS-x", "--kind", "strength", "--theme", "t", "--summary", "s", "--body", "school"],
               "--body", "schools"),
              (["findings", "list", "--judgement", "good"], "--judgement", "unjudged"),
              (["inspections", "add", "--local-area", "A", "--framework", "2019", "--visit-start", "2026-01-05",
                "--visit-end", "2026-01-09", "--published", "2026-02-01", "--outcome", "positive"], "--framework", "2023"),
              (["inspections", "add", "--local-area", "A", "--framework", "2023", "--visit-start", "2026-01-05",
                "--visit-end", "2026-01-09", "--published", "2026-02-01", "--outcome", "good"], "--outcome", "systemic_failings"),
              (["kpis", "add", "--name", "n", "--unit", "u", "--baseline", "1", "--target", "0", "--direction", "down"],
               "--direction", "lower_is_better"),
              (["board", "decide", "MTG-001", "--kind", "approve"], "--kind", "approve_plan"),
              (["board", "decisions", "--kind", "approve"], "--kind", "approve_plan"),
              (["enquiries", "add", "--family", "F-1", "--text", "t", "--via", "fax"], "--via", "in_person"),
              (["enquiries", "list", "--status", "closed"], "--status", "answered"),
              (["updates", "list", "--status", "sent"], "--status", "published"),
              (["questionnaires", "create", "--title", "t", "--closes", "2026-05-01", "--question", "yes_no:Q?", "--audience", "everyone"],
               "--audience", "ehc_plan"),
              (["notifications", "list", "--severity", "loud"], "--severity", "urgent"),
              // The stack's own role is never a person's.
              (["people", "add", "--key", "k", "--post", "Head of SEND", "--role", "stack"], "--role", "parent_carer_forum"),
              (["audit", "--service", "portal"], "--service", "supervisor"),
              (["audit", "--since", "2026-02-30"], "--since", "YYYY-MM-DD"),
          ])
    func badChoiceIsAUsageError(arguments: [String], flag: String, aChoice: String) throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let run = try sendctl(arguments, dir)
        #expect(run.status == 64, "\(arguments.joined(separator: " ")): exit \(run.status)\n\(run.output)")
        let value = arguments[arguments.lastIndex(of: flag)! + 1]
        #expect(run.stderr.contains("'\(value)'") && run.stderr.contains(flag), "does not name \(flag) and '\(value)':\n\(run.stderr)")
        #expect(run.stderr.contains(aChoice), "does not list the choices:\n\(run.stderr)")
        #expect(!run.stderr.contains("is not running"), "it got as far as the stack:\n\(run.stderr)")
    }

    @Test("a role or service that is not one of the choices is a usage error naming the choices")
    func badPositionalChoice() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let role = try sendctl(["board", "member", "add", "chair", "--post", "Chair"], dir)
        #expect(role.status == 64, "\(role.output)")
        #expect(role.stderr.contains("'chair'") && role.stderr.contains("parent_carer_representative"), "\(role.stderr)")
        let restart = try sendctl(["restart", "nope"], dir)
        #expect(restart.status == 64, "\(restart.output)")
        #expect(restart.stderr.contains("unknown service 'nope'; choose one of findings, board, comms, notifications, portal"), "\(restart.stderr)")
        // The key commands touch no stack (nothing is made on a usage error).
        let config = ["XDG_CONFIG_HOME": "\(dir.path)/home-config"]
        let both = try ChildRun.run(Binaries.path("sendctl"), ["keys", "new", "--force", "--if-missing"], environment: config, timeout: 30)
        #expect(both.status == 64 && both.stderr.contains("--force and --if-missing contradict each other"), "\(both.output)")
        let name = try ChildRun.run(Binaries.path("sendctl"), ["keys", "new", "--name", "../chair"], environment: config, timeout: 30)
        #expect(name.status == 64 && name.stderr.contains("--name '../chair': use letters, digits, '.', '-' and '_'"), "\(name.output)")
        #expect(!FileManager.default.fileExists(atPath: "\(dir.path)/home-config"), "a usage error made a key directory")
    }

    @Test("a good choice gets as far as the stack (here, not running: exit 69)")
    func goodChoiceIsSent() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let run = try sendctl(["actions", "list", "--status", "open", "--rag", "red"], dir)
        #expect(run.status == 69, "\(run.output)")
        #expect(run.stderr.contains("board is not running"), "\(run.stderr)")
    }
}
