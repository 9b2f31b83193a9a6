import Foundation
import SendModel
import SendRuntime

extension Durable {
    /// Durable `append`s at 4 and 16 clients, each count run with the fair client (one thread,
    /// N DEALERs, one poll loop) and then with the old one (N threads × `ServiceClient.call`),
    /// against the same service. Around each run the service's CPU (utime + stime from /proc, per
    /// thread) and the bench process's own are read, and printed per request.
    static func compareClients(directory: BenchDirectory, servicePID: Int32?, seconds: Double,
                               into figures: inout [String: JSONValue]) throws {
        let endpoint = try directory.directories.commandEndpoint("bench")
        let pid = try servicePID ?? {
            // Attached to a service started elsewhere: its health says its pid.
            let client = try ServiceClient(service: "bench", directories: directory.directories)
            defer { client.close() }
            return Int32(try client.call("health")["pid"]?.intValue ?? 0)
        }()
        let keys = try KeyFile.read(directory.directories.stackKeyPath)
        guard let server = directory.directories.serverKey("bench") else { throw StartupError("no public key for bench in \(directory.directories.run)") }
        let curve = (keys: keys, server: server)
        // Warm up (WAL growth, page cache, connections), not reported.
        _ = try FairClient.throughput(endpoint: endpoint, clients: 4, seconds: min(0.5, seconds), curve: curve)

        let health = try ServiceClient(service: "bench", directories: directory.directories)
        defer { health.close() }
        // Group commits so far and the writes they held (health's `commits`).
        func commits() throws -> (groups: Int64, writes: Int64) {
            let c = try health.call("health")["commits"]
            return (c?["groups"]?.intValue ?? 0, c?["writes"]?.intValue ?? 0)
        }
        func perCommit(_ a: (groups: Int64, writes: Int64), _ b: (groups: Int64, writes: Int64)) -> Double {
            b.groups > a.groups ? (Double(b.writes - a.writes) / Double(b.groups - a.groups) * 10).rounded() / 10 : 0
        }
        print("durable appends (100-byte payload, synchronous=FULL), load average \(loadAverage()); service pid \(pid)")
        for clients in [4, 16] {
            // The fair client.
            var groups = try commits()
            var before = CPUSnapshot(pid: pid)
            let fair = try FairClient.throughput(endpoint: endpoint, clients: clients, seconds: seconds, curve: curve)
            var service = CPUSnapshot(pid: pid).since(before)
            let fairPerCommit = perCommit(groups, try commits())
            print(String(format: "durable commands, %2d clients, fair client (1 thread, %d DEALERs, one zmq_poll loop): %8.0f /s  (p50 %.2f ms, p99 %.2f ms)",
                         clients, clients, fair.rate, fair.p50 / 1000, fair.p99 / 1000))
            report(service: service, requests: fair.requests,
                   client: "client CPU \(perRequest(fair.processCPU, fair.requests)) µs/request "
                       + "(its one thread \(perRequest(fair.threadCPU, fair.requests)), the rest libzmq's I/O thread); "
                       + "\(fairPerCommit) requests per group commit")
            let f = "durable_fair_\(clients)_clients"
            figures["\(f)_per_s"] = .double(fair.rate.rounded())
            figures["\(f)_p50_ms"] = .double(milliseconds(fair.p50))
            figures["\(f)_p99_ms"] = .double(milliseconds(fair.p99))
            figures["service_cpu_us_per_request_fair_\(clients)"] = .double(perRequest(service.micros, fair.requests))
            figures["client_cpu_us_per_request_fair_\(clients)"] = .double(perRequest(fair.processCPU, fair.requests))
            figures["client_thread_cpu_us_per_request_fair_\(clients)"] = .double(perRequest(fair.threadCPU, fair.requests))
            figures["service_threads_us_per_request_fair_\(clients)"] = threads(service.threads, fair.requests)
            figures["writes_per_commit_fair_\(clients)"] = .double(fairPerCommit)

            // The old client: one thread per client, each a ServiceClient doing call() in a loop.
            groups = try commits()
            before = CPUSnapshot(pid: pid)
            let old = try Durable.throughput(directory: directory, clients: clients, seconds: seconds)
            service = CPUSnapshot(pid: pid).since(before)
            let oldPerCommit = perCommit(groups, try commits())
            print(String(format: "durable commands, %2d clients, old client (%d threads × ServiceClient.call): %8.0f /s  (p50 %.2f ms, p99 %.2f ms)",
                         clients, clients, old.rate, old.p50 / 1000, old.p99 / 1000))
            report(service: service, requests: old.requests,
                   client: "client CPU \(perRequest(old.processCPU, old.requests)) µs/request (its \(clients) threads and libzmq's); "
                       + "\(oldPerCommit) requests per group commit")
            figures["durable_\(clients)_clients_per_s"] = .double(old.rate.rounded())
            figures["durable_\(clients)_clients_p50_ms"] = .double(milliseconds(old.p50))
            figures["durable_\(clients)_clients_p99_ms"] = .double(milliseconds(old.p99))
            figures["service_cpu_us_per_request_old_\(clients)"] = .double(perRequest(service.micros, old.requests))
            figures["client_cpu_us_per_request_old_\(clients)"] = .double(perRequest(old.processCPU, old.requests))
            figures["service_threads_us_per_request_old_\(clients)"] = threads(service.threads, old.requests)
            figures["writes_per_commit_old_\(clients)"] = .double(oldPerCommit)
        }
        figures["durable_load_average"] = .string(loadAverage())
    }

