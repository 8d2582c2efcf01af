"""Targeted policing operations (e.g. Operation Revive) that records are logged against."""
