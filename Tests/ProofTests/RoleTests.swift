import Foundation
import SendModel
import SendRuntime
import Testing
import TestSupport
import ZeroMQ

/// Who may do what, with real keys against the whole stack: every command of `Access.table` called
/// by every role, the handshake refusing keys the register does not hold, revocation taking effect
/// on a connected client, and the actor every event records (docs/PROTOCOL.md, "Keys, people and roles").
@Suite("Roles: every command against the register and the command table, with real keys", .serialized)
struct RoleTests {
    /// Arguments that keep a command harmless when a role may call it; every other command gets `{}`
    /// (a write without its fields is `invalid`, a read of nothing `invalid` or `not_found`).
    static let harmlessArgs: [String: [String: JSONValue]] = [
        // A service the stack does not have: `invalid`, nothing restarts.
        ServiceName.supervisor: ["restart": ["service": "no-such-service"]],
    ]

    /// The services of the command table, and every command each answers (table rows and built-ins).
    static var tableCommands: [(service: String, command: String)] {
        Access.table.keys.sorted().flatMap { service in
            (Set(Access.builtIn.keys).union(Access.table[service]!.keys)).sorted().map { (service, $0) }
        }
    }

    static func failure(_ reply: Reply) -> ServiceError? {
        if case .failure(let error) = reply.outcome { return error }
        return nil
    }

    static func request(_ command: String, _ args: JSONValue = [:]) -> Request {
        Request(id: RequestID.make(), command: command, args: args)
    }

    /// The forbidden message a person reads (PROTOCOL: "`board.decide` needs the role board_chair or board_member; …").
    static func refusal(_ command: String, _ allowed: Set<Role>, _ person: String, _ role: Role) -> String {
        "\(command) needs the role \(Access.list(allowed)); your key (\(person)) has the role \(role.rawValue)"
    }

