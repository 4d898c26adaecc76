"""Widgets: phrase list, waveforms, level meter, score card, pitch and score plots, status bar."""
