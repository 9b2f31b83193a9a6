import Foundation
import SendModel
import SendRuntime
import Testing
import TestSupport

/// Who can reach the stack and read its data: only the stack's own user.
@Suite("Security: sockets and data private to the stack's user", .serialized)
struct SecurityTests {
    static var canSwitchUser: Bool {
        geteuid() == 0 && getpwnam("nobody") != nil && FileManager.default.isExecutableFile(atPath: "/usr/sbin/runuser")
    }

    @Test("the run directory, its sockets and locks, the data directory, databases and logs are private (0700 directories, no access for group or others)")
    func filesArePrivate() throws {
        let stack = try ProofStack()
        defer { stack.finish() }
        #expect(stack.waitReady(), "the stack did not become ready:\n\(stack.startupReport)")
        _ = try stack.client.call(ServiceName.findings, "findings.import", smallReport(1), timeout: 30)
        let me = geteuid()

        for (root, role) in [(stack.dir.run, "run directory"), (stack.dir.data, "data directory")] {
            let m = try #require(fileMode(root))
            #expect(m.mode == 0o700, "the \(role) \(root) is mode \(String(m.mode, radix: 8))")
            #expect(m.uid == me)
        }
        // Every socket, lock, database, journal and log, and every directory below the two.
        var sockets: [String] = []
        var publicKeys: [String] = []
        var checked = 0
        let stackPublic = try stack.dir.stackKeys().publicKey
        let portalPublic = try KeyFile.read(stack.dir.directories.portalKeyPath).publicKey
        for root in [stack.dir.run, stack.dir.data] {
            let e = try #require(FileManager.default.enumerator(atPath: root))
            while let name = e.nextObject() as? String {
                let path = "\(root)/\(name)"
                let m = try #require(fileMode(path))
                checked += 1
                #expect(m.uid == me, "\(path) belongs to uid \(m.uid)")
                if m.type == S_IFDIR {
                    #expect(m.mode == 0o700, "\(path) is a directory of mode \(String(m.mode, radix: 8))")
                } else if m.type == S_IFSOCK {
                    sockets.append(name)
                    #expect(m.mode & 0o077 == 0, "the socket \(path) is mode \(String(m.mode, radix: 8))")
                } else if root == stack.dir.run && name.hasSuffix(".public") {
                    // A command socket's public key (what a client needs to know the server): readable,
                    // written only by the stack's user, and holding the public key alone.
                    publicKeys.append(name)
                    #expect(m.mode & 0o133 == 0, "\(path) is mode \(String(m.mode, radix: 8)) (want 0644 or tighter)")
                    let text = try String(contentsOfFile: path, encoding: .utf8)
                    let key = name == "\(ServiceName.portal).public" ? portalPublic : stackPublic
                    #expect(text == "\(key)\n", "\(path) does not hold the public key it serves with (\(text.count) characters)")
                    #expect(!text.contains("secret"), "\(path)")
                } else {
                    #expect(m.mode & 0o177 == 0, "\(path) is mode \(String(m.mode, radix: 8)) (want 0600 or tighter)")
                }
            }
        }
        // The portal publishes nothing: it has a command socket (health) only.
        let expected = (ServiceName.managed + [ServiceName.supervisor]).flatMap { ["\($0).cmd", "\($0).pub"] } + ["\(ServiceName.portal).cmd"]
        #expect(Set(sockets) == Set(expected))
        #expect(Set(publicKeys) == Set((ServiceName.managed + [ServiceName.supervisor, ServiceName.portal]).map { "\($0).public" }))
        for service in ServiceName.managed + [ServiceName.supervisor] {
            #expect(FileManager.default.fileExists(atPath: "\(stack.dir.data)/\(service).sqlite"))
        }
        #expect(FileManager.default.fileExists(atPath: "\(stack.dir.data)/logs/findings.log"))
        print("checked \(checked) paths under the run and data directories; sockets: \(sockets.sorted().joined(separator: " "))")
    }