    /// What CURVE costs: the fair client at 4 and 16 clients against a service with CURVE and one
    /// without (`send-bench serve --no-curve`, a benchmark's service only), alternated twice in one
    /// run so that a drift of the machine's load falls on both.
    static func compareCurve(directory: BenchDirectory, seconds: Double, into figures: inout [String: JSONValue]) throws {
        let plain = try ServiceChild("send-bench", arguments: ["serve", "--name", "plain", "--no-curve"], service: "plain",
                                     directories: directory.directories, curve: false)
        defer { plain.stop() }
        let keys = try KeyFile.read(directory.directories.stackKeyPath)
        guard let server = directory.directories.serverKey("bench") else { throw StartupError("no public key for bench in \(directory.directories.run)") }
        let on = try directory.directories.commandEndpoint("bench")
        let off = try directory.directories.commandEndpoint("plain")
        // Both warmed alike (WAL growth, page cache, connections), not reported.
        for clients in [4, 16] {
            _ = try FairClient.throughput(endpoint: on, clients: clients, seconds: min(1, seconds), curve: (keys, server))
            _ = try FairClient.throughput(endpoint: off, clients: clients, seconds: min(1, seconds), curve: nil)
        }
        let rounds = 4
        print("CURVE on the command socket (fair client; each figure the mean of \(rounds) runs, on and off alternated, "
            + "each round starting with the other), load average \(loadAverage())")
        for clients in [4, 16] {
            var with: [FairClient.Result] = [], without: [FairClient.Result] = []
            for round in 0..<rounds {
                let slice = seconds / Double(rounds)
                if round % 2 == 0 {
                    with.append(try FairClient.throughput(endpoint: on, clients: clients, seconds: slice, curve: (keys, server)))
                    without.append(try FairClient.throughput(endpoint: off, clients: clients, seconds: slice, curve: nil))
                } else {
                    without.append(try FairClient.throughput(endpoint: off, clients: clients, seconds: slice, curve: nil))
                    with.append(try FairClient.throughput(endpoint: on, clients: clients, seconds: slice, curve: (keys, server)))
                }
            }
            let rateOn = with.map(\.rate).reduce(0, +) / Double(rounds), rateOff = without.map(\.rate).reduce(0, +) / Double(rounds)
            let p99On = with.map(\.p99).max() ?? 0, p99Off = without.map(\.p99).max() ?? 0
            print(String(format: "durable commands, %2d clients: CURVE on %8.0f /s (p99 %.2f ms), off %8.0f /s (p99 %.2f ms): %.2f× (target ≥ 0.90×)",
                         clients, rateOn, p99On / 1000, rateOff, p99Off / 1000, rateOn / max(1, rateOff)))
            figures["curve_on_\(clients)_clients_per_s"] = .double(rateOn.rounded())
            figures["curve_off_\(clients)_clients_per_s"] = .double(rateOff.rounded())
            figures["curve_on_\(clients)_clients_p99_ms"] = .double(milliseconds(p99On))
            figures["curve_off_\(clients)_clients_p99_ms"] = .double(milliseconds(p99Off))
            figures["curve_ratio_\(clients)_clients"] = .double((rateOn / max(1, rateOff) * 100).rounded() / 100)
        }
        figures["curve_load_average"] = .string(loadAverage())
    }

    /// `    service CPU 76.1 µs/request (bench-server 60.2, ZMQbg/IO/0 12.0, …); client CPU …; N requests`
    private static func report(service: (micros: Double, threads: [CPUSnapshot.ThreadUse]), requests: Int, client: String) {
        let top = service.threads.prefix(4).map { "\($0.name) \(perRequest($0.micros, requests))" }
        print("    service CPU \(perRequest(service.micros, requests)) µs/request (\(top.joined(separator: ", "))); "
              + "\(client); \(requests) requests")
    }

    /// The busiest threads' µs per request, by thread name (threads of one name summed).
    private static func threads(_ threads: [CPUSnapshot.ThreadUse], _ requests: Int) -> JSONValue {
        var byName: [String: Double] = [:]
        for t in threads { byName[t.name, default: 0] += t.micros }
        return .object(byName.mapValues { .double(perRequest($0, requests)) })
    }

    static func perRequest(_ micros: Double, _ requests: Int) -> Double {
        requests > 0 ? (micros / Double(requests) * 10).rounded() / 10 : 0
    }

    static func milliseconds(_ micros: Double) -> Double { (micros / 10).rounded() / 100 }
}

/// The 1-, 5- and 15-minute load averages as `/proc/loadavg` gives them.
func loadAverage() -> String {
    let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
    return text.split(separator: " ").prefix(3).joined(separator: " ")
}
