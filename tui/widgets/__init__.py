"""Widgets: level meter, playback panel, score card, waveform and pitch views."""
