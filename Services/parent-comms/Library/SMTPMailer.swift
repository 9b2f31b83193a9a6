import CLibCurl
import Foundation

/// Sends email to a relay over SMTP through libcurl, reusing one connection while it stays open.
///
/// Not thread-safe: one instance per delivery thread.
final class SMTPMailer {
    enum Outcome: Equatable {
        /// The relay accepted the message (250 after DATA).
        case accepted
        /// The relay refused the recipient or the message for good (5xx).
        case rejected(String)
        /// The relay asked to try later (4xx).
        case deferred(String)
        /// The relay could not be reached, or refused us (connection, TLS, login, sender): nothing is wrong with the message.
        case relayUnavailable(String)
        /// Anything else.
        case failed(String)
    }

    private static let initialised: Bool = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
    }()

    private let handle: UnsafeMutableRawPointer
    private let url: String
    private let from: String
    private let user: String?
    private let password: String?
    private let startTLS: Bool
    private let timeoutSeconds: Int
    private var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

    init?(url: String, from: String, user: String? = nil, password: String? = nil, startTLS: Bool = false, timeoutSeconds: Int = 20) {
        guard SMTPMailer.initialised, let h = curl_easy_init() else { return nil }
        handle = h
        self.url = url
        self.from = from
        self.user = user
        self.password = password
        self.startTLS = startTLS
        self.timeoutSeconds = timeoutSeconds
    }

    deinit { curl_easy_cleanup(handle) }

    /// The bytes being uploaded and how far curl has read them.
    private final class Upload {
        let bytes: [UInt8]
        var offset = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }
    }

    private static let read: send_curl_read_callback = { buffer, size, count, userdata in
        guard let buffer, let userdata else { return 0 }
        let upload = Unmanaged<Upload>.fromOpaque(userdata).takeUnretainedValue()
        let n = min(size * count, upload.bytes.count - upload.offset)
        if n > 0 {
            upload.bytes.withUnsafeBytes { source in
                _ = memcpy(buffer, source.baseAddress! + upload.offset, n)
            }
            upload.offset += n
        }
        return n
    }

    /// Sends one message to one recipient.
    func send(to recipient: String, message: [UInt8]) -> Outcome {
        let upload = Upload(message)
        let uploadPointer = Unmanaged.passRetained(upload)
        defer { uploadPointer.release() }
        var recipients: UnsafeMutablePointer<curl_slist>? = nil
        recipients = curl_slist_append(recipients, "<\(recipient)>")
        defer { curl_slist_free_all(recipients) }

        errorBuffer.withUnsafeMutableBufferPointer { $0[0] = 0 }
        var rc = CURLE_OK
        func set(_ code: CURLcode) { if rc == CURLE_OK { rc = code } }
        set(send_curl_setopt_string(handle, CURLOPT_URL, url))
        set(send_curl_setopt_string(handle, CURLOPT_MAIL_FROM, "<\(from)>"))
        set(send_curl_setopt_slist(handle, CURLOPT_MAIL_RCPT, recipients))
        set(send_curl_setopt_long(handle, CURLOPT_UPLOAD, 1))
        set(send_curl_setopt_offset(handle, CURLOPT_INFILESIZE_LARGE, Int64(message.count)))
        set(send_curl_setopt_read_function(handle, SMTPMailer.read))
        set(send_curl_setopt_pointer(handle, CURLOPT_READDATA, uploadPointer.toOpaque()))
        set(send_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
        set(send_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, 10))
        set(send_curl_setopt_long(handle, CURLOPT_TIMEOUT, timeoutSeconds))
        if let user { set(send_curl_setopt_string(handle, CURLOPT_USERNAME, user)) }
        if let password { set(send_curl_setopt_string(handle, CURLOPT_PASSWORD, password)) }
        if startTLS { set(send_curl_setopt_long(handle, CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue))) }
        let performed: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { buffer in
            set(send_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, buffer.baseAddress))
            guard rc == CURLE_OK else { return rc }
            return curl_easy_perform(handle)
        }
        // The buffer must not outlive this call in curl's hands.
        _ = send_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, nil)
        _ = send_curl_setopt_slist(handle, CURLOPT_MAIL_RCPT, nil)
        _ = send_curl_setopt_pointer(handle, CURLOPT_READDATA, nil)
        var code = 0
        _ = send_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code)
        let detail = errorBuffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return SMTPMailer.classify(performed, responseCode: code, detail: detail)
    }

    /// Turns curl's result and the last SMTP reply code into an outcome. The descriptions hold codes
    /// and curl's generic texts only, never an address.
    static func classify(_ rc: CURLcode, responseCode: Int, detail: String) -> Outcome {
        if rc == CURLE_OK { return .accepted }
        let curlText = String(cString: curl_easy_strerror(rc))
        let stage = detail.hasPrefix("RCPT") ? "recipient" : detail.hasPrefix("MAIL") ? "sender" : "message"
        switch rc {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_OPERATION_TIMEDOUT,
             CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_LOGIN_DENIED, CURLE_GOT_NOTHING,
             CURLE_USE_SSL_FAILED, CURLE_AUTH_ERROR:
            return .relayUnavailable("relay: \(curlText)")
        default:
            break
        }
        if stage == "sender" { return .relayUnavailable("relay refused the sender (SMTP \(responseCode))") }
        switch responseCode {
        case 500..<600: return .rejected("\(stage) rejected (SMTP \(responseCode))")
        case 400..<500: return .deferred("\(stage) deferred (SMTP \(responseCode))")
        default:
            if rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR { return .relayUnavailable("relay: \(curlText)") }
            return .failed("smtp: \(curlText)")
        }
    }
}
