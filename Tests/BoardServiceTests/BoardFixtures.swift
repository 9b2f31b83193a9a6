import Foundation
import GRDB
import SendModel
import SendRuntime
import TestSupport
@testable import BoardService

/// A board database in a private test directory, to run the domain's rules in-process exactly as
/// the service's writer runs them: each write in one transaction, its events kept only if it commits.
final class BoardDatabase {
    let directory: TestDirectory
    let pool: DatabasePool
    var today: LocalDate
    /// Who makes the next writes (default: the service itself).
    var actor: Actor = .stack(ServiceName.board)
    private(set) var events: [(type: String, data: JSONValue)] = []
    private var findingsSeq: Int64 = 0

    init(today: String = "2026-03-02", directory: TestDirectory = TestDirectory()) throws {
        self.directory = directory
        try directory.directories.prepare()
        pool = try ServiceDatabase.open(path: directory.directories.databasePath(ServiceName.board),
                                        migrations: (try BoardService.definition()).migrations)
        self.today = LocalDate(iso: today)!
    }

    @discardableResult
    func write<T>(_ body: (BoardChange) throws -> T) throws -> T {
        let box = EventBox()
        let today = self.today
        let actor = self.actor
        let result = try pool.write { db in
            try body(BoardChange(db: db, today: today, now: Timestamp.now(), actor: actor, emit: { box.items.append(($0, $1)) }))
        }
        events += box.items
        return result
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T { try pool.read(body) }

    /// Runs a write command's function, for example `Actions.create`.
    @discardableResult
    func run(_ command: (BoardChange, JSONValue) throws -> JSONValue, _ args: JSONValue) throws -> JSONValue {
        try write { try command($0, args) }
    }

    /// Applies an event of the findings service, as the follower does.
    func findingsEvent(_ type: String, _ data: JSONValue) throws {
        findingsSeq += 1
        let event = Event(source: ServiceName.findings, seq: findingsSeq, type: type, at: Timestamp.now(), data: data)
        try write { try FindingsReadModel.apply($0, event) }
    }

    func seedArticle() throws {
        for (type, data) in SeedArticle.events { try findingsEvent(type, data) }
    }

    func events(_ type: String) -> [JSONValue] { events.filter { $0.type == type }.map(\.data) }

    /// The events of `P`'s type, decoded as a follower decodes them.
    func payloads<P: EventPayload>(_ type: P.Type) throws -> [P] {
        try events.filter { P.accepts($0.type) }.map { try $0.data.decode(P.self) }
    }

    func close() {
        try? pool.close()
        directory.remove()
    }

    private final class EventBox { var items: [(type: String, data: JSONValue)] = [] }
}

/// The 2017 Lancashire inspection of the seed article, as the findings service would announce it.
enum SeedArticle {
    static let inspectionID = "INS-0001"

    /// (id, kind, theme, summary)
    static let findings: [(String, String, String, String)] = [
        ("F-0001", "fundamental_failing", "Co-production",
         "Children, young people and their families are not at the heart of the delivery of the SEND reforms"),
        ("F-0002", "fundamental_failing", "Leadership",
         "Leaders have failed to work together to deliver the SEND reforms"),
        ("F-0003", "area_of_significant_weakness", "Autism pathway",
         "Autism spectrum disorder pathways, where they exist, do not comply with NICE guidelines"),
        ("F-0004", "area_of_significant_weakness", "Exclusions",
         "The number of school exclusions is unacceptable and continues to rise"),
        ("F-0005", "area_of_significant_weakness", "Health services post-16",
         "There are not enough commissioned health services for young people with SEN and/or disabilities beyond the age of 16"),
        ("F-0006", "area_of_significant_weakness", "Engagement with parents",
         "Leaders fail to engage effectively with parents and carers"),
        ("F-0007", "strength", "Attendance",
         "High attendance rates for children and young people with SEN support and with an EHC plan"),
        ("F-0008", "area_for_improvement", "Culture",
         "The culture and focus have begun to change; joint solutions are emerging"),
    ]

