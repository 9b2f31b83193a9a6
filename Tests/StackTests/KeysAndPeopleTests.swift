import Foundation
import SendModel
import SendRuntime
import TestSupport
import Testing

/// `sendctl keys`, `sendctl people` and `sendctl audit` as people run them: a key made at the
/// terminal, registered by an operator, used for what its role may do and refused the rest, and
/// every change it made found again in the audit.
@Suite("Keys, people and roles from the command line")
struct KeysAndPeopleTests {
    /// sendctl with a configuration directory of the test's own (where `keys new` writes).
    func sendctl(_ arguments: [String], config: String, _ dir: TestDirectory? = nil) throws -> ChildRun {
        try ChildRun.run(Binaries.path("sendctl"), arguments + (dir?.flags ?? []), environment: ["XDG_CONFIG_HOME": config], timeout: 60)
    }

    /// The public key a `keys new` printed ("Public key: …").
    func publicKey(_ run: ChildRun) throws -> String {
        let line = try #require(run.stdout.split(separator: "\n").first { $0.hasPrefix("Public key: ") }, "no public key in:\n\(run.output)")
        return String(line.dropFirst("Public key: ".count))
    }

    /// A table's lines, each as its cells (columns are two spaces or more apart).
    func cells(_ text: String) -> [[String]] {
        text.split(separator: "\n").map { line in line.split(separator: #/  +/#).map(String.init) }
    }

    func mode(_ path: String) -> mode_t {
        var st = stat()
        return stat(path, &st) == 0 ? st.st_mode & 0o777 : 0
    }

    @Test("keys new makes a private key file and prints its public key and the next step; a second one is refused (73) and the key is kept")
    func keysNewAndShow() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let config = "\(dir.path)/home-config"
        let path = "\(config)/send-partnership/key"

        let made = try sendctl(["keys", "new"], config: config)
        #expect(made.status == 0, "\(made.output)")
        let key = try publicKey(made)
        let pair = try KeyFile.read(path)
        #expect(key == pair.publicKey && key.count == 40)
        #expect(made.stdout.hasPrefix("Made a key pair in \(path) (mode 0600: keep it private; never send the file).\n"), "\(made.stdout)")
        #expect(made.stdout.contains("Give this public key to an operator, who registers it with:\n"
            + "  sendctl people add --key='\(key)' --post \"<your post, e.g. Head of SEND>\" --role <role>\n"), "\(made.stdout)")
        #expect(!made.output.contains(pair.secretKey), "the secret key was printed")
        #expect(mode(path) == 0o600, "the key file has mode \(String(mode(path), radix: 8))")
        #expect(mode("\(config)/send-partnership") == 0o700)

        let before = try String(contentsOfFile: path, encoding: .utf8)
        let again = try sendctl(["keys", "new"], config: config)
        #expect(again.status == 73, "\(again.output)")
        #expect(again.stderr == "sendctl: a key exists already in \(path); it was not replaced. Its public key: `sendctl keys show`. "
            + "To make a new key in its place, add --force (the old one stops working for you).\n", "\(again.stderr)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == before, "the key file changed")

        let show = try sendctl(["keys", "show"], config: config)
        #expect(show.status == 0 && show.stdout == "\(key)\n", "\(show.output)")
        let kept = try sendctl(["keys", "new", "--if-missing"], config: config)
        #expect(kept.status == 0 && kept.stdout == "Using the key in \(path) (made earlier).\nPublic key: \(key)\n", "\(kept.output)")

        let replaced = try sendctl(["keys", "new", "--force"], config: config)
        #expect(replaced.status == 0, "\(replaced.output)")
        let newKey = try publicKey(replaced)
        let replacedPair = try KeyFile.read(path)
        #expect(newKey != key && replacedPair.publicKey == newKey)
        #expect(mode(path) == 0o600)

