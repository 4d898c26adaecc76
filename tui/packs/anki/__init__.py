"""Anki decks in and out: read an ``.apkg`` into a pack (:mod:`.importer`), write a pack as an ``.apkg`` (:mod:`.exporter`)."""
