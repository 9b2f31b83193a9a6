import SendModel
public import SendRuntime
import Foundation

/// The stack's configuration (`deploy/stack.json`): the services in start order, the restart
/// policy, and how long a service has to become ready and to stop.
public struct StackConfig: Sendable, Hashable {
    /// One service the supervisor runs.
    public struct Service: Sendable, Hashable {
        /// The service name: the stem of `<run>/<name>.cmd`, its lock and its log file.
        public var name: String
        /// A file name beside the supervisor's binary (or in `--bin-dir`), or an absolute path.
        public var executable: String
        public var args: [String]
        /// Added to the supervisor's own environment for this service only.
        public var env: [String: String]

        public init(name: String, executable: String, args: [String] = [], env: [String: String] = [:]) {
            self.name = name
            self.executable = executable
            self.args = args
            self.env = env
        }
    }

    public var services: [Service]
    public var restart: RestartPolicy
    /// How long a started service has to answer `health` before it counts as a failed start.
    public var readyTimeoutMillis: Int64
    /// How long a service has between SIGTERM and SIGKILL (to its process group) when stopped.
    public var stopTimeoutMillis: Int64
    /// A running service that shows no life (heartbeat or `health`) for this long is killed and restarted; 0: no watchdog.
    public var watchdogSeconds: Int64
    /// Added to the environment of every service (a service's own `env` wins).
    public var env: [String: String]

    public init(services: [Service], restart: RestartPolicy = RestartPolicy(), readyTimeoutMillis: Int64 = 10_000,
                stopTimeoutMillis: Int64 = 5_000, watchdogSeconds: Int64 = 10, env: [String: String] = [:]) {
        self.services = services
        self.restart = restart
        self.readyTimeoutMillis = readyTimeoutMillis
        self.stopTimeoutMillis = stopTimeoutMillis
        self.watchdogSeconds = watchdogSeconds
        self.env = env
    }

    public func service(_ name: String) -> Service? { services.first { $0.name == name } }

    /// The environment of one service: the supervisor's, then the stack's `env`, then the service's.
    public func environment(for service: Service, base: [String: String]) -> [String: String] {
        var result = base
        for (k, v) in env { result[k] = v }
        for (k, v) in service.env { result[k] = v }
        return result
    }
}

// MARK: - Reading

extension StackConfig {
    /// `deploy/stack.json` as shipped: the configuration used when no file is given, so that
    /// `deploy/stack up` works from a fresh clone. A test keeps the two identical.
    public static let embeddedDefaultText = """
        {
          "services": [
            {"name": "findings", "executable": "findings-intake", "args": [], "env": {}},
            {"name": "board", "executable": "board-actions", "args": [], "env": {}},
            {"name": "comms", "executable": "parent-comms", "args": [], "env": {}},
            {"name": "notifications", "executable": "notifications", "args": [], "env": {}},
            {"name": "portal", "executable": "family-portal", "args": [], "env": {}}
          ],
          "restart": {
            "backoff_initial_ms": 100,
            "backoff_max_ms": 10000,
            "intensity": 5,
            "period_s": 60
          },
          "ready_timeout_ms": 10000,
          "stop_timeout_ms": 5000,
          "watchdog_seconds": 10,
          "env": {}
        }

        """

    /// The embedded default, parsed.
    public static var embeddedDefault: StackConfig {
        // The text is a constant checked by the tests; it always parses.
        try! parse(embeddedDefaultText, source: "the embedded default")
    }

