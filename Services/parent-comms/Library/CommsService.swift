public import SendRuntime
import SendModel

/// The comms service: families, questionnaires, updates and enquiries.
public enum CommsService {
    public static func definition() throws -> ServiceDefinition {
        ServiceDefinition(name: ServiceName.comms, follows: [
            Follow(ServiceName.board) { _, _ in },
        ])
    }
}
