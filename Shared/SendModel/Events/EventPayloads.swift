/// Every payload type of the contract, for the tests that hold the types and docs/PROTOCOL.md together.
public enum EventPayloads {
    /// One payload type per event type (notifications excepted: they carry their source's type).
    public static let all: [any EventPayload.Type] = [
        Heartbeat.self,
        InspectionRecorded.self, FindingRecorded.self, FindingJudged.self, FindingCarriedOver.self,
        ActionCreated.self, ActionUpdated.self, ActionStatusChanged.self, ActionProgress.self, ActionExceptionRecorded.self,
        ActionOverdue.self, ActionDueSoon.self, CoverageGap.self, CoverageClosed.self, KPIRecorded.self, KPIReading.self,
        MemberRecorded.self, MeetingRecorded.self, DecisionRecorded.self, PlanSubmitted.self, ActionsImported.self,
        FamilyImported.self, QuestionnaireCreated.self, DispatchStarted.self, DispatchCompleted.self, MessageFailed.self,
        ResponseReceived.self, UpdateDrafted.self, UpdatePublished.self, EnquiryReceived.self, EnquiryEscalated.self,
        EnquiryAnswered.self, FamilyErased.self, RetentionErased.self,
        ServiceStarted.self, ServiceExited.self, ServiceRestarted.self, ServiceFailed.self,
        ServiceHung.self, OrphanStopped.self, ServiceGone.self, PersonAdded.self, PersonRevoked.self,
        FollowerStalled.self, FollowerResumed.self, FollowerAccepted.self,
        ChairUpdatePublished.self, ThemeNamed.self,
        ActionChangeRequested.self, ActionChangeApproved.self, ActionChangeRefused.self, ActionRAGChanged.self,
        ActionMilestoneAdded.self, ActionMilestoneMet.self, ActionMilestoneMissed.self,
    ]

    /// The keys of `P.example` as data: what the type puts on the wire (nested objects as `a.b`).
    public static func exampleKeys(_ type: any EventPayload.Type) throws -> Set<String> {
        func keys(_ value: JSONValue) -> Set<String> { Set(value.objectValue?.keys.map { $0 } ?? []) }
        return keys(try type.exampleData())
    }
}
