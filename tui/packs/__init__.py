"""Lesson packs: model, loading and validation, authoring, TTS. No Textual here."""
