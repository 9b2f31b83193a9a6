import Foundation
import SendModel
import SendRuntime
import SupervisorService
import TestSupport
import Testing

@Suite("The stack configuration")
struct StackConfigTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The parse error's message, or nil when the text parses.
    func error(_ text: String) -> String? {
        do throws(StartupError) {
            _ = try StackConfig.parse(text, source: "test.json")
            return nil
        } catch {
            return error.message
        }
    }

    @Test("the embedded default is deploy/stack.json, byte for byte")
    func embeddedDefaultIsTheShippedFile() throws {
        let file = try String(contentsOfFile: Self.repository.appendingPathComponent("deploy/stack.json").path, encoding: .utf8)
        #expect(file == StackConfig.embeddedDefaultText)
    }

    @Test("the default runs the four services in the order of the design, then the portal, with the issue's restart policy")
    func defaultConfiguration() {
        let config = StackConfig.embeddedDefault
        #expect(config.services.map(\.name) == ServiceName.supervised)
        #expect(config.services.map(\.executable) == ["findings-intake", "board-actions", "parent-comms", "notifications", "family-portal"])
        #expect(config.restart == RestartPolicy(initialBackoffMillis: 100, maxBackoffMillis: 10_000, intensity: 5, periodMillis: 60_000))
        #expect(config.stopTimeoutMillis == 5_000)
        #expect(config.readyTimeoutMillis == 10_000)
        #expect(config.watchdogSeconds == 10)
    }

    @Test("watchdog_seconds: 10 when absent, 0 turns it off, a negative or huge value is refused with the key named")
    func watchdogSeconds() throws {
        let base = #"{"services": [{"name": "findings", "executable": "findings-intake"}]"#
        #expect(try StackConfig.parse(base + "}", source: "t").watchdogSeconds == 10)
        #expect(try StackConfig.parse(base + #", "watchdog_seconds": 0}"#, source: "t").watchdogSeconds == 0)
        #expect(error(base + #", "watchdog_seconds": -1}"#)?.contains("watchdog_seconds: must be between 0 and 3600, got -1") == true)
        #expect(error(base + #", "watchdog_seconds": 86400}"#)?.contains("watchdog_seconds") == true)
    }

    @Test("a bad value is refused with its key named")
    func badValuesNameTheirKey() throws {
        let message = try #require(error("""
            {"services": [{"name": "findings", "executable": "findings-intake"}],
             "restart": {"intensity": -1, "backoff_initial_ms": "fast"}, "stop_timeout_ms": 0}
            """))
        #expect(message.contains("test.json"))
        #expect(message.contains("restart.intensity: must be between 0 and 10000, got -1"))
        #expect(message.contains("restart.backoff_initial_ms: must be a whole number"))
        #expect(message.contains("stop_timeout_ms: must be between 100"))
    }

    @Test("a misspelt key is refused, not ignored")
    func unknownKeys() throws {
        let message = try #require(error("""
            {"services": [{"name": "findings", "executable": "findings-intake", "environment": {}}], "stop_timout_ms": 100}
            """))
        #expect(message.contains("stop_timout_ms: is not a known key"))
        #expect(message.contains("services[0].environment: is not a known key"))
    }

    @Test("services: required, named once, with an executable and string environment values")
    func serviceEntries() throws {
        #expect(error(#"{"restart": {}}"#)?.contains("services: is required") == true)
        #expect(error(#"{"services": []}"#)?.contains("services: must list at least one service") == true)
        let message = try #require(error("""
            {"services": [
              {"name": "findings", "executable": "findings-intake"},
              {"name": "findings", "executable": "board-actions"},
              {"name": "Board!", "executable": "../board-actions"},
              {"name": "comms", "executable": "parent-comms", "env": {"SEND_MAX_REQUEST_BYTES": 5}},
              {"name": "supervisor", "executable": "send-supervisor"},
              "notifications"
            ]}
            """))
        #expect(message.contains("services[1].name: 'findings' is listed twice"))
        #expect(message.contains("services[2].name: 'Board!' is not a service name"))
        #expect(message.contains("services[2].executable: '../board-actions' must be a file name"))
        #expect(message.contains("services[3].env.SEND_MAX_REQUEST_BYTES: must be a string, got a number"))
        #expect(message.contains("services[4].name: 'supervisor' is the supervisor's own name"))
        #expect(message.contains("services[5]: must be an object"))
    }

    @Test("the run and data directories are the supervisor's, not the configuration's")
    func directoriesCannotBeConfigured() throws {
        let message = try #require(error(#"{"services": [{"name": "a", "executable": "a"}], "env": {"SEND_RUN_DIR": "/x"}}"#))
        #expect(message.contains("env.SEND_RUN_DIR: is set by the supervisor"))
    }

    @Test("text that is not JSON says so")
    func notJSON() {
        #expect(error("services = findings")?.contains("test.json is not valid JSON") == true)
    }

    @Test("a service's environment wins over the stack's, which wins over the supervisor's")
    func environmentLayers() throws {
        let config = try StackConfig.parse("""
            {"services": [{"name": "a", "executable": "a", "env": {"X": "service"}}], "env": {"X": "stack", "Y": "stack"}}
            """, source: "t")
        let env = config.environment(for: config.services[0], base: ["X": "base", "Y": "base", "Z": "base"])
        #expect(env == ["X": "service", "Y": "stack", "Z": "base"])
    }

    @Test("--config wins over SEND_STACK_CONFIG, which wins over the embedded default")
    func whereTheConfigurationComesFrom() throws {
        let dir = TestDirectory()
        let a = "\(dir.path)/a.json"
        let b = "\(dir.path)/b.json"
        try #"{"services": [{"name": "a", "executable": "a"}]}"#.write(toFile: a, atomically: true, encoding: .utf8)
        try #"{"services": [{"name": "b", "executable": "b"}]}"#.write(toFile: b, atomically: true, encoding: .utf8)
        #expect(try StackConfig.load(path: a, environment: ["SEND_STACK_CONFIG": b]).config.services[0].name == "a")
        #expect(try StackConfig.load(path: nil, environment: ["SEND_STACK_CONFIG": b]).config.services[0].name == "b")
        let embedded = try StackConfig.load(path: nil, environment: [:])
        #expect(embedded.source == "embedded default")
        #expect(embedded.config == StackConfig.embeddedDefault)
        do throws(StartupError) {
            _ = try StackConfig.load(path: "\(dir.path)/missing.json", environment: [:])
            Issue.record("a missing file was accepted")
        } catch {
            #expect(error.message.contains("\(dir.path)/missing.json does not exist"))
        }
        dir.remove()
    }

    @Test("a service whose executable is missing stops the supervisor before it starts, naming the key")
    func missingExecutable() throws {
        let config = try StackConfig.parse(#"{"services": [{"name": "a", "executable": "no-such-program"}]}"#, source: "t")
        do throws(StartupError) {
            _ = try SupervisorService.definition(config: config, configSource: "t", binDirectory: "/nonexistent")
            Issue.record("a missing executable was accepted")
        } catch {
            #expect(error.message.contains("services[0].executable: no executable file /nonexistent/no-such-program"))
        }
    }
}
