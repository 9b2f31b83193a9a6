import SendReports

/// The frame of every portal page: the progress page's look (its style sheet, served once at
/// `/style.css`), a skip link, the masthead, the main content and a footer with the ways to reach
/// the partnership. No script, nothing loaded from elsewhere.
struct Layout: Sendable {
    let config: PortalConfig

    /// A whole page. `title` is the page's `<h1>` and, with the site's name, its `<title>`; a page with
    /// errors says so first in its title, as screen-reader users hear it.
    func page(title: String, hasErrors: Bool = false, body: String) -> String {
        var h = "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n"
        h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        h += "<meta name=\"robots\" content=\"noindex\">\n"
        h += "<title>\(hasErrors ? "Error: " : "")\(HTMLText.escape(title)) – SEND Partnership</title>\n"
        h += "<link rel=\"stylesheet\" href=\"/style.css\">\n</head>\n<body>\n"
        h += "<a class=\"skip\" href=\"#main\">Skip to the content</a>\n"
        h += "<header class=\"masthead\"><div class=\"wrap\"><p class=\"kicker\"><a class=\"home\" href=\"/\">SEND Partnership</a></p>"
        h += "<p>The council, the NHS and families working together for children and young people with special educational needs and disabilities.</p>"
        h += "</div></header>\n<div class=\"wrap\">\n<main id=\"main\">\n"
        h += "<h1>\(HTMLText.escape(title))</h1>\n"
        h += body
        h += "\n</main>\n"
        h += footer()
        h += "</div>\n</body>\n</html>\n"
        return h
    }

    func footer() -> String {
        var f = "<footer><nav aria-label=\"SEND Partnership\"><ul class=\"inline\">"
        f += "<li><a href=\"/progress\">Our progress</a></li>"
        f += "<li><a href=\"/respond\">Answer a questionnaire</a></li>"
        f += "<li><a href=\"/enquiries/new\">Ask us a question</a></li>"
        f += "</ul></nav>"
        if let phone = config.contactPhone { f += "<p>Phone: \(HTMLText.escape(phone))</p>" }
        if let email = config.contactEmail { f += "<p>Email: <a href=\"mailto:\(HTMLText.escape(email))\">\(HTMLText.escape(email))</a></p>" }
        if let address = config.contactAddress { f += "<p>Post: \(HTMLText.escape(address))</p>" }
        f += "</footer>\n"
        return f
    }

    /// The style sheet: the reports' own, and the form styles in the same look (GOV.UK's patterns:
    /// large targets, a visible yellow focus, errors in red with a bar beside them).
    static let styleSheet = PublicPage.styleSheet + """
        .masthead a.home{color:#fff;text-decoration:none}
        .masthead a.home:focus{color:var(--text);background:var(--focus);outline:3px solid var(--focus)}
        main{padding:1.5rem 0 1rem}
        main h1{margin-top:.5rem}
        ul.inline{list-style:none;padding:0;margin:0 0 .75rem;display:flex;flex-wrap:wrap;gap:.25rem 1.5rem}
        ul.inline li{margin:0}
        ul.inline a{display:inline-block;padding:.25rem 0}
        .field{margin:0 0 1.75rem;max-width:40rem}
        .field.error{border-left:5px solid #d4351c;padding-left:.9rem}
        fieldset{border:0;padding:0;margin:0}
        legend,label.block{font-weight:700;font-size:1.1875rem;display:block;margin-bottom:.35rem;max-width:40rem}
        .hint{color:var(--muted);display:block;margin:0 0 .5rem}
        .error-message{color:#d4351c;font-weight:700;display:block;margin:0 0 .5rem}
        .required{font-weight:400;color:var(--muted)}
        input[type=text],input[type=email],input[type=tel],textarea{font:inherit;font-size:1.1875rem;width:100%;max-width:30rem;padding:.4rem .5rem;border:2px solid var(--text);border-radius:0;background:#fff;color:var(--text)}
        input.code{max-width:13rem;letter-spacing:.1em;text-transform:uppercase}
        textarea{max-width:40rem;min-height:8rem}
        .field.error input,.field.error textarea{border-color:#d4351c}
        input:focus,textarea:focus{outline:3px solid var(--focus);outline-offset:0;box-shadow:inset 0 0 0 2px var(--text)}
        .choices{display:flex;flex-direction:column;gap:.4rem}
        .choices.row{flex-direction:row;flex-wrap:wrap;gap:.4rem 1rem}
        .choice{display:flex;align-items:center;gap:.6rem;min-height:2.75rem}
        .choice input{width:1.75rem;height:1.75rem;margin:0;flex:none;accent-color:var(--brand)}
        .choice input:focus{outline:3px solid var(--focus);outline-offset:2px}
        .choice label{font-size:1.1875rem;padding:.25rem 0}
        .button{font:inherit;font-size:1.1875rem;font-weight:700;background:#00703c;color:#fff;border:0;border-bottom:3px solid #002d18;padding:.6rem 1.1rem;min-height:2.75rem;cursor:pointer;margin:.5rem 0 1rem}
        .button.secondary{background:var(--panel);color:var(--text);border-bottom-color:#929191}
        .button:focus{outline:3px solid var(--focus);outline-offset:0;background:var(--focus);color:var(--text);border-bottom-color:var(--text)}
        .error-summary{border:5px solid #d4351c;padding:1rem 1.25rem;margin:0 0 2rem;max-width:40rem}
        .error-summary:focus{outline:3px solid var(--focus)}
        .error-summary h2{border:0;margin:0 0 .5rem;padding:0;font-size:1.375rem}
        .error-summary ul{margin:0;padding-left:1.25rem}
        .error-summary a{color:#d4351c;font-weight:700}
        .panel{background:#00703c;color:#fff;padding:1.25rem 1.5rem;margin:0 0 1.5rem;max-width:40rem}
        .panel h2{border:0;margin:0 0 .5rem;padding:0;color:#fff}
        .panel p{margin:.25rem 0}
        .panel .ref{font-size:1.75rem;font-weight:700;letter-spacing:.05em}
        .inset{border-left:6px solid var(--line);padding:.4rem 1rem;margin:1rem 0;max-width:40rem}
        .answer{white-space:pre-line}
        code.key{font-size:1.0625rem;word-break:break-all}
        .visually-hidden{position:absolute!important;width:1px;height:1px;margin:0;padding:0;overflow:hidden;clip:rect(0 0 0 0);clip-path:inset(50%);border:0;white-space:nowrap}

        """
}
