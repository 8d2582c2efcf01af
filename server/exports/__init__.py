"""Exports for briefings: CSVs of tallies and records, the police.uk stop-search file, the printable briefing."""
