import SendModel

extension Chart {
    struct BarRow {
        /// What the reader sees.
        let label: String
        /// What `data-label` says (an id, so the test can match the CSV).
        let key: String
        let values: [Int]
    }

    /// Horizontal bars, one per row, stacked by series; counts in the segments, the total at the end.
    func horizontalStacked(_ h: inout HTML, rows: [BarRow], series: [Series], labelWidth: Double, emptyText: String? = nil) {
        let rowHeight = font * 2.1
        var legendHeight = 0.0
        var legendPieces = HTML(capacity: 1024)
        legendHeight = legend(&legendPieces, series)
        let top = legendHeight + font * 0.6
        let height = top + Double(rows.count) * rowHeight + font * 0.5
        begin(&h, height: height)
        h.raw(legendPieces.out)
        let barX = labelWidth + font * 0.6
        let barW = width - barX - font * 3
        let most = max(1, rows.map { $0.values.reduce(0, +) }.max() ?? 1)
        for (i, row) in rows.enumerated() {
            let y = top + Double(i) * rowHeight
            let mid = y + rowHeight / 2
            label(&h, fit(row.label, labelWidth), x: labelWidth, y: mid, anchor: "end")
            var x = barX
            let total = row.values.reduce(0, +)
            for (s, value) in zip(series, row.values) where value > 0 {
                let w = Double(value) / Double(most) * barW
                mark(&h, x: x, y: y + rowHeight * 0.15, w: w, height: rowHeight * 0.7, fill: s.fill, series: s.key, label: row.key,
                     value: String(value))
                if w > textWidth(String(value)) + 6 {
                    label(&h, String(value), x: x + w / 2, y: mid, anchor: "middle", fill: s.fill.ink)
                }
                x += w
            }
            if total == 0, let emptyText {
                label(&h, emptyText, x: barX, y: mid, fill: Palette.rag(.red).fill, weight: "bold")
            } else {
                label(&h, String(total), x: x + 6, y: mid, fill: Palette.secondary)
            }
        }
        end(&h)
    }

    struct SimpleBar {
        let label: String
        let key: String
        let value: Double
        /// The figure written beside the bar ("42.9% (3 of 7)").
        let text: String
        /// This bar's colour, when not the chart's.
        var fill: Palette.Fill? = nil
    }

    /// Horizontal bars of one series against `maximum` (100 for percentages). With `labelsAbove`, each
    /// label sits on its own line over its bar: narrow enough for a phone.
    func horizontalBars(_ h: inout HTML, rows: [SimpleBar], maximum: Double, labelWidth: Double, series: String,
                        fill: Palette.Fill = Palette.bar, labelsAbove: Bool = false, valueFormat: (Double) -> String = { Words.number($0) }) {
        let rowHeight = labelsAbove ? font * 3.3 : font * 2.1
        let barHeight = labelsAbove ? font * 1.35 : rowHeight * 0.7
        let textRoom = rows.map { textWidth($0.text) }.max() ?? 0
        let barX = labelsAbove ? 0 : labelWidth + font * 0.6
        let barW = max(width - barX - textRoom - font, width * 0.2)
        let height = Double(rows.count) * rowHeight + font * 0.5
        begin(&h, height: height)
        for (i, row) in rows.enumerated() {
            let y = Double(i) * rowHeight
            let barY = labelsAbove ? y + font * 1.5 : y + (rowHeight - barHeight) / 2
            if labelsAbove {
                label(&h, fit(row.label, width), x: 0, y: y + font * 0.75, weight: "bold")
            } else {
                label(&h, fit(row.label, labelWidth), x: labelWidth, y: y + rowHeight / 2, anchor: "end")
            }
            h.raw("<rect x=\"\(f(barX))\" y=\"\(f(barY))\" width=\"\(f(barW))\" height=\"\(f(barHeight))\" fill=\"#f3f2f1\"/>")
            let w = maximum > 0 ? min(1, row.value / maximum) * barW : 0
            mark(&h, x: barX, y: barY, w: w, height: barHeight, fill: row.fill ?? fill, series: series, label: row.key,
                 value: valueFormat(row.value))
            label(&h, row.text, x: barX + w + 6, y: barY + barHeight / 2, fill: Palette.text)
        }
        end(&h)
    }

    struct Column {
        /// Under the column.
        let label: String
        /// `data-label`: the period's end date.
        let key: String
        let values: [Int]
    }

    /// Vertical columns over time, stacked by series, with a count axis.
    func columnsStacked(_ h: inout HTML, columns: [Column], series: [Series], plotHeight: Double = 300) {
        var legendPieces = HTML(capacity: 1024)
        let legendHeight = legend(&legendPieces, series)
        let left = font * 3.4
        let top = legendHeight + font * 1.2
        let bottom = font * 2.4
        let plotW = width - left - font
        let height = top + plotHeight + bottom
        begin(&h, height: height)
        h.raw(legendPieces.out)
        let most = Double(columns.map { $0.values.reduce(0, +) }.max() ?? 0)
        let scale = niceScale(max(most, 1), ticks: 5)
        func y(_ v: Double) -> Double { top + plotHeight - v / scale.max * plotHeight }
        var tick = 0.0
        while tick <= scale.max + scale.step / 2 {
            line(&h, x1: left, y1: y(tick), x2: left + plotW, y2: y(tick), stroke: tick == 0 ? Palette.axis : "#dddddd")
            label(&h, Words.number(tick), x: left - 6, y: y(tick), anchor: "end", fill: Palette.secondary)
            tick += scale.step
        }
        let n = max(columns.count, 1)
        let slot = plotW / Double(n)
        let barW = min(slot * 0.72, font * 4)
        let every = max(1, Int((textWidth("Sep 2018") + font) / slot) + 1)
        for (i, column) in columns.enumerated() {
            let x = left + slot * Double(i) + (slot - barW) / 2
            var base = 0.0
            for (s, value) in zip(series, column.values) where value > 0 {
                let top = y(base + Double(value))
                mark(&h, x: x, y: top, w: barW, height: y(base) - top, fill: s.fill, series: s.key, label: column.key,
                     value: String(value))
                base += Double(value)
            }
            if (columns.count - 1 - i) % every == 0 {
                label(&h, column.label, x: x + barW / 2, y: top + plotHeight + font, anchor: "middle", fill: Palette.secondary)
            }
        }
        end(&h)
    }
}
