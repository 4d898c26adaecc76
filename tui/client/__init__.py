"""The learner's side of the classroom: login, the HTTP client, the outbox uploader. No Textual here.

``tui.client.login`` (where and with what token), ``tui.client.http`` (the
requests), ``tui.client.uploader`` (the background :class:`Uploader` the app
starts, and ``sync_now`` for ``pronounce sync``). The CLI glue lives in
``tui/cli/sync.py``. Nothing is imported here, so ``import tui.client.login``
stays cheap.
"""