    @Test("a client running as `nobody` cannot connect to any service's sockets, even with the run directory opened up, and an open command socket refuses it without a key; nothing is recorded",
          .enabled(if: SecurityTests.canSwitchUser, "needs root, the user nobody and runuser (CI runs as root)"))
    func otherUserIsRefused() throws {
        // The test's own directory is opened up, so that only the stack's permissions stand in the way.
        let dir = TestDirectory()
        chmod(dir.path, 0o755)
        let stack = try ProofStack(directory: dir)
        defer { stack.finish() }
        #expect(stack.waitReady(), "the stack did not become ready:\n\(stack.startupReport)")
        _ = try stack.client.call(ServiceName.findings, "findings.import", smallReport(1), timeout: 30)
        let all = ServiceName.managed + [ServiceName.supervisor]
        #expect(stack.client.waitSettled())
        let before = all.map { stack.client.lastSeq($0) }

        let script = try worldReadableCopy("other_user_client.py", dir: dir)
        let attempts = all.map { service in "\(service)=\(Self.attack(service).jsonString)" }
        /// `key`: a key file `nobody` can read, presented as SEND_KEY_FILE; nil: no key at all.
        func runAsNobody(_ runDir: String, _ specs: [String], key: String? = nil) throws -> [JSONValue] {
            let run = try runTool("/usr/sbin/runuser", ["-u", "nobody", "--", "/usr/bin/env"] + (key.map { ["SEND_KEY_FILE=\($0)"] } ?? [])
                                  + ["python3", script, runDir] + specs, directory: dir, timeout: 120)
            #expect(run.status == 0 && !run.timedOut, "\(run.output)")
            print("as nobody against \(runDir):\n\(run.output)", terminator: "")
            return run.output.split(separator: "\n").compactMap { try? JSONValue.parse(String($0)) }
        }

        // Control: a service whose sockets are left open to others. Without a key, the same client
        // connects but its command socket refuses it at the handshake (CURVE): no reply, nothing done;
        // its PUB socket (not CURVE) is open to it. With a key the service knows (a copy of the
        // control's stack key, readable by nobody), the same client is answered.
        let open = TestDirectory()
        let control = try ServiceProcess("send-bench", ["serve", "--name", "open"] + open.flags, directory: open)
        defer { control.stop(); open.remove() }
        let openClient = try TestClient(open)
        defer { openClient.close() }
        #expect(openClient.waitReady("open"))
        for path in [open.path, open.run] { chmod(path, 0o755) }
        for name in ["open.cmd", "open.pub"] { chmod("\(open.run)/\(name)", 0o777) }
        let appendRequest: JSONValue = ["v": 1, "id": "nobody-append", "command": "append", "args": ["payload": "from nobody"]]
        let keyless = try runAsNobody(open.run, ["open=\(appendRequest.jsonString)"])
        #expect(keyless.first?["uid"]?.intValue == 65534)
        #expect(keyless.first?["key"]?.stringValue == "none", "\(keyless)")
        #expect(keyless.first?["cmd_connect"]?.stringValue == "ok", "the control is broken: \(keyless)")
        let hasZMQ = keyless.first?["zmq"]?.boolValue == true
        if hasZMQ {
            // A plain client meets a CURVE server: failed_protocol (the mechanisms differ), or, when the
            // server saw it first and closed the connection, a failure with no detail.
            #expect(["failed_protocol", "failed"].contains(keyless.first?["handshake"]?.stringValue ?? "none"), "\(keyless)")
            #expect(keyless.first?["replies"]?.intValue == 0 && (keyless.first?["events"]?.intValue ?? 0) > 0, "\(keyless)")
            #expect(try openClient.call("open", "count")["count"]?.intValue == 0, "an append without a key was done")
        }
        let key = "\(dir.path)/scripts/open.key"
        try FileManager.default.copyItem(atPath: open.stackKeyPath, toPath: key)
        chmod(key, 0o644)
        let reached = try runAsNobody(open.run, ["open=\(appendRequest.jsonString)"], key: key)
        #expect(reached.first?["key"]?.stringValue == "curve", "\(reached)")
        #expect(reached.first?["cmd_connect"]?.stringValue == "ok", "the control is broken: \(reached)")
        if hasZMQ {
            #expect(reached.first?["handshake"]?.stringValue == "succeeded", "\(reached)")
            #expect(reached.first?["replies"]?.intValue == 2 && (reached.first?["events"]?.intValue ?? 0) > 0, "\(reached)")
            #expect(try openClient.call("open", "count")["count"]?.intValue == 1, "the control's append did not arrive")
        }

        // The stack as it runs: the run directory is 0700.
        for result in try runAsNobody(dir.run, attempts) {
            let service = result["service"]?.stringValue ?? "?"
            #expect(result["cmd_connect"]?.stringValue == "EACCES", "\(service): \(result)")
            #expect(result["pub_connect"]?.stringValue == "EACCES", "\(service): \(result)")
            #expect((result["replies"]?.intValue ?? 0) == 0 && (result["events"]?.intValue ?? 0) == 0, "\(service): \(result)")
        }
        // The second wall: with the run directory opened to others, the sockets themselves refuse.
        chmod(dir.run, 0o755)
        let second = try runAsNobody(dir.run, attempts)
        chmod(dir.run, 0o700)
        #expect(second.count == all.count)
        for result in second {
            let service = result["service"]?.stringValue ?? "?"
            #expect(result["cmd_connect"]?.stringValue == "EACCES", "\(service): \(result)")
            #expect(result["pub_connect"]?.stringValue == "EACCES", "\(service): \(result)")
            #expect((result["replies"]?.intValue ?? 0) == 0 && (result["events"]?.intValue ?? 0) == 0, "\(service): \(result)")
        }

        // Nothing was recorded, nothing stopped.
        #expect(all.map { stack.client.lastSeq($0) } == before)
        #expect(throws: ServiceError.self) { try stack.client.call(ServiceName.findings, "inspections.show", ["inspection_id": "INS-proof-99"]) }
        #expect(try stack.status()["ready"]?.boolValue == true)
        #expect(stack.supervisor.isRunning)
    }

    /// What `nobody` tries to do to each service: a write that would show.
    static func attack(_ service: String) -> JSONValue {
        let request: (String, JSONValue) = switch service {
        case ServiceName.findings: ("findings.import", smallReport(99))
        case ServiceName.supervisor: ("stop", [:])
        case ServiceName.comms: ("families.import", ["csv": "family_ref,child_ref,ehc_plan,consent\nNOBODY-1,C1,yes,yes\n"])
        case ServiceName.board: ("kpis.add", ["name": "Added by nobody", "unit": "count", "baseline": 10, "target": 5,
                                               "direction": "lower_is_better"])
        default: ("health", [:])
        }
        return ["v": 1, "id": .string("nobody-\(service)"), "command": .string(request.0), "args": request.1]
    }

    /// Copies a script of Tests/Protocol where any user can read it; returns its path.
    func worldReadableCopy(_ script: String, dir: TestDirectory) throws -> String {
        let folder = "\(dir.path)/scripts"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        chmod(folder, 0o755)
        let path = "\(folder)/\(script)"
        try FileManager.default.copyItem(atPath: "\(Python.protocolDirectory)/\(script)", toPath: path)
        chmod(path, 0o644)
        return path
    }
}
