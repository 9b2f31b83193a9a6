import Foundation
import GRDB
import Testing
import TestSupport
@testable import SendRuntime

@Suite("Service database")
struct DatabaseTests {
    @Test("synchronous=FULL holds on the writer after opening (DatabasePool resets it to NORMAL)")
    func synchronousFullHolds() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        try dir.directories.prepare()
        let pool = try ServiceDatabase.open(path: "\(dir.data)/x.sqlite") { _ in }
        let sync = try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(sync == 2)  // FULL
        let mode = try pool.writeWithoutTransaction { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
    }

    @Test("directories: created private, others' writable ones refused, long socket paths refused")
    func directories() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        try dir.directories.prepare()
        var st = stat()
        stat(dir.run, &st)
        #expect(st.st_mode & 0o777 == 0o700)
        chmod(dir.run, 0o777)
        #expect(throws: StartupError.self) { try dir.directories.prepare() }
        chmod(dir.run, 0o700)
        let long = RuntimeDirectories(run: dir.path + "/" + String(repeating: "r", count: 100), data: dir.data)
        do {
            _ = try long.commandEndpoint("notifications")
            Issue.record("a socket path over 107 bytes was accepted")
        } catch {
            #expect(error.message.contains("at most 107"))
        }
    }

    @Test("defaults follow DESIGN.md: XDG first, then /tmp and ~/.local/share")
    func defaults() {
        let xdg = RuntimeDirectories.resolve(runDir: nil, dataDir: nil, environment: ["XDG_RUNTIME_DIR": "/run/user/5", "XDG_DATA_HOME": "/h/.d", "HOME": "/h"])
        #expect(xdg.run == "/run/user/5/send-partnership")
        #expect(xdg.data == "/h/.d/send-partnership")
        let plain = RuntimeDirectories.resolve(runDir: nil, dataDir: nil, environment: ["HOME": "/h"])
        #expect(plain.run == "/tmp/send-partnership-\(getuid())")
        #expect(plain.data == "/h/.local/share/send-partnership")
        let env = RuntimeDirectories.resolve(runDir: nil, dataDir: "/flag", environment: ["SEND_RUN_DIR": "/e/run", "SEND_DATA_DIR": "/e/data"])
        #expect(env.run == "/e/run")
        #expect(env.data == "/flag")
    }
}
