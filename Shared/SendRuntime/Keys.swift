public import SendModel
public import ZeroMQ
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A CURVE key pair in a file of its own (mode 0600):
///
///     # SEND Partnership key (CURVE). Keep this file private; give only the public key to an operator.
///     public-key = rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7
///     secret-key = JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6
///
/// `sendctl keys new` writes one for the person at the terminal; the stack keeps its own
/// (`<data>/keys/stack.key`) and the portal's (`<data>/keys/portal.key`).
public enum KeyFile {
    /// `$XDG_CONFIG_HOME/send-partnership` (else `~/.config/send-partnership`): where a person's keys live.
    public static func configDirectory(environment: [String: String] = currentEnvironment()) -> String {
        if let xdg = environment["XDG_CONFIG_HOME"], !xdg.isEmpty { return "\(xdg)/send-partnership" }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        return "\(home)/.config/send-partnership"
    }

    /// The file of the key called `name` (`key` for the default one, `NAME.key` otherwise).
    public static func personalPath(_ name: String? = nil, environment: [String: String] = currentEnvironment()) -> String {
        "\(configDirectory(environment: environment))/\(name.map { "\($0).key" } ?? "key")"
    }

    /// Reads a key file; the error says what is wrong with it.
    public static func read(_ path: String) throws(StartupError) -> CurveKeyPair {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw StartupError("cannot read the key file \(path): \(String(cString: strerror(errno)))")
        }
        var secret: String?
        for line in text.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2 && parts[0] == "secret-key" { secret = parts[1] }
        }
        guard let secret, let pair = CurveKeyPair(secretKey: secret) else {
            throw StartupError("the key file \(path) holds no CURVE secret key (a line `secret-key = ` and 40 Z85 characters)")
        }
        return pair
    }

    /// Writes a new key pair to `path` (mode 0600, its directory 0700), never over an existing file.
    public static func create(_ path: String) throws(StartupError) -> CurveKeyPair {
        let pair: CurveKeyPair
        do { pair = try CurveKeyPair.generate() } catch { throw StartupError("cannot make a CURVE key pair: \(error)") }
        let directory = (path as NSString).deletingLastPathComponent
        try RuntimeDirectories.makeDirectories(directory, role: "key directory")
        let text = """
            # SEND Partnership key (CURVE). Keep this file private; give only the public key to an operator.
            public-key = \(pair.publicKey)
            secret-key = \(pair.secretKey)

            """
        // Written aside, then linked into place: a second process making the same key at the same
        // moment finds the first one's file and uses it.
        let temporary = "\(path).\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StartupError("cannot write the key file \(path): \(String(cString: strerror(errno)))") }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        defer { unlink(temporary) }
        guard written == bytes.count && synced else { throw StartupError("cannot write the key file \(path): \(String(cString: strerror(errno)))") }
        if link(temporary, path) != 0 {
            if errno == EEXIST { throw StartupError("the key file \(path) already exists; it was not replaced") }
            throw StartupError("cannot write the key file \(path): \(String(cString: strerror(errno)))")
        }
        return pair
    }

    /// The key at `path`, made first when there is none.
    public static func readOrCreate(_ path: String) throws(StartupError) -> CurveKeyPair {
        if access(path, F_OK) == 0 { return try read(path) }
        do {
            return try create(path)
        } catch {
            if access(path, F_OK) == 0 { return try read(path) }
            throw error
        }
    }

    /// Writes a public key to `path` (replacing it atomically): what clients read to know a server.
    public static func writePublic(_ key: String, to path: String) throws(StartupError) {
        let temporary = "\(path).\(getpid()).tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data("\(key)\n".utf8), attributes: [.posixPermissions: 0o644]),
              rename(temporary, path) == 0 else {
            unlink(temporary)
            throw StartupError("cannot write the public key file \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// The key in a public key file, or nil.
    public static func readPublic(_ path: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let key = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return Curve.isKey(key) ? key : nil
    }
}

extension RuntimeDirectories {
    /// `<data>/keys`: the stack's own key and the portal's.
    public var keysDirectory: String { "\(data)/keys" }
    /// The stack's key pair: every service's command socket serves with it, and the stack's own
    /// processes use it as clients of each other.
    public var stackKeyPath: String { "\(keysDirectory)/stack.key" }
    /// family-portal's key pair (role `portal`), made and registered by the supervisor.
    public var portalKeyPath: String { "\(keysDirectory)/portal.key" }
    /// `<run>/<service>.public`: the public key a service's command socket serves with, written when it binds.
    public func publicKeyPath(_ service: String) -> String { "\(run)/\(service).public" }

    /// The public key of `service`'s command socket: `<run>/<service>.public`, else the stack's own
    /// key when this process can read it (a stack process connecting before the service first ran).
    public func serverKey(_ service: String) -> String? {
        if let key = KeyFile.readPublic(publicKeyPath(service)) { return key }
        if service != ServiceName.portal, access(stackKeyPath, R_OK) == 0, let pair = try? KeyFile.read(stackKeyPath) { return pair.publicKey }
        return nil
    }
}

/// The key a client process presents: set once by the stack's processes (their own key), else
/// found from the environment for a person (`SEND_KEY_FILE`, else `~/.config/send-partnership/key`).
public enum ClientIdentity {
    private static let assigned = Mutex<CurveKeyPair?>(nil)

    /// Makes `keys` this process's identity for every client it opens from now on.
    public static func assign(_ keys: CurveKeyPair) { assigned.withLock { $0 = keys } }

    /// The identity of this process: the assigned one, else `SEND_KEY_FILE`, else the person's
    /// default key file, else — for the user who owns the stack's data directory — the stack's own
    /// key (whoever can read `<data>/keys/stack.key` holds every database already).
    public static func current(environment: [String: String] = currentEnvironment(),
                               directories: RuntimeDirectories? = nil) throws(ServiceError) -> CurveKeyPair {
        if let keys = assigned.withLock({ $0 }) { return keys }
        var path: String
        if let file = environment["SEND_KEY_FILE"], !file.isEmpty {
            path = file
        } else {
            path = KeyFile.personalPath(environment: environment)
            if access(path, F_OK) != 0 {
                let stack = (directories ?? RuntimeDirectories.resolve(runDir: nil, dataDir: nil, environment: environment)).stackKeyPath
                guard access(stack, R_OK) == 0 else {
                    throw ServiceError(.forbidden, "no key: \(path) does not exist. Make one with `sendctl keys new` and ask an operator "
                        + "to register its public key (`sendctl people add --key …`), or name a key file with --key or SEND_KEY_FILE")
                }
                path = stack
            }
        }
        do {
            return try KeyFile.read(path)
        } catch {
            throw ServiceError(.forbidden, error.message)
        }
    }
}
