public import Hummingbird
import NIOCore

/// The request context of every portal route: Hummingbird's core storage and the peer's address
/// (the client, or the proxy in front of it).
public struct PortalContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connection's remote IP address, when the channel has one.
    public let peer: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peer = source.channel.remoteAddress?.ipAddress
    }

    /// Bodies over the portal's own limit are refused before they are read whole (see `Portal.body`).
    public var maxUploadSize: Int { 64 * 1024 }
}

extension Router where Context == PortalContext {
    /// A page: GET, and HEAD (the same without the body, which the middleware drops).
    @discardableResult
    func page(_ path: RouterPath, use handler: @escaping @Sendable (Request, PortalContext) async throws -> Response) -> Self {
        get(path, use: handler)
        on(path, method: .head, use: handler)
        return self
    }
}
