"""Attempts store: SQLite history and the recordings folder. No Textual here."""
