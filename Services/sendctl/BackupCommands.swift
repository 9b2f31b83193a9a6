import ArgumentParser
import Foundation
import SendModel
import SendRuntime
import ZeroMQ

/// `sendctl backup --out DIR`: a copy of every service's database while the stack serves.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy every service's database into DIR/send-backup-<UTC time>, with a manifest restore checks.",
        discussion: """
            The copies are taken while the stack keeps serving, followers before their sources, each one consistent; \
            everything acknowledged before the backup started is in it. Files are 0600 in a 0700 directory; with \
            --recipient (or SEND_BACKUP_RECIPIENT) each copy is encrypted with age and the plain copy never touches the disk. \
            Secret keys are not copied. Put it back with `sendctl restore` (deploy/stack restore).
            --check is a drill for any time, with the stack running: the same restore into a scratch directory, \
            checked, then removed. \
            Exit codes: 0 done; 64 bad usage; 69 a service is not running; 70 a copy failed; 73 DIR cannot be written; \
            77 your key may not (operator only).
            """
    )

    @Option(help: ArgumentHelp("The directory that holds the backups (made 0700 when missing).", valueName: "dir"))
    var out: String

    @Option(help: ArgumentHelp("Keep only the newest N backups in DIR (never removing the new one).", valueName: "n"))
    var keep: Int?

    @Option(help: ArgumentHelp("Encrypt the copies to this age public key (default: SEND_BACKUP_RECIPIENT).", valueName: "age1…"))
    var recipient: String?

    @Flag(help: "Print the manifest as JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if let keep, keep < 1 { throw ValidationError("--keep must be at least 1 (the new backup is always kept); got \(keep)") }
        if let recipient, !recipient.hasPrefix("age1") { throw ValidationError("--recipient must be an age public key (age1…, as age-keygen prints)") }
    }

    func run() async throws {
        let environment = currentEnvironment()
        let recipient = recipient ?? environment["SEND_BACKUP_RECIPIENT"].flatMap { $0.isEmpty ? nil : $0 }
        let out = RuntimeDirectories(run: self.out, data: self.out).run
        let connection = connection
        let keep = keep
        let result: Result<StackBackup.Outcome, BackupError> = await runOnThread {
            let identity: CurveKeyPair
            do { identity = try connection.identity() } catch {
                return .failure(BackupError(.forbidden, "\(error)"))
            }
            var backup = StackBackup(directories: connection.directories.directories, identity: identity)
            backup.timeout = max(connection.timeout, 600)
            return Result { () throws(BackupError) in try backup.run(out: out, recipient: recipient, keep: keep) }
        }
        let outcome = try result.mapError(BackupExit.exit(for:)).get()
        if json {
            Output.json(try JSONValue(encoding: outcome.manifest))
            return
        }
        print("backup: \(outcome.path)" + (outcome.manifest.recipient.map { " (encrypted to \($0))" } ?? ""))
        for copy in outcome.manifest.services {
            let last = copy.lastSeq == 0 ? "no events yet" : "last event \(copy.lastSeq)"
            print("  \(copy.service): \(copy.file), \(BackupExit.size(copy.bytes)), \(last)")
        }
        for path in outcome.pruned { print("removed the older backup \(path)") }
    }
}

