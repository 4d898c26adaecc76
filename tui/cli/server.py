"""``pronounce server``: set up and run a class server (its store lives in ``<data-dir>/server/``).

Tokens are printed as the last line of stdout so scripts can take them with
``tail -n 1``; everything else a script may not want goes to stderr.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tui.cli.root import Settings, cli, pass_settings
from tui.errors import ClassroomError
from tui.text import printable

if TYPE_CHECKING:  # the server's modules load when a server command runs, not with every command
    from tui.server.db import Database


def _database(settings: Settings, *, create: bool = False) -> Database:
    from tui.server.db import Database, server_root

    return Database(server_root(settings.data_dir), create=create)


@cli.group()
def server() -> None:
    """Run a class server: learners upload takes, you review them in a browser."""


@server.command("init")
@pass_settings
def server_init(settings: Settings) -> None:
    """Create the server store and print the teacher token (last line; shown only once)."""
    from tui.server.accounts import init_teacher

    db = _database(settings, create=True)
    token = init_teacher(db)
    click.echo(f"Class server store created in {db.root}", err=True)
    click.echo("Teacher token (sign in to the class page with it; `pronounce server token --rotate` replaces it):", err=True)
    click.echo(token)


@server.command("token")
@click.option("--rotate", is_flag=True, help="Make a new teacher token; the old one and every browser session stop working.")
@pass_settings
def server_token(settings: Settings, rotate: bool) -> None:
    """Replace the teacher token (it is stored hashed, so it cannot be shown again)."""
    from tui.server.accounts import is_initialised, rotate_teacher

    if not rotate:
        raise ClassroomError("the teacher token is shown only once, when it is made",
                             hint="`pronounce server token --rotate` makes a new one")
    db = _database(settings)
    if not is_initialised(db):
        raise ClassroomError(f"the class server in {db.root} has no teacher token", hint="run `pronounce server init`")
    token = rotate_teacher(db)
    click.echo("New teacher token (the old one no longer works):", err=True)
    click.echo(token)


@server.command("add-learner")
@click.argument("name")
@pass_settings
def server_add_learner(settings: Settings, name: str) -> None:
    """Add learner NAME and print their token (last line); hand it to them for `pronounce login`."""
    from tui.server.accounts import add_learner, check_name

    token = add_learner(_database(settings), name)
    click.echo(f"Learner {printable(check_name(name), single_line=True)} added; their token:", err=True)
    click.echo(token)


@server.command("learners")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per learner and line.")
@pass_settings
def server_learners(settings: Settings, as_json: bool) -> None:
    """List learners: added, removed, takes uploaded, last upload."""
    from tui.server.accounts import learners

    found = learners(_database(settings))
    for learner in found:
        record = {
            "name": learner.name,
            "added": learner.created_at.isoformat(),
            "removed": learner.removed_at.isoformat() if learner.removed_at else None,
            "attempts": learner.attempts,
            "last_upload": learner.last_upload.isoformat() if learner.last_upload else None,
        }
        if as_json:
            click.echo(json.dumps(record, ensure_ascii=False))
            continue
        state = "removed" if learner.removed_at else "active"
        last = f"{learner.last_upload:%Y-%m-%d %H:%M}" if learner.last_upload else "never"
        click.echo(f"{printable(learner.name, single_line=True):<24} {state:<8} {learner.attempts:>5} takes  last {last}")
    if not found and not as_json:
        click.echo("No learners yet: add one with `pronounce server add-learner NAME`.", err=True)


@server.command("remove-learner")
@click.argument("name")
@pass_settings
def server_remove_learner(settings: Settings, name: str) -> None:
    """Revoke learner NAME's token (their takes are kept)."""
    from tui.server.accounts import remove_learner

    remove_learner(_database(settings), name)
    click.echo(f"Learner {printable(name.strip(), single_line=True)} removed; their token no longer works.")


@server.command("publish")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@pass_settings
def server_publish(settings: Settings, source: Path) -> None:
    """Publish the pack in SOURCE (folder or .zip): learners `pronounce pack pull` it, takes are scored against it."""
    from tui.server.packs import publish

    published = publish(_database(settings), source)
    click.echo(f"Published {printable(published.id, single_line=True)} version {printable(published.version, single_line=True)}"
               f" ({published.phrases} phrases)")


@server.command("run")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: every network).")
@click.option("--port", default=8750, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--max-upload-mb", default=20, show_default=True, type=click.IntRange(1, 2048), help="Largest recording accepted.")
@click.option("--workers", type=click.IntRange(1, 16), help="Scoring processes [default: one per core, at most 4].")
@click.option("--tls-cert", type=click.Path(exists=True, dir_okay=False), help="Serve HTTPS with this certificate (PEM).")
@click.option("--tls-key", type=click.Path(exists=True, dir_okay=False), help="The certificate's private key (PEM).")
@pass_settings
def server_run(settings: Settings, host: str, port: int, max_upload_mb: int, workers: int | None,
               tls_cert: str | None, tls_key: str | None) -> None:
    """Serve the upload API and the teacher's page until Ctrl+C or SIGTERM (uploads in progress finish first)."""
    from tui.server.app import bind, serve
    from tui.server.db import server_root
    from tui.server.service import ServerConfig, default_workers

    if bool(tls_cert) != bool(tls_key):
        raise ClassroomError("--tls-cert and --tls-key go together", hint="give both, or neither for plain HTTP")
    _database(settings).close()
    config = ServerConfig(server_root(settings.data_dir), max_upload_mb * 1024 * 1024, workers or default_workers())
    sock = bind(host, port)
    scheme = "https" if tls_cert else "http"
    click.echo(f"Class server on {scheme}://{host}:{port}/ (teacher page); Ctrl+C stops it.", err=True)
    serve(config, sock, ssl_certfile=tls_cert, ssl_keyfile=tls_key)
