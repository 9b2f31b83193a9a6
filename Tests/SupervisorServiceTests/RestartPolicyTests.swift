import SendModel
import SupervisorService
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Restart policy: backoff and intensity")
struct RestartPolicyTests {
    let policy = RestartPolicy()  // 100 ms doubling to 10 s; more than 5 restarts in 60 s fails

    @Test("the backoff doubles from 100 ms and stops at 10 s")
    func backoffDoublesUpToTheMaximum() {
        #expect((0...9).map { policy.backoff(afterRecentRestarts: $0) }
            == [100, 200, 400, 800, 1600, 3200, 6400, 10_000, 10_000, 10_000])
    }

    @Test("a service that keeps exiting is restarted 5 times, then failed on its sixth exit")
    func intensityLimit() {
        var history = RestartHistory()
        var decisions: [RestartDecision] = []
        var now: Int64 = 1_000
        for _ in 0..<6 {
            decisions.append(history.decide(at: now, policy: policy))
            now += 50
        }
        #expect(decisions == [
            .restart(backoffMillis: 100), .restart(backoffMillis: 200), .restart(backoffMillis: 400),
            .restart(backoffMillis: 800), .restart(backoffMillis: 1600), .fail(restartsInWindow: 5),
        ])
    }

    @Test("restarts older than the period no longer count, and the backoff starts again at 100 ms")
    func oldRestartsAgeOut() {
        var history = RestartHistory()
        for i in 0..<5 { _ = history.decide(at: Int64(i) * 1000, policy: policy) }
        // 60 s after the first restart, that one has left the window: one more restart is allowed.
        #expect(history.decide(at: 60_000, policy: policy) == .restart(backoffMillis: 1600))
        // Long after, the service has been up a while: a crash gets the shortest backoff again.
        #expect(history.decide(at: 200_000, policy: policy) == .restart(backoffMillis: 100))
        #expect(history.count(at: 200_000, policy: policy) == 1)
    }

    @Test("intensity 0 means never restart")
    func intensityZero() {
        var history = RestartHistory()
        let never = RestartPolicy(initialBackoffMillis: 100, maxBackoffMillis: 100, intensity: 0, periodMillis: 1000)
        #expect(history.decide(at: 0, policy: never) == .fail(restartsInWindow: 0))
    }

    @Test("an operator's restart of a failed service forgets its history")
    func resetForgets() {
        var history = RestartHistory()
        for i in 0..<6 { _ = history.decide(at: Int64(i), policy: policy) }
        history.reset()
        #expect(history.decide(at: 10, policy: policy) == .restart(backoffMillis: 100))
    }

    @Test("a wait status becomes an exit code or a named signal")
    func exitStatus() {
        let killed = ExitStatus(waitStatus: SIGKILL)
        #expect(killed == .signalled(number: 9))
        #expect(killed.description == "signal SIGKILL (9)")
        #expect(killed.json["signal"] == "SIGKILL")
        #expect(killed.json["exit_code"] == .null)
        let config = ExitStatus(waitStatus: 78 << 8)
        #expect(config == .exited(code: 78))
        #expect(config.description == "exit 78")
        #expect(config.json["signal_number"] == .null)
        #expect(ExitStatus.signalName(64) == "SIG64")
    }
}
