"""Print the server's value lists as JSON: the app's offline fallback copy.

Loads server/records/reference.py on its own (no Flask needed)."""
import importlib.util
import json
from pathlib import Path

path = Path(__file__).resolve().parents[2] / "server" / "records" / "reference.py"
spec = importlib.util.spec_from_file_location("beatbook_reference", path)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print(json.dumps({"lists": module.all_lists()}, indent=1, ensure_ascii=False))
