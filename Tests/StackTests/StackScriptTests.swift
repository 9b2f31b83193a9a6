import Foundation
import SendModel
import SendRuntime
import TestSupport
import Testing

/// `deploy/stack` as an operator runs it, on the debug build (SEND_BIN_DIR: no install, no release build).
@Suite("deploy/stack", .serialized)
struct StackScriptTests {
    let script = "\(repositoryRoot)/deploy/stack"

    /// The operator's own configuration directory (where `up` makes their key) is the test's.
    func environment(_ dir: TestDirectory) -> [String: String] {
        ["SEND_RUN_DIR": dir.run, "SEND_DATA_DIR": dir.data, "SEND_BIN_DIR": Binaries.directory, "SEND_STACK_CONFIG": "",
         "XDG_CONFIG_HOME": "\(dir.path)/home-config"]
    }

    @Test("up --detach brings the four services and the portal to ready; status shows them; a second up refuses; down leaves nothing")
    func upStatusDown() throws {
        let dir = TestDirectory()
        let env = environment(dir)
        defer {
            _ = try? runTool(script, ["down"], environment: env, directory: dir)
            Stack.killLeftovers(dir)
            dir.remove()
        }

        let up = try runTool(script, ["up", "--detach"], environment: env, directory: dir)
        #expect(up.status == 0, "up failed:\n\(up.output)")
        #expect(up.output.contains("SEND Partnership is running in the background"))
        #expect(up.output.contains("sockets:  \(dir.run)/<service>.cmd and .pub"))
        #expect(up.output.contains("logs:     \(dir.data)/logs/<service>.log"))

        // The operator's key: made by `up`, said in one line, registered by the supervisor as P-1.
        let keyPath = "\(dir.path)/home-config/send-partnership/key"
        let operatorKey = try KeyFile.read(keyPath).publicKey
        #expect(up.output.contains("operator: your key \(keyPath) (public key \(operatorKey), made now) is the stack's first operator, "
            + "if its register has none yet\n"), "\(up.output)")
        let register = try runTool(Binaries.path("sendctl"), ["people", "list", "--json"] + dir.flags, environment: env, directory: dir)
        #expect(register.status == 0, "the operator's own key cannot read the register:\n\(register.output)")
        let people = try (JSONValue.parse(register.output)["people"] ?? .null).decode([Person].self)
        #expect(people.first?.personID == "P-1" && people.first?.role == .operator && people.first?.key == operatorKey, "\(register.output)")

        let status = try runTool(Binaries.path("sendctl"), ["status"] + dir.flags, directory: dir)
        #expect(status.status == 0)
        for name in ServiceName.supervised {
            #expect(status.output.split(separator: "\n").contains { $0.hasPrefix(name) && $0.contains("running") },
                    "\(name) is not shown running:\n\(status.output)")
        }
        let json = try JSONValue.parse(try runTool(Binaries.path("sendctl"), ["status", "--json"] + dir.flags,
                                                   directory: dir).output)
        #expect(json["ready"]?.boolValue == true)
        let pids = (json["services"]?.arrayValue ?? []).compactMap { $0["pid"]?.intValue.map { Int32($0) } }
        #expect(pids.count == 5, "the four services and the portal")
        let supervisor = try #require(json["supervisor"]?["pid"]?.intValue.map { Int32($0) })

        let again = try runTool(script, ["up", "--detach"], environment: env, directory: dir)
        #expect(again.status == 1)
        #expect(again.output.contains("the stack is already running on \(dir.run) (supervisor pid \(supervisor)); nothing changed"))
        let after = try JSONValue.parse(try runTool(Binaries.path("sendctl"), ["status", "--json"] + dir.flags,
                                                    directory: dir).output)
        #expect((after["services"]?.arrayValue ?? []).compactMap { $0["pid"]?.intValue.map { Int32($0) } } == pids)

        let stackStatus = try runTool(script, ["status"], environment: env, directory: dir)
        #expect(stackStatus.status == 0, "\(stackStatus.output)")
        #expect(stackStatus.output.contains("notifications  running"))

        let logs = try runTool(script, ["logs", "board"], environment: env, directory: dir)
        #expect(logs.output.contains("board ready pid="))

        let down = try runTool(script, ["down"], environment: env, directory: dir)
        #expect(down.status == 0, "down failed:\n\(down.output)")
        #expect(down.output.contains("stopped: no process of the stack and no socket file left in \(dir.run)"))
        for pid in pids + [supervisor] { #expect(!isAlive(pid), "pid \(pid) is still running") }
        #expect(Stack.sockets(dir) == [])

        let stopped = try runTool(Binaries.path("sendctl"), ["status"] + dir.flags, directory: dir)
        #expect(stopped.status == 69)
        #expect(stopped.output.contains("supervisor is not running"))
        let downAgain = try runTool(script, ["down"], environment: env, directory: dir)
        #expect(downAgain.status == 0)
        #expect(downAgain.output.contains("not running"))

        // Up again on the same directories: the same key, not made again, still the operator (nobody added twice).
        let upAgain = try runTool(script, ["up", "--detach"], environment: env, directory: dir)
        #expect(upAgain.status == 0, "up failed:\n\(upAgain.output)")
        #expect(upAgain.output.contains("operator: your key \(keyPath) (public key \(operatorKey)) is the stack's first operator"), "\(upAgain.output)")
        let registerAgain = try runTool(Binaries.path("sendctl"), ["people", "list", "--json"] + dir.flags, environment: env, directory: dir)
        let peopleAgain = try (JSONValue.parse(registerAgain.output)["people"] ?? .null).decode([Person].self)
        #expect(peopleAgain.map(\.role) == [.operator, .portal], "\(registerAgain.output)")
        #expect(try runTool(script, ["down"], environment: env, directory: dir).status == 0)
    }
}
