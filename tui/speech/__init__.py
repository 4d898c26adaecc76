"""Speech shared by packs and scoring: espeak-ng TTS and word timings. Imports neither."""
