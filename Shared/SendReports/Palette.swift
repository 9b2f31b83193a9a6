/// Colours chosen for contrast (WCAG 2.1 AA): text on each fill ≥ 4.5:1, each fill or its outline
/// against the white page ≥ 3:1. Colour never carries meaning alone: every mark has a text label,
/// a legend and a data table beside it.
enum Palette {
    struct Fill {
        let fill: String
        /// The colour of text drawn on the fill.
        let ink: String
        /// An outline where the fill alone is too light against white.
        let stroke: String?
    }

    static let text = "#0b0c0c"
    static let secondary = "#505a5f"
    static let grid = "#b1b4b6"
    static let axis = "#505a5f"
    static let line = "#1d70b8"
    static let baseline = "#505a5f"
    static let target = "#00703c"
    /// Today's marker: dark, so it stands out against white and the line.
    static let focusInk = "#0b0c0c"

    static func rag(_ r: ReportData.RAG?) -> Fill {
        switch r {
        case .red?: Fill(fill: "#d4351c", ink: "#ffffff", stroke: nil)
        case .amber?: Fill(fill: "#f47738", ink: "#0b0c0c", stroke: "#8f4100")
        case .green?: Fill(fill: "#00703c", ink: "#ffffff", stroke: nil)
        case nil: Fill(fill: "#6f777b", ink: "#ffffff", stroke: nil)
        }
    }

    static func status(_ s: ReportData.Status) -> Fill {
        switch s {
        case .notStarted: Fill(fill: "#b1b4b6", ink: "#0b0c0c", stroke: "#505a5f")
        case .inProgress: Fill(fill: "#1d70b8", ink: "#ffffff", stroke: nil)
        case .delayed: Fill(fill: "#d4351c", ink: "#ffffff", stroke: nil)
        case .completed: Fill(fill: "#00703c", ink: "#ffffff", stroke: nil)
        case .verified: Fill(fill: "#28a197", ink: "#0b0c0c", stroke: "#00574f")
        case .cancelled: Fill(fill: "#505a5f", ink: "#ffffff", stroke: nil)
        case .suspended: Fill(fill: "#f3f2f1", ink: "#0b0c0c", stroke: "#505a5f")
        }
    }

    static let bar = Fill(fill: "#1d70b8", ink: "#ffffff", stroke: nil)
}
