public import Hummingbird

/// The families' door (placeholder while the build warms up).
public enum Portal {
    public static func buildRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.get("/") { _, _ in "SEND Partnership" }
        return router
    }
}
