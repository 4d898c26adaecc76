"""Audio engine: devices, named recorders, player, level metering, file I/O. No Textual here."""
