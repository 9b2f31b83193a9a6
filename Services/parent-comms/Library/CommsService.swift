public import SendRuntime
import SendModel

/// The comms service: families (the only place personal data lives), questionnaires, dispatch and
/// delivery, responses, "you said, we did" updates and enquiries.
///
/// Events and log lines carry ids and counts only; replies with personal data come only from the
/// `families.*` commands (and the free-text answers of `questionnaires.results`, and an enquiry's
/// own text and answer from `portal.enquiry` to whoever holds its private link).
public enum CommsService {
    /// The service as the executable runs it, configured from the environment.
    public static func definition() throws -> ServiceDefinition {
        definition(config: try CommsConfig.fromEnvironment())
    }

    public static func definition(config: CommsConfig) -> ServiceDefinition {
        var definition = ServiceDefinition(
            name: ServiceName.comms,
            migrations: { CommsSchema.register(&$0) },
            commands: [
                "families.import": .change(FamilyImport.run),
                "families.list": .read(Families.list),
                "families.show": .read(Families.show),
                "families.opt_out": .change(Families.optOut),
                "families.export": .read(FamilyRights.export),
                "families.erase": .change(FamilyRights.erase(config: config)),
                "questionnaires.create": .change(Questionnaires.create),
                "questionnaires.list": .read(Questionnaires.list),
                "questionnaires.show": .read(Questionnaires.show),
                "questionnaires.send": .change(Dispatch.send),
                "questionnaires.remind": .change(Dispatch.remind),
                "questionnaires.respond": .change(Responses.respond),
                "questionnaires.import_responses": .change(Responses.importResponses),
                "questionnaires.results": .read(Responses.results),
                "dispatches.show": .read(Dispatches.show),
                "updates.list": .read(Updates.list),
                "updates.show": .read(Updates.show),
                "updates.edit": .change(Updates.edit),
                "updates.publish": .change(Updates.publish),
                "enquiries.add": .change(Enquiries.add),
                "enquiries.list": .read(Enquiries.list),
                "enquiries.answer": .change(Enquiries.answer),
                // The families' door (family-portal): keys only, never a family's reference.
                PortalCommand.questionnaire: .read(Portal.questionnaire),
                PortalCommand.respond: .change(Portal.respond),
                PortalCommand.stopStatus: .read(Portal.stopStatus),
                PortalCommand.optOut: .change(Portal.optOut),
                PortalCommand.optIn: .change(Portal.optIn),
                PortalCommand.enquiryAdd: .change(Portal.enquiryAdd),
                PortalCommand.enquiry: .read(Portal.enquiry),
            ],
            follows: [
                Follow(ServiceName.board) { ctx, event in try Updates.followBoard(CommsChange(ctx), event) },
            ],
            periodicJobs: [
                PeriodicJob("enquiries", every: config.enquiryCheckSeconds) { ctx in try Enquiries.escalate(CommsChange(ctx)) },
                Retention.job(config: config),
                FamilyRetention.job(config: config),
            ],
            backgroundTasks: (config.deliveryEnabled ? [DeliveryLoop.task(config: config)] : []) + [ChairUpdateDrafts.task()]
        )
        // Erased values are overwritten in the file, not left in free pages (FamilyRights).
        definition.secureDelete = true
        return definition
    }
}
