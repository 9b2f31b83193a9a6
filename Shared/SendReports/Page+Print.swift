/// The printed page (a browser's print, and `sendctl report … --pdf` through headless Chromium):
/// A4, the report's title at the top of every page and "Page N of M" at the foot, each major
/// section on a new page, no table row or chart split across pages, and the colours kept (RAG
/// chips, tiles and chart marks mean something in colour).
///
/// Headings are `pre-wrap` in print: Chromium builds the PDF's outline from the laid-out text and
/// drops the space where a heading wraps ("written statement ofaction") unless the space is kept.
extension Page {
    static func printCSS(title: String) -> String {
        """
        @page{size:A4;margin:16mm 14mm 18mm;
          @top-left{content:"\(cssString(title))";font:8.5pt system-ui,Arial,sans-serif;color:#505a5f;vertical-align:bottom;padding-bottom:3mm}
          @bottom-right{content:"Page " counter(page) " of " counter(pages);font:9pt system-ui,Arial,sans-serif;color:#0b0c0c;vertical-align:top;padding-top:3mm}}
        @media print{
          html{font-size:11pt;-webkit-print-color-adjust:exact;print-color-adjust:exact}
          .wrap{max-width:none;padding:0}
          .masthead{padding:0 0 .75rem;margin-bottom:.5rem}
          main>section+section{break-before:page}
          main>section>h2:first-child{margin-top:0}
          main>section:first-child>h2:first-child{border-top:0;padding-top:0;margin-top:1rem}
          .tile .n{font-size:1.625rem}
          h1{font-size:1.75rem}
          h2,h3,h4,h5,caption{break-after:avoid;break-inside:avoid}
          h1,h2,h3,h4,h5,h6{white-space:pre-wrap}
          thead{display:table-header-group}
          tr,th,td,dl.facts,.quote,.update,.warning,.note,.tiles{break-inside:avoid}
          p,li{orphans:3;widows:3}
          figure.chart svg{max-width:100%}
          footer{margin-top:1.5rem;padding-bottom:0}
        }

        """
    }

    /// Text inside a CSS string: backslash and quote escaped, and `<` as an escape so that the
    /// style element cannot be closed from inside it.
    static func cssString(_ text: String) -> String {
        var r = ""
        for c in text.unicodeScalars {
            switch c {
            case "\\": r += "\\\\"
            case "\"": r += "\\\""
            case "<": r += "\\3c "
            case "\n", "\r": r += " "
            default: r.unicodeScalars.append(c)
            }
        }
        return r
    }
}
