#!/usr/bin/env python3
"""Reads a PDF the way a reader would see it, with poppler's tools, and reports it as JSON on stdout.

- pdfinfo: the page count, the page size and the document's title;
- pdftotext: the text of each page (the page numbers the page prints among it);
- pdftoppm: each page as a PNG (kept in --png-dir), decoded here with the standard library
  (zlib and PNG's five row filters), and per page the share of pixels that are not white and the
  pixels near each colour asked for with --colour (a RAG colour kept in print, a chart's fill);
- pdftohtml -xml: the PDF's outline (its bookmarks) as (level, title, page);
- the text alternatives (/Alt) of the tagged PDF's figures: Chromium gives each <svg role="img">
  its title and description there, so a chart printed as a figure is found by its title.

Usage: pdf_check.py [--png-dir DIR] [--dpi N] [--colour NAME=#rrggbb ...] FILE.pdf
Exit status 0 when the file could be read (what it holds is in the JSON; the caller judges), 2 when
a tool is missing or fails.
"""
import argparse
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zlib


def fail(message):
    print(json.dumps({"error": message}))
    sys.exit(2)


def tool(name, *args):
    if shutil.which(name) is None:
        fail(f"{name} is not installed: apt-get install -y poppler-utils (deploy/test installs it)")
    r = subprocess.run([name, *args], capture_output=True, timeout=300)
    if r.returncode != 0:
        fail(f"{name} {' '.join(args)} exited {r.returncode}: {r.stderr.decode(errors='replace')[-2000:]}")
    return r.stdout


def info(path):
    fields = {}
    for line in tool("pdfinfo", path).decode(errors="replace").splitlines():
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    return fields


def decode_png(path):
    """(width, height, channels, rows of bytes) of an 8-bit, non-interlaced greyscale or RGB(A) PNG."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path} is not a PNG")
    pos, idat, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    width, height, depth, colour_type, _, _, interlace = header
    if depth != 8 or interlace != 0 or colour_type not in (0, 2, 4, 6):
        raise ValueError(f"{path}: unsupported PNG (depth {depth}, colour type {colour_type}, interlace {interlace})")
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour_type]
    raw = zlib.decompress(b"".join(idat))
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        if kind == 1:
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 255
        elif kind == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, previous))
        elif kind == 3:
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 255
        elif kind == 4:
            for i in range(stride):
                a = line[i - channels] if i >= channels else 0
                b = previous[i]
                c = previous[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, channels, rows


def pixels(path, colours):
    width, height, channels, rows = decode_png(path)
    ink = 0
    near = {name: 0 for name in colours}
    for row in rows:
        for x in range(0, width * channels, channels):
            if channels >= 3:
                r, g, b = row[x], row[x + 1], row[x + 2]
            else:
                r = g = b = row[x]
            if r < 245 or g < 245 or b < 245:
                ink += 1
                for name, (cr, cg, cb) in colours.items():
                    if abs(r - cr) <= 24 and abs(g - cg) <= 24 and abs(b - cb) <= 24:
                        near[name] += 1
    return {"width": width, "height": height, "ink": ink, "ink_share": ink / float(width * height), "colours": near}


def outline(path):
    xml = tool("pdftohtml", "-xml", "-i", "-q", "-stdout", path).decode("utf-8", errors="replace")
    # pdftohtml writes the outline after the pages; the pages' text may hold characters XML forbids.
    m = re.search(r"<outline>.*</outline>", xml, re.S)
    if not m:
        return []
    items = []

    def walk(node, level):
        for child in node:
            if child.tag == "item":
                items.append({"level": level, "title": "".join(child.itertext()).strip(),
                              "page": int(child.get("page") or 0)})
            elif child.tag == "outline":
                walk(child, level + 1)

    walk(ET.fromstring(m.group(0)), 1)
    return items


def pdf_string(data, i):
    """The PDF string starting at data[i] ('(' literal or '<' hex), decoded; UTF-16BE when it has a BOM."""
    if data[i:i + 1] == b"<":
        end = data.index(b">", i)
        raw = bytes.fromhex(re.sub(rb"\s", b"", data[i + 1:end]).decode())
    else:
        out, depth, j = bytearray(), 1, i + 1
        escapes = {ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("f"): 12}
        while depth:
            c = data[j]
            if c == 0x5C:  # backslash
                n = data[j + 1]
                if 0x30 <= n <= 0x37:
                    k = j + 1
                    while k < j + 4 and 0x30 <= data[k] <= 0x37:
                        k += 1
                    out.append(int(data[j + 1:k], 8) & 255)
                    j = k
                    continue
                if n in (10, 13):
                    j += 2
                    continue
                out.append(escapes.get(n, n))
                j += 2
                continue
            if c == 0x28:
                depth += 1
            elif c == 0x29:
                depth -= 1
                if depth == 0:
                    break
            out.append(c)
            j += 1
        raw = bytes(out)
    if raw[:2] == b"\xfe\xff":
        return raw[2:].decode("utf-16-be", errors="replace")
    return raw.decode("latin-1")


def alternatives(path):
    data = open(path, "rb").read()
    return [pdf_string(data, m.end()) for m in re.finditer(rb"/Alt\s*(?=[(<])", data)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--png-dir")
    parser.add_argument("--dpi", type=int, default=40)
    parser.add_argument("--colour", action="append", default=[])
    parser.add_argument("pdf")
    args = parser.parse_args()
    colours = {}
    for c in args.colour:
        name, _, hex_ = c.partition("=")
        colours[name] = tuple(int(hex_.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))

    fields = info(args.pdf)
    count = int(fields.get("Pages", "0"))
    png_dir = args.png_dir or tempfile.mkdtemp(prefix="pdf-check-")
    os.makedirs(png_dir, exist_ok=True)
    stem = os.path.join(png_dir, os.path.splitext(os.path.basename(args.pdf))[0])
    tool("pdftoppm", "-png", "-r", str(args.dpi), args.pdf, stem)
    pngs = sorted(f for f in os.listdir(png_dir) if f.startswith(os.path.basename(stem) + "-") and f.endswith(".png"))
    pages = []
    for n in range(1, count + 1):
        text = tool("pdftotext", "-layout", "-f", str(n), "-l", str(n), args.pdf, "-").decode("utf-8", errors="replace")
        png = next((os.path.join(png_dir, f) for f in pngs if int(re.search(r"-(\d+)\.png$", f).group(1)) == n), None)
        page = {"page": n, "text": text, "png": png}
        if png:
            page.update(pixels(png, colours))
        pages.append(page)
    print(json.dumps({"pages": count, "page_size": fields.get("Page size", ""), "title": fields.get("Title", ""),
                      "tagged": fields.get("Tagged", ""), "per_page": pages, "outline": outline(args.pdf),
                      "figures": alternatives(args.pdf)}))


if __name__ == "__main__":
    main()
