"""Every endpoint the app serves, read from app.url_map, so a new endpoint is
covered (or fails the matrix for want of expectations) automatically."""
from __future__ import annotations

from server import create_app
from server.core.security import declared_roles as roles_of, is_public_view

IGNORED_METHODS = {"HEAD", "OPTIONS"}  # HEAD is GET without a body; OPTIONS is Flask's


def routes(app) -> list[tuple[str, str, str]]:
    """(rule, method, endpoint) for every route and method."""
    out = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - IGNORED_METHODS):
            out.append((rule.rule, method, rule.endpoint))
    return sorted(out)


def view_for(app, endpoint: str, method: str):
    view = app.view_functions[endpoint]
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        view = getattr(view_class, method.lower(), None)
    return view


def declared_roles(app, endpoint: str, method: str):
    """The roles the view declares (None when public)."""
    view = view_for(app, endpoint, method)
    if is_public_view(endpoint, view):
        return None
    return roles_of(view)


def collection_app():
    """An app built only to read its url_map at collection time (no database is touched)."""
    return create_app({"BEATBOOK_ENV": "testing", "DATABASE_URL": "sqlite:///:memory:",
                       "SECRET_KEY": "collection-only-key-0123456789abcdef"})


ALL_ROUTES = routes(collection_app())
WRITE_ROUTES = [r for r in ALL_ROUTES if r[1] in ("POST", "PUT", "PATCH", "DELETE")]
