"""4. The app: gzipped JavaScript and CSS that the first load of client/dist fetches."""
from __future__ import annotations

import gzip
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TAG = re.compile(r"<(script|link)\b[^>]*>", re.I)
ATTR = re.compile(r'(\w[\w-]*)\s*=\s*"([^"]*)"')


def first_load_assets(dist: Path) -> list[Path]:
    """Scripts, module preloads and stylesheets named by index.html (what the first load fetches)."""
    html = (dist / "index.html").read_text()
    out = []
    for m in TAG.finditer(html):
        attrs = dict((k.lower(), v) for k, v in ATTR.findall(m.group(0)))
        if m.group(1).lower() == "script":
            ref = attrs.get("src")
        elif attrs.get("rel", "").lower() in ("stylesheet", "modulepreload"):
            ref = attrs.get("href")
        else:
            ref = None
        if ref and not ref.startswith(("http:", "https:", "//")):
            path = dist / ref.lstrip("/")
            if path.is_file() and path not in out:
                out.append(path)
    return out


def run(dist: Path | None = None) -> dict:
    dist = dist or Path(os.environ.get("BENCH_CLIENT_DIST", ROOT / "client" / "dist"))
    if not (dist / "index.html").is_file():
        return {"available": False, "dist": str(dist), "note": "client/dist not built (make client)"}
    files = first_load_assets(dist)
    out = {"available": True, "dist": str(dist), "files": {}}
    js = css = 0
    for path in files:
        raw = path.read_bytes()
        gz = len(gzip.compress(raw, compresslevel=9))
        out["files"][str(path.relative_to(dist))] = {"bytes": len(raw), "gzip": gz}
        if path.suffix in (".js", ".mjs"):
            js += gz
        elif path.suffix == ".css":
            css += gz
    html = (dist / "index.html").read_bytes()
    out.update(js_gzip=js, css_gzip=css, html_gzip=len(gzip.compress(html, compresslevel=9)),
               first_load_gzip=js + css)
    return out