        let none = try sendctl(["keys", "show", "--name", "chair"], config: config)
        #expect(none.status == 66, "\(none.output)")
        #expect(none.stderr == "sendctl: no key in \(config)/send-partnership/chair.key; make one with `sendctl keys new --name chair`\n")
        let named = try sendctl(["keys", "new", "--name", "chair"], config: config)
        #expect(named.status == 0 && named.stdout.contains("Then use it with `sendctl --as chair …`."), "\(named.output)")
        #expect(mode("\(config)/send-partnership/chair.key") == 0o600)
    }

    @Test("an operator registers a key (people add, list); it may do what its role allows, is forbidden (77) the rest, and the audit lists exactly what it did")
    func peopleRolesAndAudit() throws {
        let stack = try Stack()
        defer { stack.finish() }
        #expect(stack.waitReady(), "the stack did not become ready:\n\(stack.supervisor.output)")
        let dir = stack.dir
        // No default key here: sendctl presents the stack's own key, as a child of the stack's user does.
        let config = "\(dir.path)/home-config"
        let key = try publicKey(try sendctl(["keys", "new", "--name", "chair"], config: config))
        let chair = ["--key", "\(config)/send-partnership/chair.key"]

        let add = try sendctl(["people", "add", "--key=\(key)", "--post", "Chair of the partnership board", "--role", "board_chair"], config: config, dir)
        #expect(add.status == 0, "\(add.output)")
        // P-1 is family-portal's key, registered by the supervisor at its start (no operator: nobody's key was there).
        #expect(add.stdout == "Registered P-2: board_chair, Chair of the partnership board. Their key is accepted from now on.\n", "\(add.output)")

        let list = try sendctl(["people", "list"], config: config, dir)
        #expect(list.status == 0, "\(list.output)")
        let rows = cells(list.stdout)
        #expect(rows.first == ["person", "role", "post", "organisation", "added", "revoked"], "\(list.stdout)")
        let row = try #require(rows.first { $0.first == "P-2" }, "no row for P-2:\n\(list.stdout)")
        #expect(row.count == 6 && row[1] == "board_chair" && row[2] == "Chair of the partnership board" && row[3] == "-" && row[5] == "-", "\(row)")
        #expect(row.count == 6 && row[4].hasPrefix(Timestamp.now().date.iso), "\(row)")
        #expect(rows.contains { $0.prefix(4) == ["P-1", "portal", "family-portal", "-"] && $0.last == "-" }, "\(list.stdout)")
        #expect(list.stdout.hasSuffix("\n2 people\n"), "\(list.stdout)")

        // What a chair may do: record an inspection and a KPI; read the actions (also as `sendctl --as chair …`).
        let inspection = try sendctl(["inspections", "add", "--local-area", "Testshire", "--framework", "2023", "--visit-start", "2026-01-05",
                                      "--visit-end", "2026-01-09", "--published", "2026-02-01", "--outcome", "positive"] + chair, config: config, dir)
        #expect(inspection.status == 0 && inspection.stdout.hasPrefix("Recorded INS-testshire-2026:"), "\(inspection.output)")
        let kpi = try sendctl(["kpis", "add", "--name", "Weeks waiting", "--unit", "weeks", "--baseline", "40", "--target", "18",
                               "--direction", "lower_is_better"] + chair, config: config, dir)
        #expect(kpi.status == 0 && kpi.stdout.hasPrefix("added K-001: Weeks waiting"), "\(kpi.output)")
        let read = try sendctl(["--as", "chair", "actions", "list"], config: config, dir)
        #expect(read.status == 0, "\(read.output)")

        // What it may not: the families, the register.
        let families = try sendctl(["families", "list"] + chair, config: config, dir)
        #expect(families.status == 77, "\(families.output)")
        #expect(families.stderr == "sendctl: forbidden: families.list needs the role comms_officer; your key (P-2) has the role board_chair\n")
        let people = try sendctl(["people", "list"] + chair, config: config, dir)
        #expect(people.status == 77, "\(people.output)")
        #expect(people.stderr == "sendctl: forbidden: people.list needs the role operator; your key (P-2) has the role board_chair\n")
        // A key nobody registered is refused at the handshake.
        _ = try sendctl(["keys", "new", "--name", "stranger"], config: config)
        let stranger = try sendctl(["--as", "stranger", "actions", "list"], config: config, dir)
        #expect(stranger.status == 77, "\(stranger.output)")
        #expect(stranger.stderr.hasPrefix("sendctl: forbidden: board refused this key at the handshake"), "\(stranger.stderr)")

        // The audit of P-2: exactly the events whose actor is P-2, across the services, with the post.
        var caused: [Event] = []
        for service in [ServiceName.findings, ServiceName.board, ServiceName.comms, ServiceName.supervisor] {
            caused += try stack.client.allEvents(service).filter { $0.actor?.person == "P-2" }
        }
        #expect(caused.map(\.type).sorted() == ["inspection.recorded", "kpi.recorded"])
        let audit = try sendctl(["audit", "--person", "P-2"], config: config, dir)
        #expect(audit.status == 0, "\(audit.output)")
        let lines = audit.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(cells(audit.stdout).first == ["at", "event", "type", "by", "about"], "\(audit.stdout)")
        let eventLines = lines.dropFirst().prefix { !$0.isEmpty }.map { cells($0).first ?? [] }
        #expect(eventLines.count == caused.count, "\(audit.stdout)")
        for event in caused.sorted(by: { $0.at < $1.at }) {
            let id = event.type == "kpi.recorded" ? "K-001" : "INS-testshire-2026"
            let expected = [event.at.description, "\(event.source)#\(event.seq)", event.type, "P-2 (board_chair, Chair of the partnership board)", id]
            #expect(eventLines.contains(expected),
                    "no line \(expected) in:\n\(audit.stdout)")
        }
        #expect(lines.suffix(2) == ["2 events by P-2 (findings, board, comms, supervisor)", ""], "\(audit.stdout)")
        let all = try sendctl(["audit"], config: config, dir)
        #expect(cells(all.stdout).contains { $0.count == 5 && $0[2...] == ["person.added", "stack", "P-2"] },
                "the register's change made with the stack's key reads as the stack's:\n\(all.stdout)")
        let later = try sendctl(["audit", "--person", "P-2", "--since", "2099-01-01"], config: config, dir)
        #expect(later.status == 0 && later.stdout == "0 events by P-2 since 2099-01-01 (findings, board, comms, supervisor)\n", "\(later.output)")

        // Revoked: refused from now on; the register keeps the row with the time.
        let revoke = try sendctl(["people", "revoke", "P-2"], config: config, dir)
        #expect(revoke.status == 0 && revoke.stdout.hasPrefix("Revoked P-2 at "), "\(revoke.output)")
        let refused = try sendctl(["actions", "list"] + chair, config: config, dir)
        #expect(refused.status == 77 && refused.stderr.contains("refused this key at the handshake"), "\(refused.output)")
        let after = try sendctl(["people", "list"], config: config, dir)
        let revokedRow = cells(after.stdout).first { $0.first == "P-2" }
        #expect(revokedRow?.count == 6 && revokedRow?[5] != "-", "\(after.stdout)")
        #expect(after.stdout.hasSuffix("\n2 people, 1 revoked\n"), "\(after.stdout)")
    }

    @Test("a supervisor started with SEND_OPERATOR_KEY registers it as the first operator (P-1), and family-portal's key as portal")
    func firstOperator() throws {
        let dir = TestDirectory()
        let config = "\(dir.path)/home-config"
        let made = try sendctl(["keys", "new", "--name", "op"], config: config)
        let key = try publicKey(made)
        let stack = try Stack(directory: dir, environment: ["SEND_OPERATOR_KEY": key])
        defer { stack.finish() }
        #expect(stack.waitReady(), "the stack did not become ready:\n\(stack.supervisor.output)")

        let list = try sendctl(["people", "list", "--as", "op"], config: config, dir)
        #expect(list.status == 0, "the operator cannot list the register:\n\(list.output)")
        let rows = cells(list.stdout)
        #expect(rows.count >= 3 && Array(rows[1].prefix(4)) == ["P-1", "operator", "Operator", "-"], "\(list.stdout)")
        #expect(rows.count >= 3 && Array(rows[2].prefix(4)) == ["P-2", "portal", "family-portal", "-"], "\(list.stdout)")
        let json = try JSONValue.parse(try sendctl(["people", "list", "--json", "--as", "op"], config: config, dir).stdout)
        let people = try (json["people"] ?? .null).decode([Person].self)
        #expect(people.first?.key == key && people.first?.role == .operator)

        let status = try sendctl(["status", "--as", "op"], config: config, dir)
        #expect(status.status == 0, "\(status.output)")
        let record = try sendctl(["--as", "op", "inspections", "add", "--local-area", "Testshire", "--framework", "2023", "--visit-start",
                                  "2026-01-05", "--visit-end", "2026-01-09", "--published", "2026-02-01", "--outcome", "positive"], config: config, dir)
        #expect(record.status == 77, "\(record.output)")
        #expect(record.stderr == "sendctl: forbidden: inspections.add needs the role board_chair; your key (P-1) has the role operator\n")
    }
}
