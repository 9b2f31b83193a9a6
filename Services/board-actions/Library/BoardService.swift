public import SendRuntime
public import SendModel

/// The board service: the written statement of action and the board's work on it.
public enum BoardService {
    /// Seconds between due-date checks when `SEND_OVERDUE_INTERVAL` is not set.
    public static let defaultOverdueInterval = 60.0

    public static func definition(environment: [String: String] = currentEnvironment()) throws -> ServiceDefinition {
        ServiceDefinition(
            name: ServiceName.board,
            migrations: { BoardSchema.register(&$0) },
            commands: commands,
            follows: [
                Follow(ServiceName.findings) { ctx, event in try FindingsReadModel.apply(BoardChange(ctx), event) },
            ],
            periodicJobs: [
                PeriodicJob("due-dates", every: try overdueInterval(environment)) { ctx in
                    let change = BoardChange(ctx)
                    try DueDateWatch.run(change)
                    try Milestones.announceMissed(change)
                    try RAGHistory.sweep(change)
                    try Coverage.announceWatched(change, inspectionID: nil)
                },
            ]
        )
    }

    /// `SEND_OVERDUE_INTERVAL`: seconds between due-date checks (they also run once at start).
    static func overdueInterval(_ environment: [String: String]) throws(StartupError) -> Double {
        guard let text = environment["SEND_OVERDUE_INTERVAL"] else { return defaultOverdueInterval }
        guard let seconds = Double(text), seconds >= 0.05, seconds <= 86_400 else {
            throw StartupError("SEND_OVERDUE_INTERVAL must be a number of seconds between 0.05 and 86400; got '\(text)'")
        }
        return seconds
    }

    /// Every command of the service, by wire name.
    static let commands: [String: CommandHandler] = [
        "actions.create": .write { ctx in try Actions.create(BoardChange(ctx), ctx.args) },
        "actions.update": .write { ctx in try Actions.update(BoardChange(ctx), ctx.args) },
        "actions.progress": .write { ctx in try Progress.add(BoardChange(ctx), ctx.args) },
        "actions.import": .write { ctx in try ActionsImport.run(BoardChange(ctx), ctx.args) },
        "actions.list": .read { ctx in try ActionQueries.list(ctx.db, ctx.args, today: ctx.today) },
        "actions.show": .read { ctx in try ActionQueries.show(ctx.db, ctx.args, today: ctx.today) },
        "actions.history": .read { ctx in try StatusHistory.list(ctx.db, ctx.args, today: ctx.today) },
        // Change control (issue 18): requests a board decision approves or refuses.
        "actions.reschedule": .write { ctx in try ChangeRequests.reschedule(BoardChange(ctx), ctx.args) },
        "actions.change": .write { ctx in try ChangeRequests.changeField(BoardChange(ctx), ctx.args) },
        "actions.suspend": .write { ctx in try ChangeRequests.suspend(BoardChange(ctx), ctx.args) },
        "actions.resume": .write { ctx in try ChangeRequests.resume(BoardChange(ctx), ctx.args) },
        "actions.milestones.add": .write { ctx in try Milestones.add(BoardChange(ctx), ctx.args) },
        "actions.milestones.met": .write { ctx in try Milestones.met(BoardChange(ctx), ctx.args) },
        "actions.milestones.reschedule": .write { ctx in try ChangeRequests.rescheduleMilestone(BoardChange(ctx), ctx.args) },
        "actions.milestones.list": .read { ctx in try Milestones.list(ctx.db, ctx.args, today: ctx.today) },
        "actions.rag_history": .read { ctx in try RAGHistory.page(ctx.db, ctx.args) },
        "actions.requests": .read { ctx in try ChangeRequests.list(ctx.db, ctx.args) },
        "actions.coverage": .read { ctx in try Coverage.report(ctx.db, ctx.args) },
        "actions.overdue": .read { ctx in try DueDateWatch.overdue(ctx.db, today: ctx.today) },
        "exceptions.add": .write { ctx in try Progress.addException(BoardChange(ctx), ctx.args) },
        "exceptions.list": .read { ctx in try Progress.listExceptions(ctx.db, ctx.args, today: ctx.today) },
        "kpis.add": .write { ctx in try KPIs.add(BoardChange(ctx), ctx.args) },
        "kpis.record": .write { ctx in try KPIs.record(BoardChange(ctx), ctx.args) },
        "kpis.list": .read { ctx in try KPIs.list(ctx.db) },
        "kpis.show": .read { ctx in try KPIs.show(ctx.db, ctx.args, today: ctx.today) },
        "board.members.add": .write { ctx in try Board.addMember(BoardChange(ctx), ctx.args) },
        "board.members.list": .read { ctx in try Board.listMembers(ctx.db) },
        "board.meetings.add": .write { ctx in try Board.addMeeting(BoardChange(ctx), ctx.args) },
        "board.meetings.list": .read { ctx in try Board.listMeetings(ctx.db) },
        "board.meetings.show": .read { ctx in try Board.showMeeting(ctx.db, ctx.args) },
        "board.decide": .write { ctx in try Board.decide(BoardChange(ctx), ctx.args) },
        "board.decisions.list": .read { ctx in try Board.listDecisions(ctx.db, ctx.args) },
        "plan.status": .read { ctx in try Plan.status(ctx.db, ctx.args, today: ctx.today) },
        "plan.submit": .write { ctx in try Plan.submit(BoardChange(ctx), ctx.args) },
        "plan.import": .write { ctx in try PlanImport.run(BoardChange(ctx), ctx.args) },
        "board.meetings.publish_update": .write { ctx in try ChairUpdates.publish(BoardChange(ctx), ctx.args) },
        "board.meetings.updates": .read { ctx in try ChairUpdates.list(ctx.db, ctx.args) },
        "board.themes.name": .write { ctx in try Themes.name(BoardChange(ctx), ctx.args) },
        "board.themes.list": .read { ctx in try Themes.list(ctx.db) },
    ]
}
