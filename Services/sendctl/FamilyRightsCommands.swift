import ArgumentParser
import Foundation
import SendModel
import SendReports

/// `sendctl families export`: a subject access request answered as two files to send the family.
struct FamiliesExport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export",
        abstract: "Write everything held about a family (or web enquirer) as <DIR>/<ref>.json and a readable <DIR>/<ref>.html to send them.",
        discussion: """
            For a subject access request: contact details, choices, children, every message (its words while still kept),
            answers to named questionnaires and enquiries with their answers. Answers to anonymous questionnaires are not in
            it: nothing links them to a family. Both files are written readable by you alone (mode 0600).
            """)

    @Argument(help: "The family reference (or a web enquirer's, web:…).")
    var familyRef: String

    @Option(help: ArgumentHelp("The directory to write the two files into (created if needed).", valueName: "DIR"))
    var out: String

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let result = try await Connection(options: connection).call(ServiceName.comms, "families.export", ["family_ref": .string(familyRef)])
        let record: FamilyExport
        do {
            record = try result.decode(FamilyExport.self)
        } catch {
            printError("sendctl: comms answered families.export with a record this sendctl cannot read: \(error)")
            throw ExitCode(70)
        }
        // The reference may hold '/', which a file name cannot.
        let stem = record.familyRef.map { $0 == "/" ? "_" : $0 }.map(String.init).joined()
        do {
            try PrivateFile.makeDirectory(out)
            let json = "\(out)/\(stem).json", html = "\(out)/\(stem).html"
            try PrivateFile.write(Array((result.prettyJSON + "\n").utf8), to: json)
            try PrivateFile.write(Array(FamilyRecordPage.render(record).utf8), to: html)
            print("wrote \(json) and \(html) (readable by you only)")
        } catch {
            printError("sendctl: \(error)")
            throw ExitCode(73)
        }
        if let erasure = record.erasure {
            print("family \(record.familyRef) was erased on \(erasure.erasedAt.prefix(10)): the files say so and hold only what is kept")
        } else {
            print("\(Plural.of(Int64(record.messages.count), "message")), \(Plural.of(Int64(record.answers.count), "named reply", "named replies")), "
                + "\(Plural.of(Int64(record.enquiries.count), "enquiry", "enquiries")); answers to anonymous questionnaires cannot be linked "
                + "to the family and are not included")
        }
    }
}

/// `sendctl families erase`: the family's personal data removed from comms for good.
struct FamiliesErase: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "erase",
        abstract: "Erase a family's (or web enquirer's) personal data from comms for good; counts and statuses stay.",
        discussion: """
            Removes the name, contact details, opt-out reason, the words of every message, enquiry texts and answers, and the
            family's answers to named questionnaires (choice answers are kept without a name, so results do not change;
            free-text answers are deleted). The reference stays as a record that the family was erased: a later import of
            it is refused. Asks nothing: the reason is required instead. Backups taken before keep the data until they are
            pruned (sendctl backup --keep).
            """)

    @Argument(help: "The family reference (or a web enquirer's, web:…).")
    var familyRef: String

    @Option(help: "Why (kept in comms only, for example \"the family asked on 2 March 2026\").")
    var reason: String?

    @Flag(help: "Print the reply as JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard let reason, !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ValidationError("--reason is required: say why the family's data is erased (it is kept in comms only)")
        }
    }

    func run() async throws {
        let result = try await Connection(options: connection).call(ServiceName.comms, "families.erase",
                                                                     ["family_ref": .string(familyRef), "reason": .string(reason ?? "")])
        if json { Output.json(result); return }
        let r: FamilyErasureResult
        do {
            r = try result.decode(FamilyErasureResult.self)
        } catch {
            printError("sendctl: comms answered families.erase with a reply this sendctl cannot read: \(error)")
            throw ExitCode(70)
        }
        if r.already {
            print("family \(r.familyRef) was already erased on \(r.erasedAt.prefix(10)); nothing more to erase")
            return
        }
        let c = r.counts
        print("family \(r.familyRef) erased:")
        print("  \(Plural.of(Int64(c.contactDetails), "contact detail")) (name, email, mobile, address, opt-out reason)")
        print("  \(Plural.of(Int64(c.children), "child's reference", "children's references"))")
        print("  the words of \(Plural.of(Int64(c.messages), "message")) and \(Plural.of(Int64(c.attemptDetails), "delivery detail"))")
        print("  \(Plural.of(Int64(c.enquiries), "enquiry", "enquiries")) (text and answer)")
        print("  \(Plural.of(Int64(c.replies), "named reply", "named replies")): \(Plural.of(Int64(c.answersKept), "answer")) kept without a name, "
            + "\(Plural.of(Int64(c.freeTextDeleted), "free-text answer")) deleted")
        print("  \(Plural.of(Int64(c.spoolFiles), "spool file"))")
        print(r.secureDelete ? "erased values are overwritten in the database (secure_delete is on)"
                             : "warning: secure_delete was off: erased values may stay in the database file's free space until it is vacuumed")
        print("backups taken before now still hold the family's data until they are pruned (sendctl backup --keep)")
    }
}

/// Files only their owner may read: personal data written out of comms.
enum PrivateFile {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Creates `path` (mode 0700) when it does not exist.
    static func makeDirectory(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw Failure(description: "\(path) is not a directory") }
            return
        }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    /// Writes `bytes` to `path` with mode 0600, atomically (a temporary file beside it, then rename).
    static func write(_ bytes: [UInt8], to path: String) throws {
        let temporary = "\(path).\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure(description: "cannot write \(path): \(String(cString: strerror(errno)))") }
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let why = String(cString: strerror(errno))
                close(fd)
                unlink(temporary)
                throw Failure(description: "cannot write \(path): \(why)")
            }
            written += n
        }
        fchmod(fd, 0o600)
        fsync(fd)
        close(fd)
        guard rename(temporary, path) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(temporary)
            throw Failure(description: "cannot write \(path): \(why)")
        }
    }
}
