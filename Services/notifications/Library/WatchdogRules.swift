import SendModel

/// The rules for the supervisor's watchdog and take-over: a service killed because it showed no
/// life is urgent for operators (it was frozen or stuck; it is restarted, but why it hung needs a
/// look); what a new supervisor found left by a killed one is a warning.
enum WatchdogRules {
    /// Notifications for a watchdog or take-over event; nil when the event is not one of these.
    /// Data that does not decode throws an error naming the event and the field, as every rule does.
    static func notifications(for event: Event) throws -> [Notification]? {
        let src = (service: event.source, seq: event.seq, type: event.type)
        func one(_ severity: Severity, _ title: String, _ text: String, _ service: String) -> [Notification] {
            [Notification(type: event.type, audience: [.operators], severity: severity, title: title, text: text,
                          subjectKind: "service", subjectID: service, source: src)]
        }
        switch event.type {
        case EventType.serviceHung:
            let hung = try event.decode(as: ServiceHung.self)
            return one(.urgent, "Service \(hung.service) hung and was killed",
                       "\(hung.service) (pid \(hung.pid)) showed no life for \(hung.silentMs) ms (the watchdog allows \(hung.watchdogSeconds) s); "
                           + "the supervisor sent SIGKILL and restarts it. Its log may say why it stopped answering.", hung.service)
        case EventType.serviceOrphanStopped:
            let orphan = try event.decode(as: OrphanStopped.self)
            return one(.warning, "Service \(orphan.service) was running without a supervisor",
                       "A new supervisor found \(orphan.service) (pid \(orphan.pid)) left by one that was killed, stopped it with \(orphan.signal) "
                           + "and starts it under supervision.", orphan.service)
        case EventType.serviceGone:
            let gone = try event.decode(as: ServiceGone.self)
            return one(.warning, "Service \(gone.service) had died without a supervisor",
                       "A new supervisor found that \(gone.service)\(gone.pid.map { " (pid \($0))" } ?? "") had ended while no supervisor ran; "
                           + "it is started afresh.", gone.service)
        default:
            return nil
        }
    }
}
