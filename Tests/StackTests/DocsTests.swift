import Foundation
import SendModel
import SendRuntime
import TestSupport
import Testing

/// The README and docs/PROTOCOL.md cannot drift from the code: their examples run, their command
/// lists are what the services answer, their structure is whole.
@Suite("The documents agree with the running stack", .serialized)
struct DocsTests {
    // MARK: docs/PROTOCOL.md, as text

    @Test("docs/PROTOCOL.md: every code fence is closed, each service has one section, no link leaves the repository")
    func protocolDocumentIsWhole() throws {
        let doc = try Markdown(file: "docs/PROTOCOL.md")
        #expect(doc.unclosedFence == nil, "a code fence opened on line \(doc.unclosedFence ?? 0) is never closed")

        let services = ServiceName.managed + [ServiceName.supervisor, ServiceName.portal]
        for service in services {
            let headings = doc.headings.filter { $0.level == 3 && $0.text == service }
            #expect(headings.count == 1, "PROTOCOL.md has \(headings.count) `### \(service)` sections; it needs exactly one")
        }
        // Every level-3 heading under "Service commands and events" is a service: no stray section
        // interleaves another's text.
        let serviceHeadings = doc.headings.drop { $0.text != "Service commands and events" }.dropFirst()
            .prefix { $0.level >= 3 }.filter { $0.level == 3 }.map(\.text)
        #expect(serviceHeadings == services, "the service sections are \(serviceHeadings); expected \(services), in start order")

        for link in doc.links {
            let target = link.target
            if target.hasPrefix("#") {
                #expect(doc.anchors.contains(String(target.dropFirst())), "line \(link.line): no heading for the anchor \(target)")
            } else {
                #expect(!target.contains("://") && !target.hasPrefix("/") && !target.hasPrefix(".."),
                        "line \(link.line): \(target) leads outside the repository")
                let path = URL(fileURLWithPath: "\(repositoryRoot)/docs").appendingPathComponent(target).standardized.path
                #expect(path.hasPrefix(repositoryRoot) && FileManager.default.fileExists(atPath: path),
                        "line \(link.line): \(target) is not a file of the repository")
            }
        }
        for (n, line) in doc.lines.enumerated() where line.contains("../shared") || line.contains("DOMAIN.md") || line.contains("DESIGN.md") {
            Issue.record("line \(n + 1) names a document outside the repository: \(line)")
        }
    }

    @Test("README.md: every code fence is closed and every anchor it links to exists")
    func readmeIsWhole() throws {
        let doc = try Markdown(file: "README.md")
        #expect(doc.unclosedFence == nil, "a code fence opened on line \(doc.unclosedFence ?? 0) is never closed")
        for link in doc.links where link.target.hasPrefix("#") {
            #expect(doc.anchors.contains(String(link.target.dropFirst())), "line \(link.line): no heading for the anchor \(link.target)")
        }
        for link in doc.links where !link.target.hasPrefix("#") && !link.target.contains("://") {
            let path = link.target.split(separator: "#").first.map(String.init) ?? link.target
            #expect(FileManager.default.fileExists(atPath: "\(repositoryRoot)/\(path)"), "line \(link.line): \(link.target) is not in the repository")
        }
    }

    @Test("README.md's table of commands and roles is SendModel.Access.table, row for row, in both directions")
    func readmeRoleTableIsAccessTable() throws {
        let doc = try Markdown(file: "README.md")
        let expected = DocsTests.accessTable()
        let start = doc.lines.firstIndex(of: expected[0])
        let actual = start.map { Array(doc.lines[$0...].prefix { $0.hasPrefix("|") }) } ?? []
        let missing = expected.filter { !actual.contains($0) }, extra = actual.filter { !expected.contains($0) }
        #expect(actual == expected, """
            README.md's command × role table differs from Access.table.
            rows missing or different in README.md:
            \(missing.joined(separator: "\n"))
            rows in README.md that Access.table does not have:
            \(extra.joined(separator: "\n"))
            The whole table, from Access.table:
            \(expected.joined(separator: "\n"))
            """)
        #expect(Set(Access.table.keys) == Set(ServiceName.managed + [ServiceName.supervisor]), "Access.table's services: \(Access.table.keys.sorted())")
    }

    /// The command × role table of README.md, made from `Access.table`: one row per command (those every
    /// service answers first, then each service's in start order), a ✓ for each role that may call it.
    static func accessTable() -> [String] {
        let roles = Role.people
        func row(_ service: String, _ command: String, _ allowed: Set<Role>) -> String {
            "| \(service) | `\(command)` | " + roles.map { allowed.contains($0) ? "✓" : " " }.joined(separator: " | ") + " |"
        }
        var lines = ["| service | command | " + roles.map(\.rawValue).joined(separator: " | ") + " |",
                     "|---|---|" + String(repeating: "---|", count: roles.count)]
        for (command, allowed) in Access.builtIn.sorted(by: { $0.key > $1.key }) { lines.append(row("every service", command, allowed)) }
        for service in ServiceName.managed + [ServiceName.supervisor] {
            for (command, allowed) in (Access.table[service] ?? [:]).sorted(by: { $0.key < $1.key }) { lines.append(row(service, command, allowed)) }
        }
        return lines
    }

    // MARK: against a running stack

    @Test("every command each service answers is in its section of docs/PROTOCOL.md, and every command documented there is answered")
    func protocolCommandsAreTheServicesCommands() throws {
        let stack = try Stack()
        defer { stack.finish() }
        #expect(stack.waitReady(), "the stack did not become ready:\n\(stack.supervisor.output)")
        let doc = try Markdown(file: "docs/PROTOCOL.md")
        let everyService = Set(["health", "events.since", "follower.accept", "backup"])
        let common = doc.headings.drop { $0.text != "Commands every service answers" }.dropFirst().prefix { $0.level > 2 }.map(\.text)
        #expect(common == ["`health`", "`events.since`", "`follower.accept`", "`backup`"], "the commands every service answers are documented as \(common)")

        for service in ServiceName.managed + [ServiceName.supervisor] {
            // Every command answered has its row of who may call it (SendModel.Access), and every row is a command answered.
            let all = try answeredCommands(stack.client, service)
            let noRow = all.filter { Access.roles(service, $0) == nil }.sorted()
            #expect(noRow.isEmpty, "\(service) answers commands Access.table has no row for (only the stack may call them): \(noRow)")
            let notAnswered = Set(Access.table[service]?.keys.map { $0 } ?? []).subtracting(all).sorted()
            #expect(notAnswered.isEmpty, "Access.table has rows under \(service) for commands it does not answer: \(notAnswered)")
            let answered = all.subtracting(everyService)
            let documented = doc.commands(in: service, level: 3)
            #expect(answered.subtracting(documented).isEmpty,
                    "\(service) answers commands its section of PROTOCOL.md does not list: \(answered.subtracting(documented).sorted())")
            #expect(documented.subtracting(answered).isEmpty,
                    "PROTOCOL.md lists commands under \(service) that it does not answer: \(documented.subtracting(answered).sorted())")
        }
    }

    /// The commands a service answers, from its `unknown_command` reply ("… it answers: a, b, c").
    private func answeredCommands(_ client: TestClient, _ service: String) throws -> Set<String> {
        let reply = try client.send(service, Request(id: RequestID.make(), command: "no.such.command"))
        guard case .failure(let error) = reply.outcome else {
            Issue.record("\(service) answered a command that does not exist")
            return []
        }
        #expect(error.code == .unknownCommand)
        let list = try #require(error.message.range(of: "answers: "), "\(service)'s unknown_command message lists nothing: \(error.message)")
        return Set(error.message[list.upperBound...].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
    }

    @Test("every sendctl command in README.md's examples runs as written against a demo stack, and exits 0")
    func readmeExamplesRun() throws {
        let stack = try Stack()
        defer { stack.finish() }
        #expect(stack.waitReady(), "the stack did not become ready:\n\(stack.supervisor.output)")
        // The reader's keys (`sendctl keys new --name chair`) go in the test's directory; with no default key
        // there, the other commands present the stack's own key, which may call every command.
        let environment = [
            "SEND_RUN_DIR": stack.dir.run, "SEND_DATA_DIR": stack.dir.data,
            "SENDCTL": Binaries.path("sendctl"),
            "PATH": "\(Binaries.directory):\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")",
            "XDG_CONFIG_HOME": "\(stack.dir.path)/home-config",
        ]
        // The demo loader is the stack's own: it presents the stack's key even for a person who has a key
        // of their own (here one nobody registered, which every service would refuse).
        let someone = "\(stack.dir.path)/someone-config"
        _ = try KeyFile.create(KeyFile.personalPath(environment: ["XDG_CONFIG_HOME": someone]))
        var loadEnvironment = environment
        loadEnvironment["XDG_CONFIG_HOME"] = someone
        let load = try ChildRun.run("\(repositoryRoot)/deploy/demo/load", [], environment: loadEnvironment, timeout: 180, mergeOutput: true)
        try #require(load.status == 0, "deploy/demo/load failed:\n\(load.output)")

        // Commands run in a scratch directory where `deploy/` is the repository's, so the README's
        // relative paths (deploy/demo/…) work and the files a command writes stay in the test's directory.
        let work = "\(stack.dir.path)/work"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: "\(work)/deploy", withDestinationPath: "\(repositoryRoot)/deploy")

        let examples = try Markdown(file: "README.md").shellExamples.filter { $0.command.hasPrefix("sendctl ") || $0.command == "sendctl" }
        #expect(examples.count >= 30, "only \(examples.count) sendctl examples found in README.md")
        for example in examples {
            // The reader runs each after the one before has finished and the stack is ready again (after a restart).
            _ = stack.waitReady(timeout: 30)
            let follows = example.command.hasPrefix("sendctl subscribe") && !example.command.contains("--limit")
            let run = try ChildRun.run("/bin/bash", ["-c", "cd '\(work)' && exec \(example.command)"], environment: environment,
                                       timeout: follows ? 3 : 120, mergeOutput: true, stopSignal: SIGINT)
            #expect(run.status == 0,
                    "README.md line \(example.line): `\(example.command)` exited \(run.status):\n\(run.output.suffix(2000))")
            if follows {
                #expect(run.timedOut && run.output.contains("following notifications"),
                        "README.md line \(example.line): `\(example.command)` should follow until Ctrl-C:\n\(run.output.suffix(2000))")
            } else {
                #expect(!run.timedOut, "README.md line \(example.line): `\(example.command)` did not finish")
            }
        }
    }
}

/// Just enough Markdown for the checks above: headings, fences, links, shell examples.
struct Markdown {
    struct Heading { let level: Int; let text: String; let line: Int }
    struct Link { let target: String; let line: Int }
    struct Example { let command: String; let line: Int }

    let lines: [String]
    private(set) var headings: [Heading] = []
    private(set) var links: [Link] = []
    private(set) var shellExamples: [Example] = []
    /// The line of a fence that is opened and never closed.
    private(set) var unclosedFence: Int?
    /// Which lines are inside a code fence.
    private var inCode: [Bool] = []

    init(file: String) throws {
        lines = try String(contentsOfFile: "\(repositoryRoot)/\(file)", encoding: .utf8).components(separatedBy: "\n")
        var open: (line: Int, info: String)?
        var continued = false
        for (i, raw) in lines.enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("```") {
                if open == nil { open = (i + 1, String(line.dropFirst(3))) } else { open = nil }
                inCode.append(true)
                continue
            }
            inCode.append(open != nil)
            if let open {
                if ["sh", "bash", "shell"].contains(open.info), let command = Markdown.command(raw) {
                    // A line ending in a backslash continues on the next.
                    if let last = shellExamples.last, continued, last.command.hasSuffix("\\") {
                        shellExamples[shellExamples.count - 1] = Example(command: last.command.dropLast() + " " + command, line: last.line)
                    } else {
                        shellExamples.append(Example(command: command, line: i + 1))
                    }
                    continued = command.hasSuffix("\\")
                } else {
                    continued = false
                }
                continue
            }
            continued = false
            if raw.hasPrefix("#") {
                let level = raw.prefix { $0 == "#" }.count
                headings.append(Heading(level: level, text: raw.dropFirst(level).trimmingCharacters(in: .whitespaces), line: i + 1))
            }
            var rest = Substring(raw)
            while let start = rest.range(of: "](") {
                let after = rest[start.upperBound...]
                guard let end = after.firstIndex(of: ")") else { break }
                links.append(Link(target: String(after[..<end]), line: i + 1))
                rest = after[end...]
            }
        }
        unclosedFence = open?.line
    }

    /// A shell line without its trailing comment; nil for blank and comment lines.
    static func command(_ line: String) -> String? {
        var out = "", quote: Character?, previous: Character = " "
        for c in line {
            if let q = quote {
                if c == q { quote = nil }
            } else if c == "'" || c == "\"" {
                quote = c
            } else if c == "#" && previous.isWhitespace {
                break
            }
            out.append(c)
            previous = c
        }
        let trimmed = out.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? nil : trimmed
    }

    /// GitHub's anchor of each heading: lower case, punctuation dropped, spaces as hyphens.
    var anchors: Set<String> {
        Set(headings.map { heading in
            String(heading.text.lowercased().compactMap { c -> Character? in
                if c == " " { return "-" }
                if c.isLetter || c.isNumber || c == "-" || c == "_" { return c }
                return nil
            })
        })
    }

    /// The lines of the section under the heading `title` at `level`, up to the next heading at that level or above.
    func section(_ title: String, level: Int) -> ArraySlice<Int> {
        guard let start = headings.firstIndex(where: { $0.level == level && $0.text == title }) else { return [] }
        let end = headings[(start + 1)...].first { $0.level <= level }?.line ?? (lines.count + 1)
        return (headings[start].line..<(end - 1)).map { $0 }[...]
    }

    /// The event types the document's event tables list (a table whose header starts `| type`).
    var eventTypes: Set<String> {
        var found = Set<String>(), inTable = false
        for (i, line) in lines.enumerated() where !inCode[i] {
            if line.hasPrefix("| type ") { inTable = true; continue }
            if !line.hasPrefix("|") { inTable = false }
            if inTable, line.hasPrefix("| `") { found.insert(String(line.dropFirst(3).prefix { $0 != "`" })) }
        }
        return found
    }

    /// The commands a section documents: the first cell of a table whose header starts `| command`,
    /// and a backticked dotted name followed by its arguments (`` `actions.update {"action_id", …}` ``)
    /// or by an arrow or dash (`` `kpis.list` → … ``, `` `actions.create` — … ``) that is not an event type
    /// and not one of the commands every service answers.
    func commands(in title: String, level: Int) -> Set<String> {
        let events = eventTypes
        var found = Set<String>()
        var inCommandTable = false
        let name = #/`([a-z][a-z_]*(?:\.[a-z_]+)*)(?: \{[^`]*\})?`( →| —|)/#
        for index in section(title, level: level) {
            let line = lines[index - 1]
            if inCode[index - 1] { continue }
            if line.hasPrefix("| command ") { inCommandTable = true; continue }
            if !line.hasPrefix("|") { inCommandTable = false }
            if inCommandTable, line.hasPrefix("| `") {
                let cell = line.dropFirst(3).prefix { $0 != "`" }
                if !cell.hasPrefix("-") { found.insert(String(cell)) }
                continue
            }
            if line.hasPrefix("|") { continue }
            for match in line.matches(of: name) {
                let span = String(line[match.range])
                let command = String(match.output.1)
                guard command.contains("."), !events.contains(command), !["health", "events.since"].contains(command) else { continue }
                if span.contains(" {") || !match.output.2.isEmpty { found.insert(command) }
            }
        }
        return found
    }
}
