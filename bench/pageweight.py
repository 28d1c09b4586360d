#!/usr/bin/env python3
"""Weight of a first visit to some pages: the HTML and everything it links that a browser
loads at once (stylesheets, scripts, module preloads, WASM, icons, images, CSS url()s),
as sent raw, with Accept-Encoding: gzip and with Accept-Encoding: br, gzip (what a browser
gets: br where the server uses it).

    python3 bench/pageweight.py [--save DIR] http://127.0.0.1:3000 / /sessions/1 ...

Prints JSON: one object per page. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import urllib.error
import urllib.request
from html.parser import HTMLParser
from urllib.parse import urljoin, urlparse

PKG_REF = re.compile(r"""["'(](/[^"'()\s]+\.(?:js|wasm|css))["')]""")
CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)["']?\s*\)""")


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.assets: list[tuple[str, str]] = []  # (kind, url)
        self.scripts = 0
        self.external_scripts = 0
        self.inline = False
        self.inline_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link":
            rel = (a.get("rel") or "").lower().split()
            href = a.get("href")
            if href and {"stylesheet", "icon", "preload", "modulepreload", "manifest", "apple-touch-icon"} & set(rel):
                self.assets.append(("link:" + "+".join(rel), href))
        elif tag == "script":
            self.scripts += 1
            if a.get("src"):
                self.external_scripts += 1
                self.assets.append(("script", a["src"]))
            else:
                self.inline = True
        elif tag == "img" and a.get("src") and (a.get("loading") or "").lower() != "lazy":
            self.assets.append(("img", a["src"]))

    def handle_endtag(self, tag):
        if tag == "script":
            self.inline = False

    def handle_data(self, data):
        if self.inline:
            self.inline_text.append(data)


def fetch(url: str, encoding: str | None):
    req = urllib.request.Request(url, headers={"User-Agent": "ippo-bench"})
    if encoding:
        req.add_header("Accept-Encoding", encoding)
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            return res.status, res.read(), res.headers  # case-insensitive lookups
    except urllib.error.HTTPError as err:
        return err.code, err.read(), err.headers


def sizes(url: str) -> dict:
    status, raw, headers = fetch(url, None)
    _, gz, gz_headers = fetch(url, "gzip")
    _, br, br_headers = fetch(url, "br, gzip")
    return {
        "url": url,
        "status": status,
        "type": headers.get("Content-Type", "") or "",
        "raw": len(raw),
        "gzip": len(gz),
        "gzip_encoded": gz_headers.get("Content-Encoding", "") == "gzip",
        "br": len(br),
        "br_encoding": br_headers.get("Content-Encoding", ""),
        "body": raw,
    }


def page(base: str, path: str, save: str | None) -> dict:
    url = urljoin(base, path)
    html = sizes(url)
    text = html["body"].decode("utf-8", "replace")
    links = Links()
    links.feed(text)
    found = list(links.assets)
    for ref in PKG_REF.findall("".join(links.inline_text)):
        found.append(("inline-script-ref", ref))
    seen, assets = set(), []
    queue = [(kind, urljoin(url, ref)) for kind, ref in found]
    while queue:
        kind, asset_url = queue.pop(0)
        if asset_url in seen or urlparse(asset_url).netloc != urlparse(base).netloc:
            continue
        seen.add(asset_url)
        a = sizes(asset_url)
        a["kind"] = kind
        if "css" in a["type"]:
            for ref in CSS_URL.findall(a["body"].decode("utf-8", "replace")):
                if not ref.startswith("data:"):
                    queue.append(("css-url", urljoin(asset_url, ref)))
        assets.append(a)
    if save:
        os.makedirs(save, exist_ok=True)
        name = path.strip("/").replace("/", "_") or "home"
        with open(os.path.join(save, name + ".html"), "wb") as f:
            f.write(html["body"])
    total = lambda key: html[key] + sum(a[key] for a in assets)
    by_type = {}
    for a in assets:
        ext = os.path.splitext(urlparse(a["url"]).path)[1].lstrip(".") or a["kind"]
        t = by_type.setdefault(ext, {"raw": 0, "gzip": 0, "br": 0, "count": 0})
        for key in ("raw", "gzip", "br"):
            t[key] += a[key]
        t["count"] += 1
    strip = lambda d: {k: v for k, v in d.items() if k != "body"}
    return {
        "path": path,
        "status": html["status"],
        "script_tags": links.scripts,
        "external_scripts": links.external_scripts,
        "inline_script_bytes": len("".join(links.inline_text).encode()),
        "html": strip(html),
        "assets": [strip(a) for a in assets],
        "by_type": by_type,
        "total": {"raw": total("raw"), "gzip": total("gzip"), "br": total("br")},
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--save", help="folder to keep the fetched HTML in")
    p.add_argument("--files", nargs="*", default=[],
                   help="also measure these files alone (e.g. the island bundle that only staff pages load)")
    p.add_argument("base")
    p.add_argument("paths", nargs="+")  # --files, if given, goes after the pages
    args = p.parse_args()
    pages = [page(args.base, path, args.save) for path in args.paths]
    for path in args.files:
        f = {k: v for k, v in sizes(urljoin(args.base, path)).items() if k != "body"}
        pages.append({"path": path, "file": True, "status": f["status"], "html": f,
                      "total": {"raw": f["raw"], "gzip": f["gzip"], "br": f["br"]}})
    json.dump(pages, sys.stdout, ensure_ascii=False, indent=1)
    print()
    bad = [pg["path"] for pg in pages if pg["status"] != 200]
    if bad:
        sys.exit(f"pageweight: not 200: {', '.join(bad)}")


if __name__ == "__main__":
    main()
