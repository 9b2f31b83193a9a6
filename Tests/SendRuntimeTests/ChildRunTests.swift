import Foundation
import Testing
import TestSupport

/// The tests' runner of programs: a program that never ends cannot hang a test, and says it was stopped.
@Suite("Running a program from a test")
struct ChildRunTests {
    @Test("a program still running at the deadline is stopped, and the output says so")
    func stoppedAtTheDeadline() throws {
        let run = try ChildRun.run("/bin/sh", ["-c", "echo started; exec sleep 60"], timeout: 0.5)
        #expect(run.timedOut)
        #expect(run.status != 0)
        #expect(run.stdout == "started\n")
        #expect(run.stderr.contains("[test harness: sh was still running after 0.5 s; stopped with signal \(SIGTERM)]"), "\(run.stderr)")
    }

    @Test("one that ignores SIGTERM gets SIGKILL 5 s later")
    func killedWhenItIgnoresTheStop() throws {
        let run = try ChildRun.run("/bin/sh", ["-c", "trap '' TERM; exec sleep 60"], timeout: 0.2, mergeOutput: true)
        #expect(run.timedOut)
        #expect(run.output.contains("stopped with signal \(SIGTERM), then SIGKILL]"), "\(run.output)")
    }

    @Test("Python.run honours its timeout")
    func pythonTimeout() throws {
        // With no service at the run directory it waits for ever for the service's public key.
        let dir = TestDirectory()
        _ = try dir.stackKeys()
        let result = try Python.run(script: "notification_subscriber.py", arguments: ["/nonexistent-run-dir", "1"],
                                    environment: ["SEND_KEY_FILE": dir.stackKeyPath], timeout: 1)
        #expect(result.status != 0)
        #expect(result.output.contains("[test harness: env was still running after 1.0 s; stopped with signal \(SIGTERM)]"), "\(result.output)")
        dir.remove()
    }

    @Test("a program that prints more than a pipe holds ends normally, all of its output kept")
    func largeOutput() throws {
        let run = try ChildRun.run("/bin/sh", ["-c", "yes x | head -c 1000000; echo done >&2"], timeout: 30)
        #expect(!run.timedOut)
        #expect(run.status == 0)
        #expect(run.stdout.utf8.count == 1_000_000)
        #expect(run.stderr == "done\n")
    }
}