    /// Where the configuration comes from: `--config PATH`, else `SEND_STACK_CONFIG`, else the embedded default.
    public static func load(path: String?, environment: [String: String]) throws(StartupError) -> (config: StackConfig, source: String) {
        let chosen = path ?? environment["SEND_STACK_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        guard let chosen else { return (embeddedDefault, "embedded default") }
        guard let data = FileManager.default.contents(atPath: chosen) else {
            let why = FileManager.default.fileExists(atPath: chosen) ? "cannot be read" : "does not exist"
            throw StartupError("the stack configuration \(chosen) \(why); give a readable file with --config or SEND_STACK_CONFIG, "
                + "or neither to use the embedded default")
        }
        return (try parse(String(decoding: data, as: UTF8.self), source: chosen), chosen)
    }

    /// Parses and checks a configuration; every bad value is reported with its key (`restart.intensity`).
    public static func parse(_ text: String, source: String) throws(StartupError) -> StackConfig {
        let json: JSONValue
        do {
            json = try JSONValue.parse(text)
        } catch {
            throw StartupError("the stack configuration \(source) is not valid JSON: \(error)")
        }
        var errors: [FieldError] = []
        let config = read(json, errors: &errors)
        guard errors.isEmpty, let config else {
            let list = errors.map(\.description).joined(separator: "; ")
            throw StartupError("the stack configuration \(source) is invalid: \(list)")
        }
        return config
    }

    private static func read(_ json: JSONValue, errors: inout [FieldError]) -> StackConfig? {
        let v = Validator(json)
        unknownKeys(json, allowed: ["services", "restart", "ready_timeout_ms", "stop_timeout_ms", "watchdog_seconds", "env"], path: "", errors: &errors)
        var services: [Service] = []
        var itemValidators: [Validator] = []
        if let raw = v.raw("services") {
            if let items = raw.arrayValue {
                if items.isEmpty { v.fail("services", "must list at least one service") }
                var seen: Set<String> = []
                for (i, rawItem) in items.enumerated() {
                    let path = "services[\(i)]"
                    guard rawItem.objectValue != nil else {
                        v.failAt(path, "must be an object with name, executable, args and env, got \(rawItem.typeName)")
                        continue
                    }
                    let item = Validator(rawItem, path: path)
                    itemValidators.append(item)
                    unknownKeys(rawItem, allowed: ["name", "executable", "args", "env"], path: path, errors: &errors)
                    let name = item.string("name", maxLength: 32)
                    if let name {
                        if !isServiceName(name) {
                            item.fail("name", "'\(name)' is not a service name (lower-case letters, digits and '-', starting with a letter)")
                        } else if name == ServiceName.supervisor {
                            item.fail("name", "'supervisor' is the supervisor's own name; give the service another")
                        } else if !seen.insert(name).inserted {
                            item.fail("name", "'\(name)' is listed twice")
                        }
                    }
                    let executable = item.string("executable", maxLength: 4096)
                    if let executable, !executable.hasPrefix("/") && executable.contains("/") {
                        item.fail("executable", "'\(executable)' must be a file name (found beside send-supervisor or in --bin-dir) or an absolute path")
                    }
                    let args = item.has("args") ? item.stringArray("args") : []
                    let env = environment(rawItem["env"], path: "\(path).env", errors: &errors)
                    if item.errors.isEmpty, let name, let executable, let args, let env {
                        services.append(Service(name: name, executable: executable, args: args, env: env))
                    }
                }
            } else {
                v.fail("services", "must be an array of services, got \(raw.typeName)")
            }
        } else {
            v.fail("services", "is required: the services to run, in start order")
        }
        var restart = RestartPolicy()
        if let r = v.object("restart", required: false) {
            unknownKeys(json["restart"] ?? .null, allowed: ["backoff_initial_ms", "backoff_max_ms", "intensity", "period_s"],
                        path: "restart", errors: &errors)
            if let n = r.int("backoff_initial_ms", required: false, range: 1...600_000) { restart.initialBackoffMillis = n }
            if let n = r.int("backoff_max_ms", required: false, range: 1...3_600_000) { restart.maxBackoffMillis = n }
            if let n = r.int("intensity", required: false, range: 0...10_000) { restart.intensity = Int(n) }
            if let n = r.int("period_s", required: false, range: 1...86_400) { restart.periodMillis = n * 1000 }
            if restart.maxBackoffMillis < restart.initialBackoffMillis {
                r.fail("backoff_max_ms", "must be at least backoff_initial_ms (\(restart.initialBackoffMillis)), got \(restart.maxBackoffMillis)")
            }
        }
        let ready = v.int("ready_timeout_ms", required: false, range: 100...3_600_000) ?? 10_000
        let stop = v.int("stop_timeout_ms", required: false, range: 100...3_600_000) ?? 5_000
        let watchdog = v.int("watchdog_seconds", required: false, range: 0...3_600) ?? 10
        let env = environment(json["env"], path: "env", errors: &errors)
        errors = v.errors + itemValidators.flatMap(\.errors) + errors
        guard errors.isEmpty, let env else { return nil }
        return StackConfig(services: services, restart: restart, readyTimeoutMillis: ready, stopTimeoutMillis: stop,
                           watchdogSeconds: watchdog, env: env)
    }

    /// An `env` object: variable names to string values.
    private static func environment(_ value: JSONValue?, path: String, errors: inout [FieldError]) -> [String: String]? {
        guard let value, !value.isNull else { return [:] }
        guard let fields = value.objectValue else {
            errors.append(FieldError(field: path, message: "must be an object of variable names to strings, got \(value.typeName)"))
            return nil
        }
        var result: [String: String] = [:]
        var ok = true
        for key in fields.keys.sorted() {
            let isName = !key.isEmpty && key.utf8.allSatisfy { c in
                (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x5F
            } && !(key.utf8.first! >= 0x30 && key.utf8.first! <= 0x39)
            guard isName else {
                errors.append(FieldError(field: "\(path).\(key)", message: "is not an environment variable name (letters, digits and '_')"))
                ok = false
                continue
            }
            if key == "SEND_RUN_DIR" || key == "SEND_DATA_DIR" {
                errors.append(FieldError(field: "\(path).\(key)", message: "is set by the supervisor (its own --run-dir and --data-dir); remove it"))
                ok = false
                continue
            }
            guard let s = fields[key]?.stringValue else {
                errors.append(FieldError(field: "\(path).\(key)", message: "must be a string, got \(fields[key]!.typeName)"))
                ok = false
                continue
            }
            result[key] = s
        }
        return ok ? result : nil
    }

    private static func unknownKeys(_ value: JSONValue, allowed: Set<String>, path: String, errors: inout [FieldError]) {
        guard let fields = value.objectValue else { return }
        for key in fields.keys.sorted() where !allowed.contains(key) {
            let known = allowed.sorted().joined(separator: ", ")
            errors.append(FieldError(field: path.isEmpty ? key : "\(path).\(key)", message: "is not a known key (known: \(known))"))
        }
    }

    /// Lower-case letters, digits and '-', starting with a letter: safe in a socket path and a file name.
    static func isServiceName(_ name: String) -> Bool {
        guard let first = name.utf8.first, first >= 0x61 && first <= 0x7A else { return false }
        return name.utf8.allSatisfy { c in (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x2D }
    }
}
