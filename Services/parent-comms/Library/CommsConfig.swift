public import SendModel
public import SendRuntime

/// The comms service's settings, from the environment (every one has an embedded default).
///
/// | variable | default | meaning |
/// |---|---|---|
/// | `SEND_SMTP_URL` | unset | the relay, `smtp://host:port` or `smtps://host:port`; unset: email is written to the spool |
/// | `SEND_SMTP_FROM` | `noreply@send-partnership.invalid` | the envelope and `From:` address |
/// | `SEND_SMTP_USER`, `SEND_SMTP_PASSWORD` | unset | relay credentials, when it wants them |
/// | `SEND_SMTP_STARTTLS` | `0` | `1`: require STARTTLS on `smtp://` |
/// | `SEND_RATE_LIMIT_PER_MINUTE` | 3000 | messages a minute over all channels; 0 = unlimited |
/// | `SEND_MESSAGE_RETENTION_DAYS` | 7 | days the content of a sent message is kept |
/// | `SEND_PUBLIC_URL` | `http://127.0.0.1:8080` | the family portal's address as families reach it; every link in a message starts with it |
/// | `SEND_CONTACT_PHONE` | unset | the phone number letters give, to answer or stop by phone |
/// | `SEND_DELIVERY_MAX_ATTEMPTS` | 5 | tries on one channel after temporary failures before the next channel |
/// | `SEND_RETRY_BASE_SECONDS` | 30 | first retry delay; doubles each time, at most one hour |
/// | `SEND_SENDING_RECHECK_SECONDS` | 300 | a message left in `sending` by a crash is retried after this |
/// | `SEND_SPOOL_DIR` | `<data>/spool` | where text messages, letters (and email without a relay) are written |
/// | `SEND_ENQUIRY_CHECK_SECONDS` | 60 | how often overdue enquiries are looked for |
/// | `SEND_RETENTION_CHECK_SECONDS` | 60 | how often sent content past retention is purged (and a day's family retention check is due) |
/// | `SEND_FAMILY_RETENTION_YEARS` | 2 | whole years after every child's EHC plan ended before the family is erased |
/// | `SEND_ENQUIRER_RETENTION_DAYS` | 365 | days after a web enquirer's last enquiry was answered before they are erased |
public struct CommsConfig: Sendable {
    public var smtpURL: String?
    public var smtpFrom = "noreply@send-partnership.invalid"
    public var smtpFromName = "SEND Partnership"
    public var smtpUser: String?
    public var smtpPassword: String?
    public var smtpStartTLS = false
    public var ratePerMinute = 3000
    public var retentionDays = 7.0
    /// No trailing slash.
    public var publicURL = "http://127.0.0.1:8080"
    public var contactPhone: String?
    public var maxAttempts = 5
    public var retryBaseSeconds = 30.0
    public var sendingRecheckSeconds = 300.0
    public var spoolDirectory: String?
    public var enquiryCheckSeconds = 60.0
    public var retentionCheckSeconds = 60.0
    /// Whole years after every child's EHC plan ended before a family is erased (docs/PROTOCOL.md says why two).
    public var familyRetentionYears = 2
    /// Days after every enquiry of a web enquirer was answered before the enquirer is erased.
    public var enquirerRetentionDays = 365
    /// False: no delivery task runs (messages stay queued); for in-process tests.
    public var deliveryEnabled = true

    public init() {}

