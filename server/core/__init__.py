"""Shared plumbing: database, errors, security, schema helpers."""
