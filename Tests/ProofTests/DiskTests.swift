import Foundation
import SendModel
import SendRuntime
import Testing
import TestSupport

/// Disk trouble under a real service (`send-bench serve`, the runtime's own small domain): a full
/// data directory and a read-only one. Every write it acknowledged must survive; every write it
/// refused must leave nothing. Needs root to mount file systems (CI runs as root).
@Suite("Disk trouble: full and read-only data directories", .serialized,
       .enabled(if: geteuid() == 0, "mounting a file system needs root (CI runs as root)"),
       .enabled(if: Mount.canMount, "this root may not mount a tmpfs (a container without CAP_SYS_ADMIN?)"))
struct DiskTests {
    @Test("a full data directory (2 MiB tmpfs): writes refused with `unavailable` saying the disk is full; with space again, writes resume; after SIGKILL and restart every acknowledged write is there and no refused one")
    func fullDisk() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let mount = try #require(Mount.tmpfs(at: dir.data, size: "2m"), "mounting a 2 MiB tmpfs was refused (see above)")
        defer { mount.unmount() }
        var service = try ServiceProcess("send-bench", ["serve"] + dir.flags, directory: dir, label: "bench")
        defer { service.stop() }
        let client = try TestClient(dir)
        defer { client.close() }
        #expect(client.waitReady("bench"))

        var acked: [Int64] = []
        var refusal: ServiceError?
        for i in 0..<2000 {
            do {
                let result = try client.call("bench", "append", ["payload": .string(Self.payload(i))], timeout: 10)
                acked.append(try #require(result["item_id"]?.intValue))
            } catch let error as ServiceError {
                refusal = error
                break
            }
        }
        let error = try #require(refusal, "2000 writes of 16 KiB fitted in 2 MiB")
        print("disk full after \(acked.count) acknowledged writes: \(error.code.rawValue): \(error.message)")
        #expect(error.code == .unavailable)
        #expect(error.message.contains("disk is full"), "\(error.message)")
        #expect(acked.count > 10)
        // Still refusing, still answering reads, nothing half-done.
        for i in 0..<5 {
            #expect(throws: ServiceError.self) { try client.call("bench", "append", ["payload": .string(Self.payload(10_000 + i))]) }
        }
        #expect(client.isReady("bench"))
        #expect(try client.call("bench", "count")["count"]?.intValue == Int64(acked.count))

        // Space again (the tmpfs grows): the same process takes writes again.
        try #require(mount.remount("size=16m"))
        let after = try client.call("bench", "append", ["payload": "after the disk was freed"], timeout: 10)
        acked.append(try #require(after["item_id"]?.intValue))

        service.signal(SIGKILL)
        service.waitForExit()
        client.close()
        service = try ServiceProcess("send-bench", ["serve"] + dir.flags, directory: dir, label: "bench-again")
        #expect(client.waitReady("bench"))
        let ids = try client.call("bench", "ids")["ids"]?.arrayValue?.compactMap(\.intValue) ?? []
        #expect(ids == acked, "acknowledged \(acked.count), found \(ids.count) after restart")
        let events = try client.allEvents("bench")
        #expect(events.map(\.seq) == Array(1...Int64(acked.count)), "one event per acknowledged write, gapless")
        print("after SIGKILL and restart: \(ids.count) of \(acked.count) acknowledged writes present, \(events.count) events, none refused recorded")
    }

    @Test("the data directory's file system goes read-only under a running service (the kernel's remount after a disk error): writes refused with `unavailable` naming read-only, reads answered; a restart on it is refused naming read-only; once repaired, every acknowledged write is there",
          .enabled(if: Mount.canUseLoopDevices, "needs /sbin/mkfs.ext4 and loop devices (/dev/loop-control)"))
    func readOnlyWhileRunning() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        // `mount -o remount,ro` is refused (EBUSY) while a process holds files open for writing, as
        // SQLite does: the kernel's own remount after an ext4 error is what happens to a running service.
        let mount = try #require(Mount.ext4(image: "\(dir.path)/disk.img", at: dir.data, size: 16 << 20),
                                 "an ext4 file system on a loop device could not be made or mounted (see above)")
        defer { mount.unmount() }
        var service = try ServiceProcess("send-bench", ["serve"] + dir.flags, directory: dir, label: "bench")
        defer { service.stop() }
        let client = try TestClient(dir)
        defer { client.close() }
        #expect(client.waitReady("bench"))
        var acked: [Int64] = []
        for i in 0..<50 {
            acked.append(try #require(try client.call("bench", "append", ["payload": .string(Self.payload(i))], timeout: 10)["item_id"]?.intValue))
        }

        try #require(mount.triggerError(), "could not make ext4 remount read-only")
        #expect(RuntimeDirectories.isReadOnlyFileSystem(dir.data))
        var refusal: ServiceError?
        do { _ = try client.call("bench", "append", ["payload": "after the disk went read-only"], timeout: 10) } catch let e as ServiceError { refusal = e }
        let error = try #require(refusal, "a write was acknowledged on a read-only file system")
        print("read-only: \(error.code.rawValue): \(error.message)")
        #expect(error.code == .unavailable)
        #expect(error.message.contains("read-only"), "\(error.message)")
        #expect(try client.call("bench", "count")["count"]?.intValue == Int64(acked.count))

        service.signal(SIGKILL)
        service.waitForExit()
        client.close()
        // Started again on the read-only file system: refused at once, saying why.
        let refused = try ServiceProcess("send-bench", ["serve"] + dir.flags, directory: dir, label: "bench-ro")
        #expect(refused.waitForExit(timeout: 30) == 78)
        #expect(refused.output.contains("is on a read-only file system"), "\(refused.output)")

        // The operator repairs the file system and mounts it again: nothing acknowledged is lost.
        try #require(mount.repairAndRemount())
        service = try ServiceProcess("send-bench", ["serve"] + dir.flags, directory: dir, label: "bench-again")
        #expect(client.waitReady("bench"), "\(service.output)")
        let ids = try client.call("bench", "ids")["ids"]?.arrayValue?.compactMap(\.intValue) ?? []
        #expect(ids == acked)
        _ = try client.call("bench", "append", ["payload": "after the repair"], timeout: 10)
        print("after repair: \(ids.count) of \(acked.count) acknowledged writes present")
    }

