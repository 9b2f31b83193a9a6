import FamilyPortal
import Hummingbird

let app = Application(router: Portal.buildRouter(), configuration: .init(address: .hostname("127.0.0.1", port: 8080)))
try await app.runService()
