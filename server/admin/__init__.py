"""Administration: officers, teams and operations managed in the app, with an append-only audit trail."""
