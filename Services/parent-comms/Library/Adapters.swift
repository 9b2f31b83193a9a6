public import SendModel

/// What became of one hand-over to a channel.
public enum DeliveryOutcome: Sendable, Equatable {
    /// The provider accepted the message (the relay answered 250; the spool file is in place).
    case delivered
    /// Try again later on the same channel (with backoff).
    case temporaryFailure(String)
    /// This contact detail will never work: flag it and try the next channel.
    case permanentFailure(String)
    /// Something went wrong that retrying will not fix, and that is not the contact detail's fault.
    case technicalFailure(String)
    /// The provider cannot be reached now: nothing is wrong with the message; retry later without counting an attempt.
    case unavailable(String)
}

/// One channel's way out. Email, text messages and letters all go through this interface; the
/// delivery loop owns its adapters on its own thread.
public protocol ChannelAdapter {
    var channel: Channel { get }
    /// For the log: where messages go (no personal data).
    var destination: String { get }
    func deliver(_ message: OutgoingMessage) -> DeliveryOutcome
}

/// Email to an SMTP relay (`SEND_SMTP_URL`), through libcurl.
final class SMTPEmailAdapter: ChannelAdapter {
    let channel = Channel.email
    let destination: String
    private let mailer: SMTPMailer
    private let config: CommsConfig

    init?(config: CommsConfig) {
        guard let url = config.smtpURL,
              let mailer = SMTPMailer(url: url, from: config.smtpFrom, user: config.smtpUser, password: config.smtpPassword,
                                      startTLS: config.smtpStartTLS) else { return nil }
        self.mailer = mailer
        self.config = config
        destination = "SMTP relay \(url)"
    }

    func deliver(_ message: OutgoingMessage) -> DeliveryOutcome {
        let bytes = MailFormat.compose(message, fromAddress: config.smtpFrom, fromName: config.smtpFromName, now: Timestamp.now())
        switch mailer.send(to: message.to, message: bytes) {
        case .accepted: return .delivered
        case .rejected(let why): return .permanentFailure(why)
        case .deferred(let why): return .temporaryFailure(why)
        case .relayUnavailable(let why): return .unavailable(why)
        case .failed(let why): return .technicalFailure(why)
        }
    }
}

/// The embedded default for every channel: one file per message in a spool directory.
final class SpoolAdapter: ChannelAdapter {
    let channel: Channel
    let destination: String
    private let directory: SpoolDirectory
    private let config: CommsConfig

    init(channel: Channel, spoolRoot: String, config: CommsConfig) {
        self.channel = channel
        self.config = config
        let sub: String
        switch channel {
        case .email: sub = "email"
        case .sms: sub = "sms"
        case .letter: sub = "letters"
        }
        directory = SpoolDirectory(path: "\(spoolRoot)/\(sub)")
        destination = "spool \(directory.path)"
    }

    func deliver(_ message: OutgoingMessage) -> DeliveryOutcome {
        let now = Timestamp.now()
        let bytes: [UInt8]
        let name: String
        switch channel {
        case .email:
            bytes = MailFormat.compose(message, fromAddress: config.smtpFrom, fromName: config.smtpFromName, now: now)
            name = "\(message.reference).eml"
        case .sms:
            bytes = SpoolFormat.sms(message, at: now)
            name = "\(message.reference).json"
        case .letter:
            bytes = SpoolFormat.letter(message, at: now)
            name = "\(message.reference).json"
        }
        do {
            try directory.write(name: name, bytes: bytes)
            return .delivered
        } catch {
            return .unavailable("\(error)")
        }
    }
}
