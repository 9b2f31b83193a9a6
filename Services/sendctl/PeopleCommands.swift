import ArgumentParser
import Foundation
import SendModel
import SendRuntime

/// `sendctl people add|revoke|list`: the register of people's keys, kept by the supervisor (an operator's).
struct PeopleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "people",
        abstract: "Register, revoke and list the people's keys (an operator's commands).",
        discussion: """
            A person is a post and a role, never a name: P-3, "Head of SEND", action_lead, organisation Council. The \
            person makes their key with `sendctl keys new` and gives you its public key. A key that is not registered, or \
            was revoked, is refused by every service (exit 77, forbidden).
            """,
        subcommands: [PeopleAdd.self, PeopleRevoke.self, PeopleList.self]
    )
}

/// A role an operator may give a person (`SendModel.Role.people`; `stack` is the stack's own key).
struct RoleChoice: ExpressibleByArgument {
    let role: Role

    init?(argument: String) {
        guard let role = Role(rawValue: argument), Role.people.contains(role) else { return nil }
        self.role = role
    }

    static var allValueStrings: [String] { Role.people.map(\.rawValue) }
}

struct PeopleAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Register a person's public key with their post and role.",
        discussion: """
            Roles: \(Role.people.map(\.rawValue).joined(separator: ", ")) (what each may do: README.md, "Keys, people and \
            roles"). An action lead needs --organisation: the lead organisation of the actions they report on, as the \
            actions name it. A key is registered once: a key already registered, or revoked, is refused (exit 65). Waits \
            (at most --timeout) until every running service has read the change, so the key works at once.
            """
    )

    @Option(help: ArgumentHelp("The person's public key, as `sendctl keys new` printed it: 40 characters; write it `--key='KEY'` (a key may begin with a hyphen).", valueName: "public-key"))
    var key: String

    @Option(help: ArgumentHelp("Their post, never a name, e.g. \"Head of SEND\".", valueName: "text"))
    var post: String

    @Option(help: ArgumentHelp("Their role.", valueName: "role"))
    var role: RoleChoice

    @Option(help: ArgumentHelp("For an action lead: their lead organisation, e.g. Council.", valueName: "name"))
    var organisation: String?

    @Flag(help: "Print the reply as JSON.")
    var json = false

    // Not `ConnectionOptions`: --key here is the person's public key; the operator's own key is theirs
    // by default, else --as NAME or SEND_KEY_FILE.
    @OptionGroup var directories: DirectoryOptions

    @Option(help: ArgumentHelp("Seconds to wait for each answer.", valueName: "seconds"))
    var timeout: Double = 5

    @Option(name: .customLong("as"), help: ArgumentHelp("Present your key NAME (~/.config/send-partnership/NAME.key) "
        + "instead of your default one (or SEND_KEY_FILE).", valueName: "name"))
    var keyName: String?

    /// The connection options these amount to.
    func connection() throws -> ConnectionOptions {
        var arguments = ["--timeout", String(timeout)]
        if let run = directories.runDir { arguments += ["--run-dir", run] }
        if let data = directories.dataDir { arguments += ["--data-dir", data] }
        if let keyName { arguments += ["--as", keyName] }
        return try ConnectionOptions.parse(arguments)
    }

    func run() async throws {
        var args: [String: JSONValue] = ["key": .string(key), "post": .string(post), "role": .string(role.role.rawValue)]
        if let organisation { args["organisation"] = .string(organisation) }
        let conn = Connection(options: try connection())
        let result = try await conn.call(ServiceName.supervisor, "people.add", .object(args))
        let person = try result.decode(Person.self)
        let late = await conn.waitUntilRegisterRead()
        if json { Output.json(result); return }
        print("Registered \(person.personID): \(PeopleList.describe(person)). Their key is accepted from now on.")
        PeopleAdd.sayLate(late)
    }

    /// Names the services that had not read the register's change within the timeout.
    static func sayLate(_ late: [String]) {
        if !late.isEmpty {
            print("(\(late.joined(separator: ", ")) had not read it yet within --timeout; \(late.count == 1 ? "it follows" : "they follow") "
                + "the supervisor and will shortly.)")
        }
    }
}