/// `sendctl restore DIR`: a backup put back into an empty data directory (offline).
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Put a backup back into an empty data directory (the stack stopped); deploy/stack restore then starts it.",
        discussion: """
            Checks every file's size and SHA-256, the manifest's order and, once decrypted, each database's integrity and \
            log position; refuses, changing nothing, a data directory that is not empty, a running stack, or a damaged or \
            incomplete backup, naming the file. Each restored database gets a new log identity; followers catch up from \
            their restored cursors. Secret keys are not in a backup: the stack makes new ones at its next start.
            --check is a drill for any time, with the stack running: the same restore into a scratch directory, \
            checked, then removed. \
            Exit codes: 0 done; 64 bad usage (an encrypted backup and no --identity); 65 the backup is damaged or the \
            identity does not open it; 66 no backup there (no manifest.json); 70 internal error; 73 the data directory is \
            not empty or the stack is running.
            """
    )

    @Argument(help: ArgumentHelp("The backup's directory (send-backup-…).", valueName: "dir"))
    var backup: String

    @Option(help: ArgumentHelp("The age identity file of an encrypted backup (default: SEND_BACKUP_IDENTITY).", valueName: "file"))
    var identity: String?

    @Flag(help: "A drill: restore into a scratch directory, check everything, remove it; the data directory is not touched.")
    var check = false

    @OptionGroup var directories: DirectoryOptions

    func run() async throws {
        let identity = identity ?? currentEnvironment()["SEND_BACKUP_IDENTITY"].flatMap { $0.isEmpty ? nil : $0 }
        if check { return try await drill(identity: identity) }
        let restore = StackRestore(directories: directories.directories)
        let backup = backup
        let result: Result<StackRestore.Outcome, BackupError> = await runOnThread {
            Result { () throws(BackupError) in try restore.run(from: backup, identity: identity) }
        }
        let outcome = try result.mapError(BackupExit.exit(for:)).get()
        print("restored \(backup) (taken \(outcome.manifest.startedAt)) into \(restore.directories.data)")
        for copy in outcome.manifest.services {
            let last = copy.lastSeq == 0 ? "no events" : "events up to \(copy.lastSeq)"
            print("  \(copy.service): \(copy.service).sqlite, \(last), new log identity \(outcome.incarnations[copy.service]?.now ?? "?")")
        }
        print("Start the stack (deploy/stack up): it makes new keys for itself and the portal; followers catch up from their restored cursors.")
    }

    /// `--check`: the whole restore, into a private scratch directory beside nothing else, then removed.
    private func drill(identity: String?) async throws {
        var template = Array("\(NSTemporaryDirectory())/send-restore-check-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            printError("sendctl: cannot make a scratch directory in \(NSTemporaryDirectory())")
            throw ExitCode(73)
        }
        let scratch = String(cString: template.withUnsafeBufferPointer { $0.baseAddress! })
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let restore = StackRestore(directories: RuntimeDirectories(run: "\(scratch)/run", data: "\(scratch)/data"))
        let backup = backup
        let result: Result<StackRestore.Outcome, BackupError> = await runOnThread {
            Result { () throws(BackupError) in try restore.run(from: backup, identity: identity) }
        }
        let outcome = try result.mapError(BackupExit.exit(for:)).get()
        let events = outcome.manifest.services.map { "\($0.service) \($0.lastSeq == 0 ? "no events" : "to event \($0.lastSeq)")" }
        print("\(backup) (taken \(outcome.manifest.startedAt)) restores: every file's checksum, every database's integrity and "
            + "log position checked (\(events.joined(separator: ", "))); the scratch copy is removed, nothing else was touched")
    }
}

enum BackupExit {
    /// Prints the error and returns sendctl's exit code for it.
    static func exit(for error: BackupError) -> ExitCode {
        printError("sendctl: \(error.message)")
        switch error.kind {
        case .usage: return ExitCode(64)
        case .damaged: return ExitCode(65)
        case .noBackup: return ExitCode(66)
        case .unavailable: return ExitCode(69)
        case .destination: return ExitCode(73)
        case .forbidden: return ExitCode(77)
        default: return ExitCode(70)
        }
    }

    /// "812 bytes", "4.2 MB", as a person reads a size.
    static func size(_ bytes: Int64) -> String {
        if bytes < 1000 { return Plural.of(bytes, "byte") }
        let units = ["kB", "MB", "GB", "TB"]
        var value = Double(bytes) / 1000
        var unit = 0
        while value >= 1000 && unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return String(format: value < 10 ? "%.1f" : "%.0f", value) + " " + units[unit]
    }
}