    @Test("`mount -o remount,ro` of a stopped service's data directory: it refuses to start, naming read-only; remounted read-write it starts with every acknowledged write")
    func readOnlyRemount() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let mount = try #require(Mount.tmpfs(at: dir.data, size: "8m"), "mounting an 8 MiB tmpfs was refused (see above)")
        defer { mount.unmount() }
        var service = try ServiceProcess("send-bench", ["serve"] + dir.flags, directory: dir, label: "bench")
        defer { service.stop() }
        let client = try TestClient(dir)
        defer { client.close() }
        #expect(client.waitReady("bench"))
        var acked: [Int64] = []
        for i in 0..<20 {
            acked.append(try #require(try client.call("bench", "append", ["payload": .string(Self.payload(i))], timeout: 10)["item_id"]?.intValue))
        }
        service.stop()
        client.close()

        try #require(mount.remount("ro"))
        let refused = try ServiceProcess("send-bench", ["serve"] + dir.flags, directory: dir, label: "bench-ro")
        #expect(refused.waitForExit(timeout: 30) == 78)
        #expect(refused.output.contains("is on a read-only file system"), "\(refused.output)")
        print(refused.output.split(separator: "\n").last.map(String.init) ?? "")

        try #require(mount.remount("rw"))
        service = try ServiceProcess("send-bench", ["serve"] + dir.flags, directory: dir, label: "bench-again")
        #expect(client.waitReady("bench"))
        let ids = try client.call("bench", "ids")["ids"]?.arrayValue?.compactMap(\.intValue) ?? []
        #expect(ids == acked)
    }

    /// 16 KiB that differ from one write to the next.
    static func payload(_ i: Int) -> String {
        String(repeating: "\(i)-abcdefghijklmnopqrstuvwxyz-", count: 16 * 1024 / 30 + 1).prefix(16 * 1024).description
    }
}

