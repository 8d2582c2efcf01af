"""Exactly-once sync between the phone's outbox and the server."""
