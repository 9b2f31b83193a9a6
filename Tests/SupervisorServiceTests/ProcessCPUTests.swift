import SendRuntime
import SupervisorService
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("The watchdog's reading of /proc/<pid>/stat")
struct ProcessCPUTests {
    @Test("state and CPU ticks are read after the command's last parenthesis, whatever the command holds")
    func parse() {
        let line = "4242 (odd) (name) T 1 4242 4242 0 -1 4194560 100 0 0 0 250 31 0 0 20 0 3 0 12345 1000 10 0\n"
        #expect(ProcessCPU.parse(line) == ProcessCPU(state: "T", ticks: 281))
        #expect(ProcessCPU.parse(line)?.isStopped == true)
        #expect(ProcessCPU.parse("garbage") == nil)
    }

    @Test("this process is running, and a gone one reads as nil")
    func live() throws {
        let me = try #require(ProcessCPU.read(getpid()))
        #expect(!me.isStopped && me.ticks >= 0)
        #expect(ProcessCPU.read(0x7FFF_FFF0) == nil)
    }
}