/// A file system mounted for one test. Tests unmount it in a `defer` after stopping the service on it.
final class Mount {
    let path: String
    let image: String?
    private(set) var device: String?

    private init(path: String, image: String?) {
        self.path = path
        self.image = image
    }

    /// Whether this process may mount a file system: a 1 MiB tmpfs is mounted and unmounted once.
    static let canMount: Bool = {
        let probe = "\(NSTemporaryDirectory())/send-mount-probe-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: probe) }
        guard let m = tmpfs(at: probe, size: "1m") else { return false }
        m.unmount()
        return true
    }()

    /// Whether an ext4 image can be made and mounted on a loop device here.
    static let canUseLoopDevices = FileManager.default.isExecutableFile(atPath: "/sbin/mkfs.ext4")
        && FileManager.default.fileExists(atPath: "/dev/loop-control")

    /// A tmpfs of `size` (mount's syntax: 2m) at `path`, mode 0700; nil, with the reason printed, when refused.
    static func tmpfs(at path: String, size: String) -> Mount? {
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(size),mode=0700", "tmpfs", path]) else {
            print("mounting a tmpfs at \(path) was refused (see above)")
            return nil
        }
        return Mount(path: path, image: nil)
    }

    /// An ext4 file system in an image file of `size` bytes, on a loop device, that the kernel
    /// remounts read-only on an error; nil, with the reason printed, when loop devices are not available.
    static func ext4(image: String, at path: String, size: Int) -> Mount? {
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: image, contents: nil), truncate(image, off_t(size)) == 0,
              run("/sbin/mkfs.ext4", ["-q", "-F", image]),
              run("/bin/mount", ["-o", "loop,errors=remount-ro", image, path]) else {
            print("an ext4 file system on a loop device could not be made or mounted at \(path) (see above)")
            return nil
        }
        let m = Mount(path: path, image: image)
        m.device = output("/bin/findmnt", ["-n", "-o", "SOURCE", path])?.trimmingCharacters(in: .whitespacesAndNewlines)
        chmod(path, 0o700)
        return m
    }

    func remount(_ options: String) -> Bool { Mount.run("/bin/mount", ["-o", "remount,\(options)", path]) }

    /// Makes ext4 report an error on this file system, as a failing disk would: it remounts itself read-only.
    func triggerError() -> Bool {
        guard let device, let name = device.split(separator: "/").last else { return false }
        return (try? "1".write(toFile: "/sys/fs/ext4/\(name)/trigger_fs_error", atomically: false, encoding: .utf8)) != nil
    }

    /// Unmounts, checks the image with e2fsck (as an operator would) and mounts it read-write again.
    func repairAndRemount() -> Bool {
        guard let image, Mount.run("/bin/umount", [path]) else { return false }
        _ = Mount.run("/sbin/e2fsck", ["-f", "-y", image], quiet: true)  // exit 1: errors corrected
        guard Mount.run("/bin/mount", ["-o", "loop,errors=remount-ro", image, path]) else { return false }
        device = Mount.output("/bin/findmnt", ["-n", "-o", "SOURCE", path])?.trimmingCharacters(in: .whitespacesAndNewlines)
        return true
    }

    func unmount() {
        if !Mount.run("/bin/umount", [path]) { _ = Mount.run("/bin/umount", ["-l", path]) }
    }

    @discardableResult
    static func run(_ tool: String, _ arguments: [String], quiet: Bool = false) -> Bool {
        guard let run = try? ChildRun.run(tool, arguments, timeout: 120, mergeOutput: true) else {
            print("cannot run \(tool)")
            return false
        }
        if run.status != 0 && !quiet {
            print("\(tool) \(arguments.joined(separator: " ")) failed (exit \(run.status)): \(run.output)")
        }
        return run.status == 0
    }

    static func output(_ tool: String, _ arguments: [String]) -> String? {
        guard let run = try? ChildRun.run(tool, arguments, timeout: 60), run.status == 0 else { return nil }
        return run.stdout
    }
}
