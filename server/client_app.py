"""Serves the built PWA (client/dist) at /; the API lives under /api."""
from pathlib import Path

from flask import Blueprint, abort, send_from_directory
from werkzeug.routing import PathConverter

from .core.security import public

DIST = Path(__file__).resolve().parent.parent / "client" / "dist"
bp = Blueprint("client", __name__)


class ClientPathConverter(PathConverter):
    """A path that is not under /api: the API's paths never match the PWA's catch-all, so an unknown
    /api path is a 404 and a wrong method on an API path a 405 whose Allow header lists only the API's
    own methods (not the catch-all's GET)."""

    regex = r"(?!api(?:/|$))[^/].*?"


# Registered before the rules below are added (the blueprint's deferred setup runs in order).
bp.record_once(lambda state: state.app.url_map.converters.setdefault("client_path", ClientPathConverter))

PLACEHOLDER = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Beatbook</title>
<meta name="viewport" content="width=device-width,initial-scale=1"></head><body>
<h1>Beatbook</h1><p>The API is running at <a href="/api/openapi.json">/api/openapi.json</a>.
The app has not been built: run <code>make run</code>.</p></body></html>"""


def _index():
    if (DIST / "index.html").exists():
        resp = send_from_directory(DIST, "index.html")
        resp.headers["Cache-Control"] = "no-cache"
        return resp
    return PLACEHOLDER, 200, {"Content-Type": "text/html; charset=utf-8"}


@bp.route("/")
@public
def index():
    return _index()


@bp.route("/<client_path:path>")
@public
def asset(path: str):
    target = DIST / path
    if DIST.exists() and target.is_file() and DIST in target.resolve().parents:
        resp = send_from_directory(DIST, path)
        if path.startswith("assets/"):
            # Content-hashed file names: safe to cache for a year.
            resp.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        else:
            # The service worker and manifest must be re-checked on every load.
            resp.headers["Cache-Control"] = "no-cache"
        return resp
    if "." in path.rsplit("/", 1)[-1]:
        abort(404)
    return _index()  # app routes are handled in the browser
