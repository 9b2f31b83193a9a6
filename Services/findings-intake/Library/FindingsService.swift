public import SendRuntime
import SendModel

/// The findings service: inspections, findings, deadlines and revisit judgements.
public enum FindingsService {
    public static func definition() throws -> ServiceDefinition {
        ServiceDefinition(name: ServiceName.findings)
    }
}
