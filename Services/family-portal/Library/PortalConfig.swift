public import SendRuntime
public import SendModel

/// The portal's settings, from the environment; every one has an embedded default.
///
/// | variable | default | meaning |
/// |---|---|---|
/// | `SEND_PORTAL_ADDRESS` | `127.0.0.1:8080` | where the portal listens (HTTP; TLS is the proxy's) |
/// | `SEND_PUBLIC_URL` | `http://127.0.0.1:8080` | the portal's address as families reach it; `https://…` makes cookies Secure |
/// | `SEND_CONTACT_PHONE`, `SEND_CONTACT_EMAIL`, `SEND_CONTACT_ADDRESS` | unset | the partnership's ways to be reached, shown on every page |
/// | `SEND_PORTAL_POSTS_PER_MINUTE` | 30 | form submissions a client may make a minute; 0 = no limit |
/// | `SEND_PORTAL_KEY_MISSES` | 10 | unknown codes or links a client may try in 15 minutes before it is refused |
/// | `SEND_PORTAL_TRUSTED_PROXIES` | `127.0.0.1,::1` | peers whose `X-Forwarded-For` names the client |
public struct PortalConfig: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    public var publicURL = "http://127.0.0.1:8080"
    public var contactPhone: String?
    public var contactEmail: String?
    public var contactAddress: String?
    public var postsPerMinute = 30
    public var keyMisses = 10
    public var keyMissWindowSeconds = 15 * 60
    public var trustedProxies: Set<String> = ["127.0.0.1", "::1"]
    /// The largest request body read; larger is refused with 413 before it is parsed.
    public var maxBodyBytes = 64 * 1024
    /// How long one call to a service may take before the page says the service is unavailable.
    public var serviceTimeoutSeconds = 3.0
    /// The progress page is checked for changes (the services' last seqs) at most this often.
    public var progressCheckSeconds = 1.0

    public init() {}

    /// Cookies carry `Secure` when families reach the portal over HTTPS.
    public var secureCookies: Bool { publicURL.lowercased().hasPrefix("https://") }

    public static func fromEnvironment(_ env: [String: String] = currentEnvironment()) throws(StartupError) -> PortalConfig {
        var c = PortalConfig()
        func text(_ name: String) -> String? { env[name].flatMap { $0.trimmingSpaces.isEmpty ? nil : $0.trimmingSpaces } }
        func count(_ name: String) throws(StartupError) -> Int? {
            guard let t = text(name) else { return nil }
            guard let n = Int(t), n >= 0 else { throw StartupError("\(name) must be a whole number ≥ 0; got '\(t)'") }
            return n
        }
        if let address = text("SEND_PORTAL_ADDRESS") {
            guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]), (0...65535).contains(port) else {
                throw StartupError("SEND_PORTAL_ADDRESS must be HOST:PORT (for example 127.0.0.1:8080); got '\(address)'")
            }
            var host = String(address[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard !host.isEmpty else { throw StartupError("SEND_PORTAL_ADDRESS has no host; got '\(address)'") }
            c.host = host
            c.port = port
        }
        if let url = text("SEND_PUBLIC_URL") {
            let lower = url.lowercased()
            guard lower.hasPrefix("http://") || lower.hasPrefix("https://"), url.count > 8, !url.contains(" ") else {
                throw StartupError("SEND_PUBLIC_URL must be http://… or https://… (the portal's address as families reach it); got '\(url)'")
            }
            c.publicURL = url.hasSuffix("/") ? String(url.dropLast()) : url
        }
        c.contactPhone = text("SEND_CONTACT_PHONE")
        c.contactEmail = text("SEND_CONTACT_EMAIL")
        c.contactAddress = text("SEND_CONTACT_ADDRESS")
        if let n = try count("SEND_PORTAL_POSTS_PER_MINUTE") { c.postsPerMinute = n }
        if let n = try count("SEND_PORTAL_KEY_MISSES") { c.keyMisses = n }
        if let list = text("SEND_PORTAL_TRUSTED_PROXIES") {
            c.trustedProxies = Set(list.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty })
        }
        return c
    }
}
