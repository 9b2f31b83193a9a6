public import SendRuntime
import SendModel

/// The notifications service: follows every other service and keeps the notification log.
public enum NotificationsService {
    public static func definition() throws -> ServiceDefinition {
        ServiceDefinition(name: ServiceName.notifications, follows: [
            Follow(ServiceName.findings) { _, _ in },
            Follow(ServiceName.board) { _, _ in },
            Follow(ServiceName.comms) { _, _ in },
            Follow(ServiceName.supervisor) { _, _ in },
        ])
    }
}