    public static func fromEnvironment(_ env: [String: String] = currentEnvironment()) throws(StartupError) -> CommsConfig {
        var c = CommsConfig()
        func text(_ name: String) -> String? { env[name].flatMap { $0.trimmingSpaces.isEmpty ? nil : $0.trimmingSpaces } }
        func number(_ name: String, min: Double, integer: Bool = false) throws(StartupError) -> Double? {
            guard let t = text(name) else { return nil }
            guard let d = Double(t), d >= min, !integer || d == d.rounded() else {
                throw StartupError("\(name) must be a\(integer ? " whole" : "") number ≥ \(Int(min)); got '\(t)'")
            }
            return d
        }
        if let url = text("SEND_SMTP_URL") {
            let lower = url.lowercased()
            guard lower.hasPrefix("smtp://") || lower.hasPrefix("smtps://"), url.count > 8 else {
                throw StartupError("SEND_SMTP_URL must be smtp://host:port or smtps://host:port; got '\(url)'")
            }
            c.smtpURL = url
        }
        if let from = text("SEND_SMTP_FROM") {
            guard Contact.email(from) != nil else {
                throw StartupError("SEND_SMTP_FROM must be an email address (name@domain); got '\(from)'")
            }
            c.smtpFrom = from
        }
        c.smtpUser = text("SEND_SMTP_USER")
        c.smtpPassword = env["SEND_SMTP_PASSWORD"]
        c.smtpStartTLS = text("SEND_SMTP_STARTTLS") == "1"
        if let n = try number("SEND_RATE_LIMIT_PER_MINUTE", min: 0, integer: true) { c.ratePerMinute = Int(n) }
        if let n = try number("SEND_MESSAGE_RETENTION_DAYS", min: 0) { c.retentionDays = n }
        if env["SEND_RESPONSE_URL"] != nil {
            throw StartupError("SEND_RESPONSE_URL is replaced by SEND_PUBLIC_URL, the family portal's address as families reach it "
                + "(links are now <public>/respond/<token>): set SEND_PUBLIC_URL and unset SEND_RESPONSE_URL")
        }
        if let u = text("SEND_PUBLIC_URL") {
            var url = u
            while url.hasSuffix("/") { url.removeLast() }
            let lower = url.lowercased()
            let host = lower.drop(while: { $0 != "/" }).dropFirst(2)
            guard lower.hasPrefix("http://") || lower.hasPrefix("https://"), !host.isEmpty, !url.contains(" ") else {
                throw StartupError("SEND_PUBLIC_URL must be the portal's address, http://host[:port][/path] or https://…; got '\(u)'")
            }
            c.publicURL = url
        }
        if let phone = text("SEND_CONTACT_PHONE") {
            let allowed = Set("0123456789 +()-")
            guard phone.count <= 30, phone.allSatisfy(allowed.contains), phone.filter(\.isNumber).count >= 6 else {
                throw StartupError("SEND_CONTACT_PHONE must be a phone number as letters should print it (digits, spaces, + ( ) -), "
                    + "for example 01632 960 000; got '\(phone)'")
            }
            c.contactPhone = phone
        }
        if let n = try number("SEND_DELIVERY_MAX_ATTEMPTS", min: 1, integer: true) { c.maxAttempts = Int(n) }
        if let n = try number("SEND_RETRY_BASE_SECONDS", min: 0) { c.retryBaseSeconds = n }
        if let n = try number("SEND_SENDING_RECHECK_SECONDS", min: 0) { c.sendingRecheckSeconds = n }
        c.spoolDirectory = text("SEND_SPOOL_DIR")
        if let n = try number("SEND_ENQUIRY_CHECK_SECONDS", min: 0) { c.enquiryCheckSeconds = max(0.05, n) }
        if let n = try number("SEND_RETENTION_CHECK_SECONDS", min: 0) { c.retentionCheckSeconds = max(0.05, n) }
        if let n = try number("SEND_FAMILY_RETENTION_YEARS", min: 0, integer: true) { c.familyRetentionYears = Int(n) }
        if let n = try number("SEND_ENQUIRER_RETENTION_DAYS", min: 0, integer: true) { c.enquirerRetentionDays = Int(n) }
        return c
    }

    /// The delay before retry number `attempt` (1-based) after a temporary failure.
    func retryDelayMillis(afterAttempt attempt: Int) -> Int64 {
        let seconds = min(3600, retryBaseSeconds * Double(1 << min(20, max(0, attempt - 1))))
        return Int64(seconds * 1000)
    }
}