struct PeopleRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke a person's key: every service refuses it from now on.",
        discussion: """
            Refused at the handshake, and on the next request of a connection already open. A revoked key is never \
            taken back: the person makes a new one (`sendctl keys new --force`) and you register it. The last operator \
            cannot be revoked (exit 65): register another first.
            """
    )

    @Argument(help: "The person, e.g. P-3 (see `sendctl people list`).")
    var person: String

    @Flag(help: "Print the reply as JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    /// The supervisor's answer to `people.revoke`.
    struct Revoked: Decodable {
        var person: String
        var revokedAt: String
        var changed: Bool

        enum CodingKeys: String, CodingKey { case person, revokedAt = "revoked_at", changed }
    }

    func run() async throws {
        let conn = Connection(options: connection)
        let result = try await conn.call(ServiceName.supervisor, "people.revoke", ["person": .string(person)])
        let revoked = try result.decode(Revoked.self)
        let late = revoked.changed ? await conn.waitUntilRegisterRead() : []
        if json { Output.json(result); return }
        if revoked.changed {
            print("Revoked \(revoked.person) at \(revoked.revokedAt): every service refuses its key from now on.")
        } else {
            print("Nothing changed: \(revoked.person) was revoked already, at \(revoked.revokedAt).")
        }
        PeopleAdd.sayLate(late)
    }
}

struct PeopleList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List every person of the register, revoked ones too, in the order they were added."
    )

    @Flag(help: "Print the reply as JSON (with each public key).")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let result = try await Connection(options: connection).call(ServiceName.supervisor, "people.list")
        if json { Output.json(result); return }
        let people = try PeopleList.people(result)
        if people.isEmpty {
            print("Nobody is registered. A person makes a key with `sendctl keys new`; register it with `sendctl people add`.")
            return
        }
        Output.table(["person", "role", "post", "organisation", "added", "revoked"], people.map { p in
            [p.personID, p.role.rawValue, p.post, p.organisation ?? "-", PeopleList.minute(p.addedAt), p.revokedAt.map(PeopleList.minute) ?? "-"]
        })
        let revoked = people.filter { $0.revokedAt != nil }.count
        print("\n\(Plural.of(Int64(people.count), "person", "people"))" + (revoked > 0 ? ", \(revoked) revoked" : ""))
    }

    /// The people of a `people.list` reply.
    static func people(_ result: JSONValue) throws -> [Person] {
        try (result["people"] ?? .array([])).decode([Person].self)
    }

    /// "action_lead, Head of SEND (Council)".
    static func describe(_ p: Person) -> String {
        "\(p.role.rawValue), \(p.post)" + (p.organisation.map { " (\($0))" } ?? "")
    }

    /// `2026-11-29T15:02:07.123Z` → `2026-11-29 15:02`.
    static func minute(_ instant: String) -> String {
        guard instant.count >= 16 else { return instant }
        return instant.prefix(16).replacingOccurrences(of: "T", with: " ")
    }
}

extension Connection {
    /// Waits (at most --timeout) until each running service that follows the supervisor has read
    /// the supervisor's events up to now — the register's last change with them; returns those that had not.
    func waitUntilRegisterRead() async -> [String] {
        guard case .success(let supervisor) = await result(ServiceName.supervisor, "health", timeout: options.timeout),
              let last = supervisor["last_seq"]?.intValue else { return [] }
        let deadline = Date().addingTimeInterval(options.timeout)
        var late: [String] = []
        for service in ServiceName.managed {
            while true {
                let health = await result(service, "health", timeout: 1)
                // A service that is not running reads the register when it starts: nothing to wait for.
                guard case .success(let h) = health, let cursor = h["follows"]?[ServiceName.supervisor]?["cursor"]?.intValue else { break }
                if cursor >= last { break }
                if Date() >= deadline { late.append(service); break }
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
        return late
    }
}