    /// What a service says it answers, from its `unknown_command` reply ("…; it answers: a, b, c").
    static func answeredCommands(_ client: TestClient, _ service: String) throws -> Set<String> {
        let reply = try client.send(service, request("no.such.command"))
        let error = try #require(failure(reply), "\(service) answered a command it does not have")
        #expect(error.code == .unknownCommand, "\(service): \(error)")
        let list = try #require(error.message.range(of: "answers: "), "\(service)'s unknown_command names no commands: \(error.message)")
        return Set(error.message[list.upperBound...].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
    }

    /// Each service's `last_seq`, for the four services and the supervisor.
    static func lastSeqs(_ client: TestClient) -> [String: Int64] {
        var result: [String: Int64] = [:]
        for service in ServiceName.managed + [ServiceName.supervisor] { result[service] = client.lastSeq(service) }
        return result
    }

    static func actionArgs(_ title: String, finding: String) -> JSONValue {
        ["title": .string(title), "finding_ids": [.string(finding)], "lead_organisation": "Council",
         "sponsoring_director": "Director of Children's Services", "action_lead": "Head of SEND",
         "start": "2026-03-02", "due": "2026-09-30", "success_criteria": "Every plan reviewed within 12 weeks"]
    }

    @Test("every command of every service, called with every role's key: forbidden, naming the roles it needs, exactly where Access.table says; each service answers exactly the table's commands; the portal's key cannot read families")
    func everyCommandEveryRole() throws {
        let stack = try ProofStack()
        defer { stack.finish() }
        try #require(stack.waitReady(), "the stack did not become ready:\n\(stack.startupReport)")

        var people: [Role: TestPerson] = [:]
        for role in Role.people { people[role] = try stack.client.addPerson(role) }
        try #require(stack.client.waitRegisterApplied(), "the services did not apply the register: \(Self.lastSeqs(stack.client))")

        // What each service answers, against the table both ways; the portal's socket answers health alone.
        for service in Access.table.keys.sorted() {
            let answers = try Self.answeredCommands(stack.client, service)
            let rows = Set(Access.builtIn.keys).union(Access.table[service]!.keys)
            #expect(answers.subtracting(rows).isEmpty, "\(service) answers commands Access.table has no row for: \(answers.subtracting(rows).sorted())")
            #expect(rows.subtracting(answers).isEmpty, "Access.table has rows for commands \(service) does not answer: \(rows.subtracting(answers).sorted())")
        }
        #expect(try Self.answeredCommands(stack.client, ServiceName.portal) == ["health"])

        // `stop` would end the stack: the roles that may call it call it last, below.
        let stoppers = Role.people.filter { Access.roles(ServiceName.supervisor, "stop")!.contains($0) }
        #expect(stoppers == [.operator], "the stack's stop is the operator's alone")
        var requests = 0
        for role in Role.people {
            let person = try #require(people[role])
            let client = try TestClient(stack.dir, identity: person.keys)
            defer { client.close() }
            for (service, command) in Self.tableCommands {
                let allowed = try #require(Access.roles(service, command))
                if service == ServiceName.supervisor && command == "stop" && allowed.contains(role) { continue }
                let args = Self.harmlessArgs[service]?[command] ?? [:]
                let reply: Reply
                do {
                    reply = try client.send(service, Self.request(command, args))
                } catch {
                    Issue.record("\(service) \(command) by \(role.rawValue) (\(person.id)): no reply: \(error)")
                    continue
                }
                requests += 1
                let error = Self.failure(reply)
                if allowed.contains(role) {
                    #expect(error?.code != .forbidden, "\(service) \(command) is for \(Access.list(allowed)), yet \(role.rawValue) was refused: \(String(describing: error))")
                } else {
                    #expect(error?.code == .forbidden && error?.message == Self.refusal(command, allowed, person.id, role),
                            "\(service) \(command) by \(role.rawValue): \(error.map(\.description) ?? "ok")")
                }
            }
        }
        #expect(requests == Role.people.count * Self.tableCommands.count - stoppers.count)

        // family-portal's own key: the families' door and nothing else.
        let portalKeys = try KeyFile.read(stack.dir.directories.portalKeyPath)
        let register = try stack.client.call(ServiceName.supervisor, "people.list")["people"]?.arrayValue ?? []
        let portalPerson = try #require(register.first { $0["key"]?.stringValue == portalKeys.publicKey },
                                        "the supervisor did not register family-portal's key: \(register)")
        #expect(portalPerson["role"]?.stringValue == "portal")
        let portalID = try #require(portalPerson["person_id"]?.stringValue)
        let portal = try TestClient(stack.dir, identity: portalKeys)
        defer { portal.close() }
        let families: [(service: String, command: String, args: JSONValue)] = [
            (ServiceName.comms, "families.list", [:]), (ServiceName.comms, "families.show", ["family_id": "F-404"]),
            (ServiceName.comms, "enquiries.list", [:]), (ServiceName.comms, "dispatches.show", ["dispatch_id": 404]),
            (ServiceName.comms, "events.since", ["after": 0]), (ServiceName.board, "board.members.list", [:]),
            (ServiceName.board, "actions.update", ["action_id": "A-0404", "status": "completed"]),
        ]
        for (service, command, args) in families {
            let allowed = try #require(Access.roles(service, command))
            let error = Self.failure(try portal.send(service, Self.request(command, args)))
            #expect(error?.code == .forbidden && error?.message == Self.refusal(command, allowed, portalID, .portal),
                    "\(service) \(command) with the portal's key: \(error.map(\.description) ?? "ok")")
        }
        let unknown = Self.failure(try portal.send(ServiceName.comms, Self.request(PortalCommand.questionnaire, ["key": "hello"])))
        #expect(unknown?.code == .notFound && unknown?.message == "no questionnaire has this key", "\(String(describing: unknown))")

        // Last: the operator stops the stack.
        let operatorClient = try TestClient(stack.dir, identity: try #require(people[.operator]).keys)
        defer { operatorClient.close() }
        let stopped = try operatorClient.send(ServiceName.supervisor, Self.request("stop"))
        #expect(Self.failure(stopped) == nil, "the operator's stop: \(String(describing: Self.failure(stopped)))")
        #expect(stack.supervisor.waitForExit(timeout: 60) == 0, "the operator's stop did not stop the stack:\n\(stack.supervisor.output)")
    }

    @Test("an unknown key, a revoked key and no key at all are refused at the handshake and nothing is recorded; revoking cuts a connected client off on its next request; every event names its actor")
    func handshakesRevocationAndActors() throws {
        let stack = try ProofStack()
        defer { stack.finish() }
        try #require(stack.waitReady(), "the stack did not become ready:\n\(stack.startupReport)")
        let imported = try stack.client.call(ServiceName.findings, "findings.import", smallReport(1), timeout: 30)
        let finding = try #require(imported["findings"]?.arrayValue?.first?.stringValue)
        let chair = try stack.client.addPerson(.boardChair)
        try #require(stack.client.waitRegisterApplied(), "the services did not apply the register: \(Self.lastSeqs(stack.client))")
        try #require(stack.client.waitSettled(), "board did not apply the findings")

        // The chair's key: one read, one change; the change's event names the chair.
        let chairBoard = try ServiceClient(service: ServiceName.board, directories: stack.dir.directories, identity: chair.keys)
        defer { chairBoard.close() }
        _ = try chairBoard.call("actions.list", attempts: 1)
        let created = try chairBoard.call("actions.create", Self.actionArgs("The chair's action", finding: finding), attempts: 1)
        let actionID = try #require(created["action"]?["action_id"]?.stringValue)
        try #require(stack.client.waitSettled(), "the followers did not apply the chair's action")
        let boardEvents = try stack.client.allEvents(ServiceName.board)
        let event = try #require(boardEvents.first { $0.type == EventType.actionCreated && $0.data["action_id"]?.stringValue == actionID })
        #expect(event.json["actor"] == ["person": .string(chair.id), "role": "board_chair"], "\(event.json)")
        #expect(event.actor == Actor(person: chair.id, role: .boardChair))
        // Changes a service made itself: {"person": "<service>", "role": "stack"}; the stack's key's: "stack".
        let supervisorEvents = try stack.client.allEvents(ServiceName.supervisor)
        let started = supervisorEvents.filter { $0.type == EventType.serviceStarted }
        #expect(started.count == ServiceName.supervised.count, "\(started.map(\.json))")
        for e in started { #expect(e.json["actor"] == ["person": "supervisor", "role": "stack"], "\(e.json)") }
        let added = supervisorEvents.filter { $0.type == EventType.personAdded }
        #expect(added.map { $0.json["actor"] } == [["person": "supervisor", "role": "stack"], ["person": "stack", "role": "stack"]],
                "the portal's key, registered by the supervisor at its start, then the chair's, by the stack's key: \(added.map(\.json))")
        let notified = try stack.client.allEvents(ServiceName.notifications)
        #expect(notified.contains { $0.type == EventType.actionCreated }, "\(notified.map(\.type))")
        for e in notified { #expect(e.json["actor"] == ["person": "notifications", "role": "stack"], "\(e.json)") }

        /// Requests with no reply at all: a plain DEALER without CURVE, to every service.
        func plainSocketsGetNothing() throws {
            let context = try Context()
            var sockets: [(String, Socket)] = []
            for service in ServiceName.managed + [ServiceName.supervisor] {
                let socket = try Socket(context, .dealer)
                try socket.setLinger(0)
                try socket.connect(try stack.dir.directories.commandEndpoint(service))
                _ = try socket.send(frames: [[], Self.request("health").json.jsonBytes])
                if service == ServiceName.board {
                    _ = try socket.send(frames: [[], Self.request("actions.create", Self.actionArgs("No key's action", finding: finding)).json.jsonBytes])
                }
                sockets.append((service, socket))
            }
            let deadline = Date().addingTimeInterval(1)
            while Date() < deadline {
                var items = sockets.map { PollItem($0.1) }
                try poll(&items, timeoutMilliseconds: 100)
                for (i, item) in items.enumerated() where item.isReadable {
                    Issue.record("\(sockets[i].0) answered a socket without CURVE: \(String(describing: try sockets[i].1.receive(dontWait: true)))")
                }
            }
            for (_, socket) in sockets { socket.close() }
        }

        /// `keys` refused at every service's handshake, for a read and (on board) a change.
        func refusedAtHandshake(_ keys: CurveKeyPair, _ who: String) throws {
            for service in ServiceName.managed + [ServiceName.supervisor] {
                let client = try ServiceClient(service: service, directories: stack.dir.directories, identity: keys)
                defer { client.close() }
                var commands: [(String, JSONValue)] = [("health", [:])]
                if service == ServiceName.board { commands.append(("actions.create", Self.actionArgs("\(who)'s action", finding: finding))) }
                for (command, args) in commands {
                    let error = #expect(throws: ServiceError.self, "\(service) answered \(command) with \(who)") {
                        try client.call(command, args, timeout: 3, attempts: 1)
                    }
                    #expect(error?.code == .forbidden && error?.message.hasPrefix("\(service) refused this key at the handshake: ") == true,
                            "\(service) \(command) with \(who): \(String(describing: error))")
                }
            }
        }

        // An unknown key and no key: refused before any command runs, nothing recorded.
        var before = Self.lastSeqs(stack.client)
        try refusedAtHandshake(try CurveKeyPair.generate(), "an unknown key")
        try plainSocketsGetNothing()
        #expect(Self.lastSeqs(stack.client) == before, "a refused client changed what a service stored")

        // Revoked: the connected client is cut off on its next request, a new connection at the handshake.
        try stack.client.revokePerson(chair.id)
        try #require(stack.client.waitRegisterApplied(), "the services did not apply the revocation")
        try #require(stack.client.waitSettled())
        before = Self.lastSeqs(stack.client)
        let afterRevoking: [(command: String, args: JSONValue)] = [
            ("actions.list", [:]), ("actions.create", Self.actionArgs("The revoked chair's action", finding: finding)),
        ]
        for (command, args) in afterRevoking {
            let error = #expect(throws: ServiceError.self, "board answered \(command) of a revoked key") {
                try chairBoard.call(command, args, attempts: 1)
            }
            #expect(error?.code == .forbidden && error?.message.hasPrefix("the key of \(chair.id) was revoked at ") == true,
                    "\(command) on the revoked chair's connection: \(String(describing: error))")
        }
        try refusedAtHandshake(chair.keys, "the revoked chair's key")
        #expect(Self.lastSeqs(stack.client) == before, "a revoked key changed what a service stored")

        let titles = (try stack.client.call(ServiceName.board, "actions.list")["actions"]?.arrayValue ?? []).compactMap { $0["title"]?.stringValue }
        #expect(titles == ["The chair's action"], "\(titles)")
    }
}
