import ArgumentParser
import Foundation
import SendModel

/// `sendctl actions import FILE`: a tracker of actions with their progress updates, all or nothing.
struct ActionsImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import actions with their dated progress updates (last year's tracker) from a JSON file: all or nothing.",
        discussion: """
            The file is {"import_id"?, "actions": [{…the fields of actions create…, "updates": [{"on", "note", "author_role", \
            "evidence"?, "status"?, "reason"?}]}]} (or the array of actions alone); the format is in docs/PROTOCOL.md \
            (actions.import). A file larger than --chunk-bytes goes in several requests, each holding whole actions: every \
            request is checked first, and nothing is recorded unless all are valid. Importing the same file (or import_id) \
            again records nothing. Exit 65 when the file is refused (the bad fields are named by their path in the file).
            """)

    @Argument(help: "The JSON file.") var file: String
    @Option(help: "At most this many bytes of actions per request (the service refuses requests over its limit, 16 MiB by default).")
    var chunkBytes = 8 << 20
    @Flag(help: "Print the combined result as JSON.") var json = false
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard (1_000...(1 << 30)).contains(chunkBytes) else { throw ValidationError("--chunk-bytes must be 1000 to 1073741824") }
    }

    func run() async throws {
        let bytes = try readInputFile(file)
        let parsed: JSONValue
        do { parsed = try JSONValue.parse(bytes) } catch {
            throw ValidationError("\(file) is not valid JSON: \(error)")
        }
        let actions: [JSONValue]
        var importID: String?
        if let array = parsed.arrayValue {
            actions = array
        } else if let list = parsed["actions"]?.arrayValue {
            actions = list
            importID = parsed["import_id"]?.stringValue
        } else {
            throw ValidationError("\(file) holds no actions: it is {\"actions\": [...]} or an array of actions (docs/PROTOCOL.md, actions.import)")
        }
        guard !actions.isEmpty else { throw ValidationError("\(file) holds no actions") }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { hash = (hash ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        let hex = String(hash, radix: 16)
        let fileHash = String(repeating: "0", count: 16 - hex.count) + hex
        let id = importID ?? "file-\(fileHash)"

        // Whole actions per request, up to --chunk-bytes each.
        var chunks: [(first: Int, actions: [JSONValue])] = []
        var size = 0
        for (i, action) in actions.enumerated() {
            let n = action.jsonString.utf8.count + 1
            if chunks.isEmpty || (size + n > chunkBytes && !chunks[chunks.count - 1].actions.isEmpty) {
                chunks.append((i, []))
                size = 0
            }
            chunks[chunks.count - 1].actions.append(action)
            size += n
        }
        let total = chunks.count
        let nonce = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        func args(_ k: Int, check: Bool) -> JSONValue {
            var o: [String: JSONValue] = ["import_id": .string(id), "actions": .array(chunks[k].actions),
                                          "first_index": .int(Int64(chunks[k].first))]
            if total > 1 { o["chunk"] = .int(Int64(k + 1)); o["chunks"] = .int(Int64(total)) }
            if check { o["check_only"] = true }
            return .object(o)
        }
        let conn = Connection(options: connection)
        func call(_ k: Int, check: Bool) async throws -> JSONValue {
            let requestID = "actions.import-\(fileHash)-\(nonce)-\(check ? "check-" : "")\(k + 1)of\(total)"
            switch await conn.result(ServiceName.board, "actions.import", args(k, check: check), id: requestID,
                                     timeout: max(connection.timeout, 300)) {
            case .success(let value): return value
            case .failure(let error):
                if let e = error as? ServiceError, e.code == .badRequest {
                    printError("sendctl: request \(k + 1) of \(total) (actions \(chunks[k].first + 1)–\(chunks[k].first + chunks[k].actions.count) "
                        + "of the file) was refused: \(e.message); try a smaller --chunk-bytes")
                    throw ExitCode(64)
                }
                if total > 1 && !check && k > 0 {
                    printError("sendctl: requests 1–\(k) of \(total) were imported; run the same command again to import the rest (nothing is imported twice)")
                }
                throw Connection.exit(for: error)
            }
        }
        // Several requests: check them all before recording any, so a bad action anywhere changes nothing.
        if total > 1 {
            for k in 0..<total { _ = try await call(k, check: true) }
        }
        var sums: [String: Int64] = [:]
        var ids: [JSONValue] = []
        var already = 0
        var messages: [String] = []
        for k in 0..<total {
            let r = try await call(k, check: false)
            if r["imported"]?.boolValue == false { already += 1 }
            for key in ["actions", "updates", "status_changes"] { sums[key, default: 0] += r[key]?.intValue ?? 0 }
            ids += r["action_ids"]?.arrayValue ?? []
            messages.append(r["message"]?.cell ?? "")
        }
        if json {
            var o: [String: JSONValue] = sums.mapValues { .int($0) }
            o["import_id"] = .string(id)
            o["requests"] = .int(Int64(total))
            o["already_imported"] = .int(Int64(already))
            o["imported"] = .bool(already < total)
            o["action_ids"] = .array(ids)
            return Output.json(.object(o))
        }
        if already == total {
            print("\(file): \(id) was already imported; nothing changed")
            return
        }
        let first = ids.first?.cell ?? "", last = ids.last?.cell ?? ""
        print("\(file): imported \(Plural.of(sums["actions"] ?? 0, "action")) (\(first)–\(last)) with "
            + "\(Plural.of(sums["updates"] ?? 0, "progress update")) and \(Plural.of(sums["status_changes"] ?? 0, "status change"))"
            + (total > 1 ? " in \(total) requests" : "") + (already > 0 ? " (\(already) already imported before)" : ""))
        print("see them with: sendctl actions list")
    }
}
