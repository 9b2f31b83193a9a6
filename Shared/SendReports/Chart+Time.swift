import SendModel

extension Chart {
    /// A KPI's readings over time against its baseline and target: readings joined by a line from
    /// the baseline, the baseline and target as dashed lines, the target date marked.
    func kpiLine(_ h: inout HTML, kpi: ReportData.KPI, today: LocalDate, plotHeight: Double = 240) {
        let left = font * 3.6
        let right = font * 1.2
        let top = font * 1.6
        let bottom = font * 2.4
        let plotW = width - left - right
        let height = top + plotHeight + bottom
        begin(&h, height: height)

        var dates = kpi.readings.map(\.date)
        if let d = kpi.baselineDate { dates.append(d) }
        if let d = kpi.targetDate { dates.append(d) }
        if dates.isEmpty { dates = [today] }
        let first = dates.min()!.dayNumber
        let last = max(dates.max()!.dayNumber, first + 30)
        let span = Double(last - first)
        func x(_ d: LocalDate) -> Double { left + Double(d.dayNumber - first) / span * plotW }
        let values = kpi.readings.map(\.value) + [kpi.baseline, kpi.target]
        let lowest = min(0, values.min() ?? 0)
        let scale = niceScale((values.max() ?? 1) - lowest, ticks: 5)
        func y(_ v: Double) -> Double { top + plotHeight - (v - lowest) / scale.max * plotHeight }

        // Grid and value axis.
        var tick = 0.0
        var gridYs: [Double] = []
        while tick <= scale.max + scale.step / 2 {
            gridYs.append(y(lowest + tick))
            line(&h, x1: left, y1: y(lowest + tick), x2: left + plotW, y2: y(lowest + tick), stroke: tick == 0 ? Palette.axis : "#dddddd")
            label(&h, Words.number(lowest + tick), x: left - 6, y: y(lowest + tick), anchor: "end", fill: Palette.secondary)
            tick += scale.step
        }
        // Time axis: up to five dates, fewer when narrow.
        let steps = max(1, min(4, Int(plotW / (textWidth("Sep 2018") * 1.5))))
        for i in 0...steps {
            let d = LocalDate(dayNumber: first + Int(Double(last - first) * Double(i) / Double(steps)))
            line(&h, x1: x(d), y1: top + plotHeight, x2: x(d), y2: top + plotHeight + 5, stroke: Palette.axis)
            label(&h, Words.shortMonth(d), x: x(d), y: top + plotHeight + font * 1.2,
                  anchor: i == 0 ? "start" : i == steps ? "end" : "middle", fill: Palette.secondary)
        }
        // Baseline and target.
        line(&h, x1: left, y1: y(kpi.baseline), x2: left + plotW, y2: y(kpi.baseline), stroke: Palette.baseline, width: 1.5, dash: "6 4")
        h.raw("<rect x=\"\(f(left))\" y=\"\(f(y(kpi.baseline)))\" width=\"0\" height=\"0\" data-series=\"baseline\" "
            + "data-label=\"\(kpi.baselineDate?.iso ?? "")\" data-value=\"\(Words.number(kpi.baseline))\"/>")
        let baselineText = "Baseline \(Words.number(kpi.baseline))" + (kpi.baselineDate.map { " (\(Words.shortMonth($0)))" } ?? "")
        let targetText = "Target \(Words.number(kpi.target))" + (kpi.targetDate.map { " by \(Words.shortMonth($0))" } ?? "")
        let apart = abs(y(kpi.baseline) - y(kpi.target)) > font * 1.4
        let baselineAbove = kpi.baseline >= kpi.target
        // Labels never sit on a line or on each other: each is placed at the first free position,
        // next to its own line (the side away from the other line first), then further out.
        let ruled = gridYs + [y(kpi.baseline), y(kpi.target)]
        var taken: [(x0: Double, x1: Double, y: Double)] = []
        func clear(_ ly: Double, _ x0: Double, _ x1: Double) -> Bool {
            ruled.allSatisfy { abs($0 - ly) > font * 0.5 }
                && taken.allSatisfy { abs($0.y - ly) > font * 1.0 || $0.x1 < x0 - 2 || $0.x0 > x1 + 2 }
        }
        func place(_ text: String, x1: Double, near lineY: Double, above: Bool) -> Double {
            let x0 = x1 - textWidth(text)
            let sign = above ? -1.0 : 1.0
            let offsets = [0.75, 1.25, 1.75, 2.25].flatMap { [sign * $0, -sign * $0] }
            let ly = offsets.map { lineY + $0 * font }.first { clear($0, x0, x1) } ?? lineY + sign * font * 0.75
            taken.append((x0, x1, ly))
            return ly
        }
        let baselineY = place(baselineText, x1: left + plotW, near: y(kpi.baseline), above: baselineAbove || !apart)
        label(&h, baselineText, x: left + plotW, y: baselineY, anchor: "end", fill: Palette.baseline, weight: "bold")
        line(&h, x1: left, y1: y(kpi.target), x2: left + plotW, y2: y(kpi.target), stroke: Palette.target, width: 1.5, dash: "2 3")
        h.raw("<rect x=\"\(f(left))\" y=\"\(f(y(kpi.target)))\" width=\"0\" height=\"0\" data-series=\"target\" "
            + "data-label=\"\(kpi.targetDate?.iso ?? "")\" data-value=\"\(Words.number(kpi.target))\"/>")
        let targetY = place(targetText, x1: left + plotW, near: y(kpi.target), above: !baselineAbove)
        label(&h, targetText, x: left + plotW, y: targetY, anchor: "end", fill: Palette.target, weight: "bold")
        if let d = kpi.targetDate {
            line(&h, x1: x(d), y1: top, x2: x(d), y2: top + plotHeight, stroke: Palette.target, dash: "2 3")
        }
        // The readings, from the baseline.
        var points: [(Double, Double)] = []
        if let d = kpi.baselineDate, kpi.readings.first.map({ $0.date > d }) ?? true { points.append((x(d), y(kpi.baseline))) }
        points += kpi.readings.map { (x($0.date), y($0.value)) }
        if points.count > 1 {
            h.raw("<polyline fill=\"none\" stroke=\"\(Palette.line)\" stroke-width=\"2.5\" points=\""
                + points.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " ") + "\"/>")
        }
        let labelled = kpi.readings.count <= 24
        // A reading's label goes above its point, or below it when above would sit on a line or a label.
        for r in kpi.readings {
            h.raw("<circle cx=\"\(f(x(r.date)))\" cy=\"\(f(y(r.value)))\" r=\"\(f(font * 0.32))\" fill=\"\(Palette.line)\" "
                + "stroke=\"#ffffff\" stroke-width=\"1.5\" data-series=\"reading\" data-label=\"\(r.date.iso)\" "
                + "data-value=\"\(Words.number(r.value))\"/>")
            if labelled {
                let text = Words.number(r.value)
                let half = textWidth(text) / 2
                let cx = x(r.date)
                let above = y(r.value) - font * 0.9, below = y(r.value) + font * 1.1
                let ly = clear(above, cx - half, cx + half) ? above : clear(below, cx - half, cx + half) ? below : above
                taken.append((cx - half, cx + half, ly))
                label(&h, text, x: cx, y: ly, anchor: "middle", fill: Palette.line, weight: "bold")
            }
        }
        end(&h)
    }

    struct DateMark {
        let date: LocalDate
        /// Short, on the chart.
        let label: String
        /// `data-series`: what kind of date it is.
        let kind: String
        /// Past dates are drawn filled, dates to come hollow.
        var future: Bool
    }

    struct DateBand {
        let start: LocalDate
        let end: LocalDate
        let label: String
        let kind: String
    }

    /// Dates on a line: each a marker with its label in the first free lane above the line; periods
    /// as bands; today as a vertical rule.
    func timeline(_ h: inout HTML, marks: [DateMark], bands: [DateBand], today: LocalDate) {
        let all = marks.map(\.date) + bands.flatMap { [$0.start, $0.end] } + [today]
        let first = all.min()!.dayNumber
        let last = max(all.max()!.dayNumber, first + 30)
        let pad = font * 0.8
        let plotW = width - 2 * pad
        let span = Double(last - first)
        func x(_ d: LocalDate) -> Double { pad + Double(d.dayNumber - first) / span * plotW }

        // Lanes: each label starts at its marker, or ends there near the right edge; first lane free wins.
        struct Placed { let mark: DateMark; let lane: Int; let x: Double; let anchor: String }
        var laneEnds: [Double] = []
        var placed: [Placed] = []
        for m in marks.sorted(by: { $0.date < $1.date }) {
            let text = "\(m.label), \(Words.shortDate(m.date))"
            let w = textWidth(text)
            let mx = x(m.date)
            let anchorEnd = mx + w > width - pad
            let startX = anchorEnd ? mx - w : mx
            var lane = laneEnds.firstIndex { $0 + font < startX } ?? laneEnds.count
            if lane == laneEnds.count { laneEnds.append(0) }
            laneEnds[lane] = anchorEnd ? mx : mx + w
            if lane > 12 { lane = 12 }
            placed.append(Placed(mark: m, lane: lane, x: mx, anchor: anchorEnd ? "end" : "start"))
        }
        let laneHeight = font * 1.5
        let lanes = Double(max(laneEnds.count, 1))
        let todayRoom = font * 1.6
        let axisY = todayRoom + font * 1.2 + lanes * laneHeight + font * 0.6
        let height = axisY + font * 4.6
        begin(&h, height: height)
        let tx = x(today)
        line(&h, x1: tx, y1: todayRoom, x2: tx, y2: axisY + font * 0.8, stroke: Palette.text, width: 1.5, dash: "4 3")
        let todayAtEnd = tx + textWidth("Today") + 6 > width
        label(&h, "Today", x: tx, y: todayRoom - font * 0.7, anchor: todayAtEnd ? "end" : "middle", weight: "bold")
        for b in bands {
            let x1 = x(b.start), x2 = x(b.end)
            h.raw("<rect x=\"\(f(x1))\" y=\"\(f(axisY - font * 0.7))\" width=\"\(f(max(2, x2 - x1)))\" height=\"\(f(font * 1.4))\" "
                + "fill=\"#d2e2f1\" stroke=\"#1d70b8\" data-series=\"\(b.kind)\" data-label=\"\(HTML.escape(b.label))\" "
                + "data-value=\"\(b.start.iso)/\(b.end.iso)\"/>")
            let text = "\(b.label): \(Words.shortDate(b.start)) to \(Words.shortDate(b.end))"
            let atEnd = x1 + textWidth(text) > width - pad
            label(&h, fit(text, width - 2 * pad), x: atEnd ? x2 : x1, y: axisY + font * 1.6, anchor: atEnd ? "end" : "start", fill: "#1d70b8")
        }
        line(&h, x1: pad, y1: axisY, x2: width - pad, y2: axisY, stroke: Palette.axis, width: 2)
        // Years along the line.
        let firstDate = LocalDate(dayNumber: first), lastDate = LocalDate(dayNumber: last)
        for year in firstDate.year...lastDate.year {
            guard let jan = LocalDate(year: year, month: 1, day: 1), jan.dayNumber > first, jan.dayNumber < last else { continue }
            line(&h, x1: x(jan), y1: axisY - 5, x2: x(jan), y2: axisY + 5, stroke: Palette.axis, width: 2)
            label(&h, String(year), x: x(jan), y: axisY + font * 3.4, anchor: "middle", fill: Palette.secondary)
        }
        // Leader lines first, then markers, then labels with a halo over them.
        for p in placed {
            let ly = axisY - font * 1.1 - Double(p.lane) * laneHeight
            line(&h, x1: p.x, y1: ly + font * 0.5, x2: p.x, y2: axisY, stroke: Palette.grid)
        }
        for p in placed {
            h.raw("<circle cx=\"\(f(p.x))\" cy=\"\(f(axisY))\" r=\"\(f(font * 0.4))\" fill=\"\(p.mark.future ? "#ffffff" : Palette.text)\" "
                + "stroke=\"\(Palette.text)\" stroke-width=\"2\" data-series=\"\(p.mark.kind)\" data-label=\"\(HTML.escape(p.mark.label))\" "
                + "data-value=\"\(p.mark.date.iso)\"/>")
        }
        for p in placed {
            let ly = axisY - font * 1.1 - Double(p.lane) * laneHeight
            label(&h, "\(p.mark.label), \(Words.shortDate(p.mark.date))", x: p.x + (p.anchor == "end" ? 3 : -3), y: ly, anchor: p.anchor,
                  halo: true)
        }
        end(&h)
    }

    /// Dates down the page, one row each, today in its place: narrow enough for a phone.
    func timelineDown(_ h: inout HTML, marks: [DateMark], bands: [DateBand], today: LocalDate) {
        enum Row {
            case mark(DateMark)
            case band(DateBand)
            case today
        }
        var rows: [(date: LocalDate, order: Int, row: Row)] = marks.map { ($0.date, 1, .mark($0)) } + bands.map { ($0.start, 1, .band($0)) }
        rows.append((today, 0, .today))
        rows.sort { ($0.date, $0.order) < ($1.date, $1.order) }
        let rowHeight = font * 3.2
        let lineX = font * 1.2
        let textX = font * 2.6
        let top = font * 1.2
        let height = top + Double(rows.count - 1) * rowHeight + font * 2.4
        begin(&h, height: height)
        let todayIndex = rows.firstIndex { if case .today = $0.row { return true }; return false } ?? 0
        let todayY = top + Double(todayIndex) * rowHeight
        let lastY = top + Double(rows.count - 1) * rowHeight
        line(&h, x1: lineX, y1: top, x2: lineX, y2: todayY, stroke: Palette.text, width: 3)
        if lastY > todayY { line(&h, x1: lineX, y1: todayY, x2: lineX, y2: lastY, stroke: Palette.axis, width: 3, dash: "6 4") }
        for (i, r) in rows.enumerated() {
            let y = top + Double(i) * rowHeight
            switch r.row {
            case .today:
                h.raw("<rect x=\"\(f(lineX - font * 0.55))\" y=\"\(f(y - font * 0.55))\" width=\"\(f(font * 1.1))\" height=\"\(f(font * 1.1))\" "
                    + "fill=\"\(Palette.focusInk)\" transform=\"rotate(45 \(f(lineX)) \(f(y)))\"/>")
                label(&h, "Today", x: textX, y: y - font * 0.1, weight: "bold")
                label(&h, Words.longDate(today), x: textX + textWidth("Today ", size: font) + font * 0.4, y: y - font * 0.1, fill: Palette.secondary)
            case .mark(let m):
                h.raw("<circle cx=\"\(f(lineX))\" cy=\"\(f(y))\" r=\"\(f(font * 0.5))\" fill=\"\(m.future ? "#ffffff" : Palette.text)\" "
                    + "stroke=\"\(Palette.text)\" stroke-width=\"2.5\" data-series=\"\(m.kind)\" data-label=\"\(HTML.escape(m.label))\" "
                    + "data-value=\"\(m.date.iso)\"/>")
                label(&h, Words.longDate(m.date), x: textX, y: y - font * 0.55, weight: "bold")
                label(&h, fit(m.label, width - textX), x: textX, y: y + font * 0.75)
            case .band(let b):
                h.raw("<rect x=\"\(f(lineX - font * 0.5))\" y=\"\(f(y - font * 0.5))\" width=\"\(f(font))\" height=\"\(f(rowHeight * 0.6))\" "
                    + "rx=\"\(f(font * 0.5))\" fill=\"#d2e2f1\" stroke=\"#1d70b8\" stroke-width=\"2\" data-series=\"\(b.kind)\" "
                    + "data-label=\"\(HTML.escape(b.label))\" data-value=\"\(b.start.iso)/\(b.end.iso)\"/>")
                label(&h, fit("\(Words.shortDate(b.start)) to \(Words.shortDate(b.end))", width - textX), x: textX, y: y - font * 0.55, weight: "bold")
                label(&h, fit(b.label, width - textX), x: textX, y: y + font * 0.75)
            }
        }
        end(&h)
    }
}
