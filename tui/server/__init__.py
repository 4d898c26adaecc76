"""The class server: learners upload takes, teachers review them in a browser, packs are handed out.

An ASGI app (Starlette) run by uvicorn, with its own store under
``<data-dir>/server/``. No Textual, rich or click here: the CLI glue lives in
``tui/cli/server.py``.
"""
