"""Tallies: operation counts grouped every way a briefing needs, and the end-of-shift review."""
