"""The Operation Revive demo: officers, shifts and records matching the public results."""
