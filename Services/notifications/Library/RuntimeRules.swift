import SendModel

/// The rules for the runtime's own events: a follower that stops applying is urgent for operators
/// (nothing after that event reaches the service until it is mended), and its resumption is news.
/// They come from every service, the notifications service's own followers included (those reach
/// the rules in the same transaction, with seq 0, through `ServiceDefinition.runtimeEvents`).
enum RuntimeRules {
    /// Notifications for a runtime event; nil when the event is not one of the runtime's.
    static func notifications(for event: Event) -> [Notification]? {
        let src = event.seq > 0 ? (service: event.source, seq: event.seq, type: event.type) : nil
        switch event.type {
        case EventType.followerStalled:
            guard let stalled = try? event.decode(as: FollowerStalled.self) else { return undecodable(event) }
            let what = stalled.type.map { "\(stalled.source)#\(stalled.seq) (\($0))" } ?? "\(stalled.source)#\(stalled.seq)"
            return [Notification(type: event.type, audience: [.operators], severity: .urgent,
                                 title: "\(stalled.service) has stopped applying \(stalled.source)'s events",
                                 text: "\(stalled.service) cannot apply \(what) and applies nothing after it until it can: "
                                     + "\(stalled.reason). It retries on its own; `sendctl health \(stalled.service)` shows the state.",
                                 subjectKind: "service", subjectID: stalled.service, source: src)]
        case EventType.followerResumed:
            guard let resumed = try? event.decode(as: FollowerResumed.self) else { return undecodable(event) }
            return [Notification(type: event.type, audience: [.operators], severity: .info,
                                 title: "\(resumed.service) applies \(resumed.source)'s events again",
                                 text: "\(resumed.service) has applied \(resumed.source)#\(resumed.seq), where it had stopped; nothing was skipped.",
                                 subjectKind: "service", subjectID: resumed.service, source: src)]
        case EventType.followerAccepted:
            guard let accepted = try? event.decode(as: FollowerAccepted.self) else { return undecodable(event) }
            let start = accepted.cursor == 0 ? "from its first event" : "after its event #\(accepted.cursor)"
            return [Notification(type: event.type, audience: [.operators], severity: .info,
                                 title: "\(accepted.service) follows \(accepted.source)'s new log",
                                 text: "An operator accepted \(accepted.source)'s replaced log (now \(accepted.incarnation)"
                                     + (accepted.previous.map { ", was \($0)" } ?? "") + "): \(accepted.service) applies it \(start).",
                                 subjectKind: "service", subjectID: accepted.service, source: src)]
        default:
            return nil
        }
    }

    /// A runtime event whose data does not decode is itself worth an operator's look; nothing is invented.
    private static func undecodable(_ event: Event) -> [Notification] {
        [Notification(type: event.type, audience: [.operators], severity: .urgent,
                      title: "Unreadable \(event.type) from \(event.source)",
                      text: "\(event.source)#\(event.seq) could not be read as \(event.type); see `sendctl health \(event.source)`.",
                      subjectKind: "service", subjectID: event.source,
                      source: (service: event.source, seq: event.seq, type: event.type))]
    }
}
