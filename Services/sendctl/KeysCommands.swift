import ArgumentParser
import Foundation
import SendModel
import SendRuntime
import ZeroMQ

/// `sendctl keys new|show`: the CURVE key pair of the person at this terminal, kept in
/// `$XDG_CONFIG_HOME/send-partnership/` (else `~/.config/send-partnership/`). Nothing is sent.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Make or show your own key: every service lets in only keys an operator has registered.",
        discussion: """
            Your key is a file only you can read (mode 0600): KEY_DIR/key, or KEY_DIR/NAME.key with --name, where KEY_DIR \
            is $XDG_CONFIG_HOME/send-partnership (else ~/.config/send-partnership). sendctl presents it on every command \
            (another: --key FILE, or --as NAME). Give its public key, never the file, to an operator, who registers it \
            with your post and role (`sendctl people add`).
            """,
        subcommands: [KeysNew.self, KeysShow.self]
    )
}

/// `--name NAME`: which of the person's keys.
struct KeyNameOption: ParsableArguments {
    @Option(help: ArgumentHelp("The key's name: the file NAME.key beside the default key, used with `sendctl --as NAME` "
        + "(letters, digits, '.', '-' and '_'; default: the default key).", valueName: "name"))
    var name: String?

    func validate() throws {
        guard let name else { return }
        let allowed = name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }
        guard allowed, !name.isEmpty, name.count <= 64, !name.hasPrefix(".") else {
            throw ValidationError("--name '\(name)': use letters, digits, '.', '-' and '_' (at most 64, not starting with '.'), e.g. --name chair")
        }
    }

    /// The key file this names.
    var path: String { KeyFile.personalPath(name) }

    /// `sendctl keys show` or `sendctl keys show --name chair`: what to type for this key.
    func command(_ words: String) -> String { "sendctl keys \(words)" + (name.map { " --name \($0)" } ?? "") }
}

/// Exit codes of the key commands (sysexits): a file that is there already, a file that is not.
enum KeyExit {
    /// EX_CANTCREAT: the key file exists and was not replaced.
    static let exists = ExitCode(73)
    /// EX_NOINPUT: no key file, or one that holds no key.
    static let missing = ExitCode(66)
}

struct KeysNew: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new",
        abstract: "Make a key pair for you and print its public key, for an operator to register.",
        discussion: """
            Never replaces a key: when the file exists already, says where it is and exits 73 (see it with \
            `sendctl keys show`). --force makes a new one in its place (the old key stops working for you; ask an \
            operator to revoke it). --if-missing uses the key that is there and prints its public key, else makes one. \
            The secret key never leaves the file.
            """
    )

    @OptionGroup var key: KeyNameOption

    @Flag(help: "Replace the key file if there is one (a new key pair: the old one must be registered again).")
    var force = false

    @Flag(help: "Use the key that is there, if any (exit 0), instead of refusing.")
    var ifMissing = false

    func validate() throws {
        if force && ifMissing { throw ValidationError("--force and --if-missing contradict each other: choose one") }
    }

    func run() async throws {
        let path = key.path
        let exists = access(path, F_OK) == 0
        if exists && ifMissing {
            let pair = try KeysShow.read(path, key)
            print("Using the key in \(path) (made earlier).")
            print("Public key: \(pair.publicKey)")
            return
        }
        if exists && !force {
            printError("sendctl: a key exists already in \(path); it was not replaced. Its public key: `\(key.command("show"))`. "
                + "To make a new key in its place, add --force (the old one stops working for you).")
            throw KeyExit.exists
        }
        let pair: CurveKeyPair
        do {
            pair = exists ? try KeysNew.replace(path) : try KeyFile.create(path)
        } catch {
            printError("sendctl: \(error.message)")
            throw KeyExit.exists
        }
        print("\(exists ? "Replaced the key in" : "Made a key pair in") \(path) (mode 0600: keep it private; never send the file).")
        print("Public key: \(pair.publicKey)")
        print("")
        print("Give this public key to an operator, who registers it with:")
        print("  sendctl people add --key='\(pair.publicKey)' --post \"<your post, e.g. Head of SEND>\" --role <role>")
        print("(roles: \(Role.people.map(\.rawValue).joined(separator: ", ")); an action lead also --organisation ORG).")
        if let name = key.name { print("Then use it with `sendctl --as \(name) …`.") }
        if exists { print("The old key stops working once an operator revokes it (`sendctl people revoke P-n`).") }
    }

    /// A new key pair in place of the file at `path`: made beside it, then renamed over it.
    static func replace(_ path: String) throws(StartupError) -> CurveKeyPair {
        let aside = "\(path).new-\(getpid())"
        unlink(aside)
        let pair = try KeyFile.create(aside)
        guard rename(aside, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(aside)
            throw StartupError("cannot replace the key file \(path): \(reason)")
        }
        return pair
    }
}

struct KeysShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print the public key of your key (never the secret one), e.g. for `sendctl people add --key`.",
        discussion: "Prints the public key alone, so that `\"$(sendctl keys show --name chair)\"` passes it on. Exits 66 when there is no key."
    )

    @OptionGroup var key: KeyNameOption

    @Flag(help: "Print the file and the public key as JSON.")
    var json = false

    func run() async throws {
        let pair = try KeysShow.read(key.path, key)
        if json {
            Output.json(["file": .string(key.path), "public_key": .string(pair.publicKey)])
        } else {
            print(pair.publicKey)
        }
    }

    /// The key pair in `path`; a missing or unreadable file is said, with what to do, and exits 66.
    static func read(_ path: String, _ key: KeyNameOption) throws -> CurveKeyPair {
        guard access(path, F_OK) == 0 else {
            printError("sendctl: no key in \(path); make one with `\(key.command("new"))`")
            throw KeyExit.missing
        }
        do {
            return try KeyFile.read(path)
        } catch {
            printError("sendctl: \(error.message)")
            throw KeyExit.missing
        }
    }
}
