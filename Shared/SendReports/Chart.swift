import SendModel

/// Inline SVG charts. Each is a `<figure>`: an `<svg role="img">` named by its `<title>` and
/// described by its `<desc>`, every mark carrying its figure in `data-series`, `data-label` and
/// `data-value` (the same figures as the CSV file named in `data-csv`), and a visible caption.
struct Chart {
    struct Series {
        let key: String
        let label: String
        let fill: Palette.Fill
    }

    let id: String
    let title: String
    /// What the chart shows, in words: the `<desc>` and the visible caption.
    let summary: String
    /// The CSV file with the same figures.
    let csv: String?
    /// The viewBox width; the chart scales to its container.
    var width: Double = 960
    var font: Double = 14
    /// Keeps a minimum width and scrolls sideways on narrow screens instead of shrinking the text away.
    var scrolls = true

    // MARK: Frame

    func begin(_ h: inout HTML, height: Double) {
        h.open("figure", ["class": "chart", "id": "\(id)-figure"])
        if scrolls { h.open("div", ["class": "scroll", "tabindex": "0", "role": "group", "aria-labelledby": "\(id)-title"]) }
        h.raw("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"\(id)\" viewBox=\"0 0 \(f(width)) \(f(height))\" width=\"\(f(width))\" "
            + "height=\"\(f(height))\" style=\"max-width:\(f(width))px\" role=\"img\" aria-labelledby=\"\(id)-title \(id)-desc\" focusable=\"false\" "
            + "font-size=\"\(f(font))\"\(csv.map { " data-csv=\"\(HTML.escape($0))\"" } ?? "")>")
        h.element("title", ["id": "\(id)-title"], title)
        h.element("desc", ["id": "\(id)-desc"], summary)
    }

    func end(_ h: inout HTML) {
        h.raw("</svg>")
        if scrolls { h.close("div") }
        h.element("figcaption", ["id": "\(id)-caption"], summary)
        h.close("figure")
    }

    // MARK: Pieces

    /// Text, escaped; `anchor` start, middle or end.
    /// With `halo`, a white outline keeps the text readable over lines drawn before it.
    func label(_ h: inout HTML, _ text: String, x: Double, y: Double, anchor: String = "start", fill: String = Palette.text,
               weight: String? = nil, size: Double? = nil, halo: Bool = false) {
        h.raw("<text x=\"\(f(x))\" y=\"\(f(y))\" text-anchor=\"\(anchor)\" fill=\"\(fill)\""
            + (weight.map { " font-weight=\"\($0)\"" } ?? "") + (size.map { " font-size=\"\(f($0))\"" } ?? "")
            + (halo ? " stroke=\"#ffffff\" stroke-width=\"4\" paint-order=\"stroke\" stroke-linejoin=\"round\"" : "")
            + " dominant-baseline=\"middle\">")
        h.text(text)
        h.raw("</text>")
    }

    /// A rectangle that is a figure: `data-series`, `data-label`, `data-value`.
    func mark(_ h: inout HTML, x: Double, y: Double, w: Double, height: Double, fill: Palette.Fill, series: String, label: String,
              value: String) {
        h.raw("<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(max(0, w)))\" height=\"\(f(max(0, height)))\" fill=\"\(fill.fill)\""
            + (fill.stroke.map { " stroke=\"\($0)\" stroke-width=\"1\"" } ?? " stroke=\"#ffffff\" stroke-width=\"1\"")
            + " data-series=\"\(HTML.escape(series))\" data-label=\"\(HTML.escape(label))\" data-value=\"\(HTML.escape(value))\"/>")
    }

    func line(_ h: inout HTML, x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1, dash: String? = nil) {
        h.raw("<line x1=\"\(f(x1))\" y1=\"\(f(y1))\" x2=\"\(f(x2))\" y2=\"\(f(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(f(width))\""
            + (dash.map { " stroke-dasharray=\"\($0)\"" } ?? "") + "/>")
    }

    /// A legend across the top: a swatch and a name per series. Returns the height used.
    @discardableResult
    func legend(_ h: inout HTML, _ series: [Series], x: Double = 0, y: Double = 0) -> Double {
        var cx = x
        var cy = y + font * 0.8
        for s in series {
            let w = font * 1.6 + textWidth(s.label) + font
            if cx + w > width && cx > x { cx = x; cy += font * 1.6 }
            h.raw("<rect x=\"\(f(cx))\" y=\"\(f(cy - font * 0.5))\" width=\"\(f(font))\" height=\"\(f(font))\" fill=\"\(s.fill.fill)\""
                + (s.fill.stroke.map { " stroke=\"\($0)\"" } ?? "") + "/>")
            label(&h, s.label, x: cx + font * 1.4, y: cy)
            cx += w
        }
        return cy - y + font * 1.2
    }

    /// An estimate of a text's width at this chart's font size (no fonts are measured: none is loaded).
    func textWidth(_ text: String, size: Double? = nil) -> Double { Double(text.count) * (size ?? font) * 0.56 }

    /// The text cut to fit `room` with an ellipsis.
    func fit(_ text: String, _ room: Double) -> String {
        let most = Int(room / (font * 0.56))
        return text.count <= most ? text : String(text.prefix(max(1, most - 1))) + "…"
    }
}

/// A coordinate with at most one decimal.
func f(_ x: Double) -> String {
    let r = (x * 10).rounded() / 10
    return r == r.rounded() ? String(Int(r)) : String(r)
}

/// A round axis maximum at or above `v`, and a tick step: 47 → (50, 10).
func niceScale(_ v: Double, ticks: Int = 5) -> (max: Double, step: Double) {
    guard v > 0 else { return (1, 1) }
    let rough = v / Double(ticks)
    var magnitude = 1.0
    while magnitude * 10 <= rough { magnitude *= 10 }
    while magnitude > rough { magnitude /= 10 }
    let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? magnitude * 10
    let top = (v / step).rounded(.up) * step
    return (top, step)
}