    static var events: [(String, JSONValue)] {
        var list: [(String, JSONValue)] = [(EventType.inspectionRecorded, [
            "inspection_id": .string(inspectionID), "local_area": "Lancashire", "framework": "2016",
            "outcome": "wsoa_required", "published": "2018-01-23",
            "deadlines": ["wsoa_due": "2018-05-10"],
        ])]
        for (id, kind, theme, summary) in findings {
            list.append((EventType.findingRecorded, [
                "finding_id": .string(id), "inspection_id": .string(inspectionID), "kind": .string(kind),
                "theme": .string(theme), "summary": .string(summary), "bodies": ["local_authority", "health_commissioners"],
            ]))
        }
        return list
    }

    /// The weaknesses the board must cover.
    static var required: [String] {
        findings.filter { FindingsReadModel.requiredKinds.contains($0.1) }.map(\.0)
    }
}

/// Arguments of a complete, valid action.
func actionArgs(_ findings: [String] = ["F-0003"], start: String = "2026-01-05", due: String = "2026-06-30",
                title: String = "Redesign the autism pathway", lead: String = "Lancashire County Council") -> JSONValue {
    [
        "title": .string(title),
        "description": "One pathway that follows NICE guidance",
        "finding_ids": .array(findings.map { .string($0) }),
        "lead_organisation": .string(lead),
        "sponsoring_director": "Director of Children's Services",
        "action_lead": "Designated Clinical Officer",
        "start": .string(start),
        "due": .string(due),
        "success_criteria": "Every referral is seen on a NICE-compliant pathway",
    ]
}

/// The repository's root, for files it ships (the demo plan).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

func demoPlan() throws -> JSONValue {
    try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: "\(repositoryRoot)/deploy/demo/board-plan.json"))))
}

/// The `ServiceError` a throwing call raised, or nil.
func serviceError(_ body: () throws -> Any) -> ServiceError? {
    do { _ = try body(); return nil } catch let e as ServiceError { return e } catch { return ServiceError(.internal, "\(error)") }
}

/// A real `board-actions` process in its own directory, with the findings read model seeded
/// through the service's own follow handler before it starts (the findings service is not
/// part of these tests; `BoardEndToEndTests` runs both).
final class BoardProcess {
    let directory = TestDirectory()
    private(set) var process: ServiceProcess?
    let client: TestClient

    init(seedArticle: Bool = true) throws {
        client = try TestClient(directory)
        if seedArticle {
            let db = try BoardDatabase(directory: directory)
            try db.seedArticle()
            try db.pool.close()
        }
    }

    /// Starts the service with today's date and waits until it answers.
    func start(today: String, environment: [String: String] = [:]) throws {
        var env = environment
        env["SEND_TODAY"] = today
        let p = try ServiceProcess("board-actions", directory.flags, directory: directory, environment: env)
        process = p
        guard client.waitReady(ServiceName.board) else {
            throw ServiceError(.unavailable, "board-actions did not start: \(p.output)")
        }
    }

    func stop() {
        process?.stop()
        process = nil
    }

    @discardableResult
    func call(_ command: String, _ args: JSONValue = [:]) throws -> JSONValue {
        try client.call(ServiceName.board, command, args)
    }

    func events(_ type: String) throws -> [JSONValue] {
        try client.allEvents(ServiceName.board).filter { $0.type == type }.map(\.data)
    }

    /// The board's events of `P`'s type, decoded as a follower decodes them.
    func payloads<P: EventPayload>(_ type: P.Type) throws -> [P] {
        try client.allEvents(ServiceName.board).filter { P.accepts($0.type) }.map { try $0.decode(as: P.self) }
    }

    /// Runs `sendctl` against this directory: exit status, standard output, standard error.
    func sendctl(_ arguments: [String], today: String = "2026-03-02") throws -> (status: Int32, out: String, err: String) {
        let run = try ChildRun.run(Binaries.path("sendctl"), arguments + directory.flags, environment: ["SEND_TODAY": today], timeout: 60)
        return (run.status, run.stdout, run.stderr)
    }

    func finish() {
        stop()
        client.close()
        directory.remove()
    }
}
