"""The four kinds of record an officer logs, their shifts, review and audit."""
