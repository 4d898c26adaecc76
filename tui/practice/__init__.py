"""The practice layer: what the screens share, in plain Python (no Textual, rich or click).

The screens and widgets reach the engine (``audio``, ``scoring``, ``packs``,
``store``, ``speech``) only through this package, and through the engine's
model and type modules (an import-linter contract keeps it so):

- :mod:`~tui.practice.session` — :class:`Session`: settings, store, player, uploads, takes;
- :mod:`~tui.practice.practiced` — the pack practised, its references; :mod:`~tui.practice.progress` — scores, due phrases, goal;
- :mod:`~tui.practice.takes` — :class:`Take` and :class:`TakeState`, changed only by the take's methods;
- :mod:`~tui.practice.captures` — captures, and :class:`CaptureRun`, the app's one recording at a time;
- :mod:`~tui.practice.phrase_scoring` — the phrase → scoring adapter (references, live scoring);
- :mod:`~tui.practice.results` — what is shown: a phrase's reference, an attempt's result;
- :mod:`~tui.practice.history`, :mod:`~tui.practice.recovered` — past attempts, takes left behind;
- :mod:`~tui.practice.playback` — sounds played one after another; :mod:`~tui.practice.announce` — listeners;
- :mod:`~tui.practice.authoring` — the Author screen's work on a pack folder.
"""
