public import SendRuntime
import SendModel

/// The board service: the written statement of action and the board's work on it.
public enum BoardService {
    public static func definition() throws -> ServiceDefinition {
        ServiceDefinition(name: ServiceName.board, follows: [
            Follow(ServiceName.findings) { _, _ in },
        ])
    }
}
