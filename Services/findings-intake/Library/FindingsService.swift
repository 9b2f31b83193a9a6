public import SendRuntime
public import SendModel

/// The findings service: inspections, findings, deadlines and revisit judgements.
///
/// Commands: `inspections.add|list|show`, `findings.import|add|list|show|judge`, `revisit.record`.
/// Events: `inspection.recorded`, `finding.recorded`, `finding.judged`, `finding.carried_over`.
/// docs/PROTOCOL.md (### findings) documents each.
public enum FindingsService {
    public static func definition(environment: [String: String] = currentEnvironment()) throws -> ServiceDefinition {
        let settings = try FindingsSettings.fromEnvironment(environment)
        return definition(settings: settings)
    }

    public static func definition(settings: FindingsSettings) -> ServiceDefinition {
        /// A write command: the domain change runs in the writer's savepoint; its events go to the outbox.
        func write(_ body: @escaping @Sendable (JSONValue, Change) throws -> JSONValue) -> CommandHandler {
            .write { ctx in
                let change = Change(db: ctx.db, today: ctx.today, now: ctx.now, settings: settings)
                let result = try body(ctx.args, change)
                for event in change.events { try event.emit(into: ctx) }
                return result
            }
        }
        return ServiceDefinition(
            name: ServiceName.findings,
            migrations: { FindingStore.registerMigrations(&$0) },
            commands: [
                "inspections.add": write(Recording.addInspection),
                "inspections.list": .read { ctx in try Queries.inspections(ctx.db, ctx.args) },
                "inspections.show": .read { ctx in try Queries.inspection(ctx.db, ctx.args, today: ctx.today) },
                "findings.import": write(Recording.importReport),
                "findings.add": write(Recording.addFinding),
                "findings.list": .read { ctx in try Queries.findings(ctx.db, ctx.args) },
                "findings.show": .read { ctx in try Queries.finding(ctx.db, ctx.args) },
                "findings.judge": write(Revisit.judge),
                "revisit.record": write(Revisit.record),
            ]
        )
    }
}
