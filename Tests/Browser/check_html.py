#!/usr/bin/env python3
"""Checks the structure of an HTML page with Python's own parser and prints what it found as JSON.

Errors reported (each a string in "errors"):
- no <!DOCTYPE html>, no <html lang>, no <meta charset>, no viewport meta, no or empty <title>;
- an end tag that does not close the element open at that point, an element left open, a stray end tag;
- not exactly one <h1>; a heading that skips a level going down (h2 then h4); a first heading other than h1;
- an <svg> without role="img", or without a text alternative (a <title> child, aria-label, or
  aria-labelledby naming elements that exist);
- an <img> without alt; a duplicate id; an aria-labelledby naming a missing id;
- anything the page would load from elsewhere: <script src>, <link rel=stylesheet>, <iframe>,
  <object>, <embed>, an img/source/video/audio src or srcset that is not a data: URI, url(...) in CSS
  that is not data:.

Also printed: headings (level, text), charts (id, title, data-csv, marks with data-series,
data-label, data-value), tables (caption, rows of cell text), links, and the page's text.

Usage: check_html.py FILE.html
"""
import json
import re
import sys
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SVG_VOID_OK = {"rect", "circle", "line", "polyline", "path", "ellipse", "polygon", "stop", "use"}


class Checker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.errors = []
        self.stack = []
        self.doctype = False
        self.lang = None
        self.charset = False
        self.viewport = False
        self.title = None
        self.headings = []
        self.ids = {}
        self.labelledby = []
        self.charts = []
        self.tables = []
        self.links = []
        self.text = []
        self.current_heading = None
        self.current_title = None
        self.current_table = None
        self.current_row = None
        self.current_cell = None
        self.caption = None
        self.in_style = False
        self.in_head_title = False
        self.svg_depth = 0

    def where(self):
        line, col = self.getpos()
        return f"line {line}"

    def handle_decl(self, decl):
        if decl.lower().strip() == "doctype html":
            self.doctype = True

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs, closed=True)

    def handle_starttag(self, tag, attrs, closed=False):
        a = dict(attrs)
        if "id" in a:
            if a["id"] in self.ids:
                self.errors.append(f"{self.where()}: duplicate id '{a['id']}'")
            self.ids[a["id"]] = tag
        if "aria-labelledby" in a:
            self.labelledby.append((self.where(), a["aria-labelledby"]))
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "meta":
            if "charset" in a:
                self.charset = True
            if a.get("name") == "viewport" and "width=device-width" in (a.get("content") or ""):
                self.viewport = True
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6") and self.svg_depth == 0:
            self.current_heading = [int(tag[1]), ""]
        elif tag == "svg":
            self.svg_depth += 1
            if self.svg_depth == 1:
                if a.get("role") != "img":
                    self.errors.append(f"{self.where()}: <svg id={a.get('id')}> has no role=\"img\"")
                self.charts.append({"id": a.get("id"), "title": None, "aria_label": a.get("aria-label"),
                                    "labelledby": a.get("aria-labelledby"), "csv": a.get("data-csv"), "marks": []})
        elif tag == "title" and self.svg_depth > 0:
            self.current_title = ""
        elif tag == "title":
            self.in_head_title = True
            self.title = ""
        elif tag == "img":
            if "alt" not in a:
                self.errors.append(f"{self.where()}: <img> without alt")
        elif tag == "style":
            self.in_style = True
        elif tag == "script" and a.get("src"):
            self.errors.append(f"{self.where()}: external script {a['src']}")
        elif tag == "link" and "stylesheet" in (a.get("rel") or ""):
            self.errors.append(f"{self.where()}: external style sheet {a.get('href')}")
        elif tag in ("iframe", "object", "embed"):
            self.errors.append(f"{self.where()}: <{tag}> loads another document")
        elif tag == "table":
            self.current_table = {"caption": None, "rows": []}
        elif tag == "caption":
            self.caption = ""
        elif tag == "tr" and self.current_table is not None:
            self.current_row = []
        elif tag in ("td", "th") and self.current_row is not None:
            self.current_cell = ""
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag in ("img", "source", "video", "audio", "track", "input") and self.svg_depth == 0:
            for key in ("src", "srcset", "poster"):
                if a.get(key) and not a[key].startswith("data:"):
                    self.errors.append(f"{self.where()}: <{tag} {key}={a[key]}> loads a file")
        if self.svg_depth > 0 and "data-series" in a and self.charts:
            self.charts[-1]["marks"].append({"series": a.get("data-series"), "label": a.get("data-label"), "value": a.get("data-value")})
        if self.svg_depth > 0 and tag in ("image", "use") and (a.get("href") or a.get("xlink:href") or "").split(":")[0] not in ("", "data"):
            if not (a.get("href") or a.get("xlink:href") or "").startswith("#"):
                self.errors.append(f"{self.where()}: <{tag}> in an svg loads a file")
        if "style" in a and re.search(r"url\(\s*['\"]?(?!data:|#)", a["style"]):
            self.errors.append(f"{self.where()}: style attribute loads a file")
        if tag in VOID or (closed and self.svg_depth > 0):
            if tag == "svg":
                self.svg_depth -= 1
            return
        if closed:
            self.errors.append(f"{self.where()}: <{tag}/> is not a void element")
            return
        self.stack.append((tag, self.where()))

    def handle_endtag(self, tag):
        if tag in VOID:
            self.errors.append(f"{self.where()}: end tag </{tag}> for a void element")
            return
        if not self.stack:
            self.errors.append(f"{self.where()}: stray </{tag}>")
            return
        open_tag, opened = self.stack[-1]
        if open_tag != tag:
            self.errors.append(f"{self.where()}: </{tag}> closes <{open_tag}> opened at {opened}")
            if any(t == tag for t, _ in self.stack):
                while self.stack and self.stack[-1][0] != tag:
                    self.stack.pop()
                self.stack.pop()
            return
        self.stack.pop()
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6") and self.current_heading and self.svg_depth == 0:
            self.headings.append((self.current_heading[0], " ".join(self.current_heading[1].split())))
            self.current_heading = None
        elif tag == "svg":
            self.svg_depth -= 1
        elif tag == "title" and self.svg_depth > 0 and self.current_title is not None:
            if self.charts and self.charts[-1]["title"] is None:
                self.charts[-1]["title"] = " ".join(self.current_title.split())
            self.current_title = None
        elif tag == "title":
            self.in_head_title = False
        elif tag == "style":
            self.in_style = False
        elif tag == "caption" and self.current_table is not None:
            self.current_table["caption"] = " ".join(self.caption.split())
            self.caption = None
        elif tag in ("td", "th") and self.current_row is not None and self.current_cell is not None:
            self.current_row.append(" ".join(self.current_cell.split()))
            self.current_cell = None
        elif tag == "tr" and self.current_table is not None and self.current_row is not None:
            self.current_table["rows"].append(self.current_row)
            self.current_row = None
        elif tag == "table" and self.current_table is not None:
            self.tables.append(self.current_table)
            self.current_table = None

    def handle_data(self, data):
        if self.in_style:
            if re.search(r"url\(\s*['\"]?(?!data:|#)", data) or "@import" in data:
                self.errors.append(f"{self.where()}: the style sheet loads a file")
            return
        if self.in_head_title:
            self.title += data
            return
        if self.current_heading is not None:
            self.current_heading[1] += data
        if self.current_title is not None:
            self.current_title += data
        if self.caption is not None:
            self.caption += data
        if self.current_cell is not None:
            self.current_cell += data
        self.text.append(data)

    def finish(self):
        for tag, opened in self.stack:
            self.errors.append(f"<{tag}> opened at {opened} is never closed")
        if not self.doctype:
            self.errors.append("no <!DOCTYPE html>")
        if not self.lang:
            self.errors.append("no lang on <html>")
        if not self.charset:
            self.errors.append("no <meta charset>")
        if not self.viewport:
            self.errors.append("no viewport meta (width=device-width): not readable on a phone")
        if not (self.title or "").strip():
            self.errors.append("no <title>")
        h1 = [h for h in self.headings if h[0] == 1]
        if len(h1) != 1:
            self.errors.append(f"{len(h1)} <h1> elements; a page has exactly one")
        if self.headings and self.headings[0][0] != 1:
            self.errors.append(f"the first heading is h{self.headings[0][0]}, not h1")
        for (a, ta), (b, tb) in zip(self.headings, self.headings[1:]):
            if b > a + 1:
                self.errors.append(f"heading h{b} '{tb}' follows h{a} '{ta}': a level is skipped")
        for where, ids in self.labelledby:
            for i in ids.split():
                if i not in self.ids:
                    self.errors.append(f"{where}: aria-labelledby names '{i}', which does not exist")
        for c in self.charts:
            named = c["title"] or c["aria_label"] or (c["labelledby"] and all(i in self.ids for i in c["labelledby"].split()))
            if not named:
                self.errors.append(f"<svg id={c['id']}> has no text alternative (title, aria-label or aria-labelledby)")


def main():
    path = sys.argv[1]
    with open(path, encoding="utf-8") as f:
        html = f.read()
    c = Checker()
    c.feed(html)
    c.close()
    c.finish()
    print(json.dumps({
        "errors": c.errors, "title": c.title, "headings": [{"level": l, "text": t} for l, t in c.headings],
        "charts": c.charts, "tables": c.tables, "links": c.links, "text": " ".join(" ".join(c.text).split()),
    }))


if __name__ == "__main__":
    main()
