import ArgumentParser
import SendModel

/// `sendctl kpis …` (also `sendctl measures …`): measures with a baseline, a target and readings over time.
struct KPIsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kpis",
        abstract: "Key performance indicators: add a measure, record readings, see the trend against target.",
        subcommands: [Add.self, Record.self, List.self, Show.self],
        aliases: ["measures"]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a KPI.")
        @Option(help: "What is measured, e.g. \"Permanent exclusions of pupils with EHC plans\".") var name: String
        @Option(help: "The unit, e.g. \"exclusions per year\".") var unit: String
        @Option(help: "The value at the start.") var baseline: Double
        @Option(help: ArgumentHelp("When the baseline was measured.", valueName: "YYYY-MM-DD")) var baselineDate: String?
        @Option(help: "The value to reach.") var target: Double
        @Option(help: ArgumentHelp("When the target should be reached.", valueName: "YYYY-MM-DD")) var targetDate: String?
        @Option(help: "Which way is better.") var direction: KPIDirectionChoice
        @Flag(help: "Print the reply as JSON.") var json = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            var args: [String: JSONValue] = ["name": .string(name), "unit": .string(unit), "baseline": .double(baseline),
                                             "target": .double(target), "direction": .string(direction.rawValue)]
            BoardCLI.put(&args, "baseline_date", baselineDate)
            BoardCLI.put(&args, "target_date", targetDate)
            let result = try await Connection(options: connection).call(ServiceName.board, "kpis.add", .object(args))
            if json { return Output.json(result) }
            let k = result["kpi"] ?? .null
            print("added \(k["kpi_id"]?.cell ?? "?"): \(k["name"]?.cell ?? "")  baseline \(k["baseline"]?.cell ?? "") → target \(k["target"]?.cell ?? "") (\(k["direction"]?.cell ?? ""))")
        }
    }

    struct Record: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record a reading of a KPI.", aliases: ["reading"])
        @Argument(help: "The KPI, for example K-001.") var kpiID: String
        @Option(help: "The value.") var value: Double
        @Option(help: ArgumentHelp("The date of the reading (default today).", valueName: "YYYY-MM-DD")) var date: String?
        @Option(help: "A note.") var note: String?
        @Flag(help: "Print the reply as JSON.") var json = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            var args: [String: JSONValue] = ["kpi_id": .string(kpiID), "value": .double(value)]
            BoardCLI.put(&args, "date", date)
            BoardCLI.put(&args, "note", note)
            let result = try await Connection(options: connection).call(ServiceName.board, "kpis.record", .object(args))
            if json { return Output.json(result) }
            let k = result["kpi"] ?? .null
            let r = result["reading"] ?? .null
            let unit = k["unit"].map { $0.isNull ? "" : " \($0.cell)" } ?? ""
            let onTarget = (r["on_target"]?.boolValue ?? false) ? "on target" : "not on target (target \(k["target"]?.cell ?? ""))"
            print("recorded \(k["kpi_id"]?.cell ?? kpiID) on \(r["date"]?.cell ?? ""): \(r["value"]?.cell ?? "")\(unit), \(onTarget)")
            let latest = k["latest_date"]?.cell ?? ""
            if latest != r["date"]?.cell {
                print("  the latest reading is \(k["latest"]?.cell ?? "") on \(latest); trend \(k["trend"]?.cell ?? "")")
            } else {
                print("  trend \(k["trend"]?.cell ?? "")")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the KPIs with their latest reading and trend.")
        @Flag(help: "Print the reply as JSON.") var json = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let result = try await Connection(options: connection).call(ServiceName.board, "kpis.list")
            if json { return Output.json(result) }
            let kpis = result["kpis"]?.arrayValue ?? []
            Output.table(["kpi", "name", "unit", "baseline", "target", "latest", "trend", "on target"], kpis.map { k in
                [k["kpi_id"]?.cell ?? "", BoardCLI.cut(k["name"]?.cell ?? "", 50), k["unit"]?.cell ?? "", k["baseline"]?.cell ?? "",
                 k["target"]?.cell ?? "", k["latest"]?.cell ?? "", k["trend"]?.cell ?? "", (k["on_target"]?.boolValue ?? false) ? "yes" : "no"]
            })
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a KPI: its readings and the actions that move it.")
        @Argument(help: "The KPI.") var kpiID: String
        @Flag(help: "Print the reply as JSON.") var json = false
        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let result = try await Connection(options: connection).call(ServiceName.board, "kpis.show", ["kpi_id": .string(kpiID)])
            if json { return Output.json(result) }
            let k = result["kpi"] ?? .null
            print("\(k["kpi_id"]?.cell ?? kpiID)  \(k["name"]?.cell ?? "") (\(k["unit"]?.cell ?? ""))")
            print("  baseline \(k["baseline"]?.cell ?? "")  target \(k["target"]?.cell ?? "")  \(k["direction"]?.cell ?? "")")
            print("  trend \(k["trend"]?.cell ?? "")  on target: \((k["on_target"]?.boolValue ?? false) ? "yes" : "no")")
            let readings = result["readings"]?.arrayValue ?? []
            if !readings.isEmpty {
                Output.table(["date", "value", "note"], readings.map { [$0["date"]?.cell ?? "", $0["value"]?.cell ?? "", $0["note"]?.cell ?? ""] })
            }
            let actions = result["actions"]?.arrayValue ?? []
            if !actions.isEmpty {
                print("Actions:")
                for a in actions { print("  \(a["action_id"]?.cell ?? "")  \(a["status"]?.cell ?? "")  \(a["rag"]?.cell ?? "-")  \(a["title"]?.cell ?? "")") }
            }
        }
    }
}
