/// The frame both reports share: the document head (no network: a Content-Security-Policy that
/// forbids every load), the style sheet, and the output files.
enum Page {
    static func start(_ h: inout HTML, title: String, description: String) {
        h.raw("<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n")
        h.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        h.raw("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
            + "img-src data:; base-uri 'none'; form-action 'none'\">\n")
        h.raw("<meta name=\"robots\" content=\"noindex\">\n")
        h.open("meta", ["name": "description", "content": description])
        h.raw("\n")
        h.element("title", [:], title)
        h.raw("\n<style>\n")
        h.raw(css)
        h.raw(printCSS(title: title))
        h.raw("</style>\n</head>\n<body>\n<a class=\"skip\" href=\"#main\">Skip to the content</a>\n")
    }

    static func finish(_ h: inout HTML) {
        h.raw("\n</body>\n</html>\n")
    }

    static let css = """
        :root{--text:#0b0c0c;--muted:#505a5f;--line:#b1b4b6;--panel:#f3f2f1;--brand:#1d2b4f;--link:#1d70b8;--focus:#ffdd00}
        *{box-sizing:border-box}
        html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;font-size:100%;line-height:1.5;color:var(--text);background:#fff;-webkit-text-size-adjust:100%;text-size-adjust:100%}
        body{margin:0}
        .skip{position:absolute;left:-100vw;top:0}
        .skip:focus{left:1rem;top:1rem;background:var(--focus);color:var(--text);padding:.5rem 1rem;z-index:1}
        .wrap{max-width:72rem;margin:0 auto;padding:0 1rem}
        .masthead{background:var(--brand);color:#fff;padding:1.5rem 0 1.25rem}
        .masthead .kicker{margin:0;font-weight:700;letter-spacing:.02em;text-transform:uppercase;font-size:.875rem}
        .masthead p{margin:.25rem 0 0;max-width:52rem}
        h1{font-size:clamp(1.75rem,1.3rem + 2vw,2.5rem);line-height:1.15;margin:.25rem 0 .5rem}
        h2{font-size:1.625rem;line-height:1.25;margin:2.75rem 0 .75rem;padding-top:.75rem;border-top:4px solid var(--brand)}
        h3{font-size:1.25rem;line-height:1.3;margin:2rem 0 .5rem}
        h4{font-size:1.125rem;margin:1.5rem 0 .5rem}
        h5{font-size:1rem;margin:1.25rem 0 .25rem}
        .nowrap{white-space:nowrap}
        p,li{max-width:48rem}
        a{color:var(--link);text-underline-offset:.15em}
        a:focus,.scroll:focus,.table-wrap:focus{outline:3px solid var(--focus);outline-offset:0;box-shadow:0 0 0 5px var(--text)}
        nav.contents{background:var(--panel);padding:.75rem 1rem;margin:1.5rem 0 0}
        nav.contents ol{margin:0;padding-left:1.5rem;columns:2 16rem}
        nav.contents li{margin:.15rem 0}
        .lede{font-size:1.1875rem;max-width:48rem}
        .tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,9rem),1fr));gap:.75rem;margin:1rem 0;padding:0;list-style:none}
        .tile{background:var(--panel);border-left:6px solid var(--brand);padding:.6rem .9rem;max-width:none}
        .tile .n{display:block;font-size:2.125rem;font-weight:700;line-height:1.15;font-variant-numeric:tabular-nums}
        .tile .n.words{font-size:1.375rem;line-height:1.3;padding:.35rem 0 .2rem}
        .tile .what{display:block;font-size:.9375rem}
        .tile.red{border-color:#d4351c}.tile.amber{border-color:#f47738}.tile.green{border-color:#00703c}.tile.grey{border-color:#6f777b}
        .chip{display:inline-block;padding:0 .55rem;border-radius:.8rem;font-weight:700;font-size:.875rem;white-space:nowrap}
        .chip.red,td.red .chip{background:#d4351c;color:#fff}
        .chip.amber{background:#f47738;color:#0b0c0c}
        .chip.green{background:#00703c;color:#fff}
        .chip.none{background:#6f777b;color:#fff}
        .chip.kind{background:#fff;color:var(--text);border:2px solid var(--brand)}
        .chip.status{background:var(--panel);color:var(--text);border:1px solid var(--muted)}
        .table-wrap{overflow-x:auto;margin:.5rem 0 1.5rem;max-width:100%}
        table{border-collapse:collapse;width:100%;font-size:.9375rem}
        caption{text-align:left;font-weight:700;padding:.25rem 0 .5rem}
        th,td{border-bottom:1px solid var(--line);padding:.45rem .6rem;text-align:left;vertical-align:top}
        thead th{border-bottom:2px solid var(--text);white-space:nowrap}
        tbody th{font-weight:600}
        .num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
        tbody tr:nth-child(even){background:#f8f8f8}
        td.rag-red{box-shadow:inset 6px 0 #d4351c;font-weight:700}
        td.rag-amber{box-shadow:inset 6px 0 #f47738;font-weight:700}
        td.rag-green{box-shadow:inset 6px 0 #00703c;font-weight:700}
        td.rag-none{box-shadow:inset 6px 0 #6f777b}
        .vh{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
        ul.rag-strips{list-style:none;padding:0;margin:.5rem 0 1.5rem}
        ul.rag-strips>li{margin:.35rem 0;max-width:none}
        ol.rag-strip{display:inline-flex;flex-wrap:wrap;gap:2px;list-style:none;padding:0;margin:0 .5rem;vertical-align:middle}
        ol.rag-strip li{min-width:1.5rem;text-align:center;font-size:.8125rem;font-weight:700;line-height:1.5rem;margin:0}
        ol.rag-strip .red{background:#d4351c;color:#fff}ol.rag-strip .amber{background:#f47738;color:#0b0c0c;outline:1px solid #8f4100}
        ol.rag-strip .green{background:#00703c;color:#fff}ol.rag-strip .none{background:#6f777b;color:#fff}
        td.missing,p.missing{color:#b21f1f;font-weight:700}
        td.stale{color:#8f4100}
        figure.chart{margin:1rem 0 1.5rem;max-width:100%}
        figure.chart svg{display:block;width:100%;height:auto;max-width:60rem;font-family:inherit}
        figure.chart .scroll{overflow-x:auto}
        figure.chart .scroll svg{min-width:44rem}
        figcaption{color:var(--muted);font-size:.9375rem;margin-top:.5rem;max-width:48rem}
        .warning{border-left:6px solid #d4351c;background:#fdf2f0;padding:.6rem 1rem;margin:1rem 0}
        .warning ul{margin:.25rem 0;padding-left:1.25rem}
        .note{border-left:6px solid var(--link);background:#eef4fa;padding:.6rem 1rem;margin:1rem 0}
        .weakness{border-top:1px solid var(--line);margin-top:2rem}
        .quote{border-left:4px solid var(--line);margin:.5rem 0;padding:.1rem 0 .1rem 1rem;font-size:1.0625rem}
        ul.actions{list-style:none;padding:0;margin:.5rem 0 1rem}
        ul.actions li{border-left:6px solid var(--line);background:var(--panel);padding:.5rem .9rem;margin:.5rem 0;max-width:52rem}
        ul.actions li.done{border-color:#00703c}ul.actions li.late{border-color:#d4351c}ul.actions li.going{border-color:#1d70b8}
        ul.actions .meta{display:block;color:var(--muted);font-size:.9375rem}
        ul.actions ul.milestones{list-style:disc;padding:0 0 0 1.25rem;margin:.25rem 0 0}
        ul.actions ul.milestones li{border:0;background:none;padding:0;margin:.15rem 0;font-size:.9375rem}
        dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:.5rem 0}
        dl.facts dt{font-weight:700}dl.facts dd{margin:0}
        .update{border-left:6px solid #00703c;padding:.25rem 1rem;margin:1rem 0}
        .update p{white-space:pre-line}
        footer{border-top:1px solid var(--line);color:var(--muted);font-size:.875rem;padding:1.5rem 0 2.5rem;margin-top:3rem}
        footer p{margin:.25rem 0}
        @media (max-width:40rem){dl.facts{grid-template-columns:1fr}dl.facts dd{margin-bottom:.5rem}nav.contents ol{columns:1}}
        @media print{
          .masthead{background:none;color:#000;border-bottom:4px solid #000}
          .skip,nav.contents{display:none}
          h2{break-after:avoid}h3,h4{break-after:avoid}
          figure,tr,.tile,ul.actions li{break-inside:avoid}
          .table-wrap,figure.chart .scroll{overflow:visible}
          figure.chart .scroll svg{min-width:0}
          a{color:#000}
        }

        """
}

/// One file of a report.
public struct ReportFile: Sendable {
    public let name: String
    public let contents: String
}

/// A rendered report: the HTML page and the CSV files beside it, with the same figures.
public struct RenderedReport: Sendable {
    public let html: ReportFile
    public let csv: [ReportFile]

    public var files: [ReportFile] { [html] + csv }
}
