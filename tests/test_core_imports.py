"""server/core/ is the ground floor every feature builds on: nothing in it imports a feature (auth,
records, sync, tallies, ...), so a feature can be read, changed or removed without core moving."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "server" / "core"


def imported_modules(source: str, path: Path) -> set[str]:
    """Every module a file imports, as an absolute dotted name (relative imports resolved, and
    importlib.import_module("...") with a literal name counted too)."""
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = list(package[:len(package) - node.level + 1]) if node.level else []
            if node.module:
                found.add(".".join(base + node.module.split(".")))
            else:  # from . import x: x may be a module
                found.update(".".join(base + [alias.name]) for alias in node.names)
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module"
              and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            found.add(node.args[0].value)
    return found


def outside_core(modules: set[str]) -> set[str]:
    """The modules of the app named that are not core's own."""
    return {m for m in modules if (m == "server" or m.startswith("server."))
            and not (m == "server.core" or m.startswith("server.core."))}


def test_no_module_of_core_imports_a_feature():
    files = sorted(CORE.rglob("*.py"))
    assert CORE / "security.py" in files and CORE / "api.py" in files
    reaching_up = {}
    for path in files:
        found = outside_core(imported_modules(path.read_text(encoding="utf-8"), path))
        if found:
            reaching_up[str(path.relative_to(ROOT))] = sorted(found)
    assert reaching_up == {}, f"core imports features: {reaching_up}"


def test_every_form_of_import_is_seen():
    # What the check above must catch, written the ways an import can be written inside core.
    path = CORE / "example.py"
    source = "\n".join([
        "from ..records.schemas import ShiftSchema",
        "from .. import auth",
        "import server.sync.routes",
        "def later():",
        "    from ..tallies import service",
        "    importlib.import_module('server.exports.routes')",
        "from .security import requires",
        "from . import db",
        "import flask",
    ])
    assert outside_core(imported_modules(source, path)) == {
        "server.records.schemas", "server.auth", "server.sync.routes", "server.tallies", "server.exports.routes"}
    assert {"server.core.security", "server.core.db", "flask"} <= imported_modules(source, path)
