/// The board's chair's updates and themes (docs/PROTOCOL.md, board, Events): ids, the meeting and
/// titles only. The update's text stays in the board (`board.meetings.updates`); followers that need
/// it ask for it.

/// `chair_update.published`: the chair published an update after a meeting.
public struct ChairUpdatePublished: EventPayload, Hashable {
    public static let eventType = EventType.chairUpdatePublished
    public var updateID: String
    public var meetingID: String
    public var title: String

    public init(updateID: String, meetingID: String, title: String) {
        self.updateID = updateID
        self.meetingID = meetingID
        self.title = title
    }

    enum CodingKeys: String, CodingKey { case updateID = "update_id", meetingID = "meeting_id", title }

    public static var example: Self { .init(updateID: "CU-001", meetingID: "MTG-001", title: "The chair's update: March meeting") }
}

/// `theme.named`: the board named a theme (an area of weakness in plain English) or changed what it holds.
public struct ThemeNamed: EventPayload, Hashable {
    public static let eventType = EventType.themeNamed
    public var themeID: String
    public var name: String
    /// How many findings and actions the theme holds now.
    public var findings: Int
    public var actions: Int

    public init(themeID: String, name: String, findings: Int, actions: Int) {
        self.themeID = themeID
        self.name = name
        self.findings = findings
        self.actions = actions
    }

    enum CodingKeys: String, CodingKey { case themeID = "theme_id", name, findings, actions }

    public static var example: Self { .init(themeID: "T-01", name: "Getting help early", findings: 2, actions: 3) }
}
