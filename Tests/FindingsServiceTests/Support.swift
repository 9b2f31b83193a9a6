import Foundation
import GRDB
import SendModel
import SendRuntime
import TestSupport
@testable import FindingsService

/// The package's root, from this file's place in it.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

let demoReportPath = repositoryRoot.appendingPathComponent("deploy/demo/lancashire-2017-report.json").path

func demoReport() throws -> JSONValue {
    try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: demoReportPath))))
}

func date(_ text: String) -> LocalDate {
    guard let d = LocalDate(iso: text) else { fatalError("bad test date \(text)") }
    return d
}

/// A copy of `value` with the element at `path` (keys and array indexes) replaced, or removed when `with` is nil.
func edited(_ value: JSONValue, _ path: [Any], with replacement: JSONValue?) -> JSONValue {
    guard let head = path.first else { return replacement ?? .null }
    let rest = Array(path.dropFirst())
    switch (value, head) {
    case (.object(var o), let key as String):
        if rest.isEmpty && replacement == nil { o.removeValue(forKey: key) } else { o[key] = edited(o[key] ?? .null, rest, with: replacement) }
        return .object(o)
    case (.array(var a), let index as Int):
        if rest.isEmpty && replacement == nil { a.remove(at: index) } else { a[index] = edited(a[index], rest, with: replacement) }
        return .array(a)
    default:
        fatalError("cannot follow \(head) in \(value.typeName)")
    }
}

/// The service's database opened in-process, for testing the domain without sockets.
final class DomainDatabase {
    let directory = TestDirectory()
    let pool: DatabasePool
    let settings: FindingsSettings

    init(settings: FindingsSettings = FindingsSettings()) throws {
        self.settings = settings
        try FileManager.default.createDirectory(atPath: directory.data, withIntermediateDirectories: true)
        pool = try ServiceDatabase.open(path: "\(directory.data)/findings.sqlite", migrations: FindingStore.registerMigrations)
    }

    /// Runs one change in its own transaction (rolled back when it throws) and returns its result and events.
    func change(today: String = "2026-01-05", _ body: (JSONValue, Change) throws -> JSONValue, _ args: JSONValue) throws -> (result: JSONValue, events: [DomainEvent]) {
        try pool.write { db in
            let change = Change(db: db, today: date(today), settings: settings)
            let result = try body(args, change)
            return (result, change.events)
        }
    }

    /// The `ServiceError` a change throws, or nil if it succeeds.
    func refusal(today: String = "2026-01-05", _ body: (JSONValue, Change) throws -> JSONValue, _ args: JSONValue) -> ServiceError? {
        do {
            _ = try change(today: today, body, args)
            return nil
        } catch let error as ServiceError {
            return error
        } catch {
            return ServiceError(.internal, "\(error)")
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T { try pool.read(body) }

    func findings(_ args: JSONValue = [:]) throws -> [JSONValue] {
        try read { db in try Queries.findings(db, args) }["findings"]?.arrayValue ?? []
    }

    func findingIDs(_ args: JSONValue = [:]) throws -> [String] {
        try findings(args).compactMap { $0["finding_id"]?.stringValue }
    }

    func close() {
        try? pool.close()
        directory.remove()
    }
}

/// A real `findings-intake` process in its own directory, and a client for it.
final class LiveFindings {
    let directory = TestDirectory()
    let process: ServiceProcess
    let client: TestClient

    init(environment: [String: String] = [:]) throws {
        process = try ServiceProcess("findings-intake", directory.flags, directory: directory, environment: environment)
        client = try TestClient(directory)
        guard client.waitReady(ServiceName.findings) else {
            throw ServiceError(.unavailable, "findings-intake did not become ready: \(process.output)")
        }
    }

    func call(_ command: String, _ args: JSONValue = [:]) throws -> JSONValue {
        try client.call(ServiceName.findings, command, args)
    }

    /// The error a command answers with, or nil when it succeeds.
    func refusal(_ command: String, _ args: JSONValue) throws -> ServiceError? {
        let reply = try client.send(ServiceName.findings, Request(id: RequestID.make(), command: command, args: args))
        if case .failure(let error) = reply.outcome { return error }
        return nil
    }

    /// Runs the built `sendctl` against this service; returns its exit status and its output (stdout and stderr).
    func sendctl(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let p = try ServiceProcess("sendctl", arguments + directory.flags, directory: directory, label: "sendctl")
        let status = p.waitForExit(timeout: 30) ?? -1
        return (status, p.output)
    }

    func write(_ name: String, _ value: JSONValue) -> String {
        let path = "\(directory.path)/\(name)"
        _ = FileManager.default.createFile(atPath: path, contents: Data(value.jsonBytes))
        return path
    }

    func stop() {
        client.close()
        process.stop()
        directory.remove()
    }
}
