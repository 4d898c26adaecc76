"""``pronounce server``: set up and run a class server.

Its files live in ``<data-dir>/server/``; its database there too (SQLite), or in
PostgreSQL with ``--database URL``. Tokens are printed as the last line of
stdout so scripts can take them with ``tail -n 1``; everything else a script
may not want goes to stderr.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tui.cli.root import Settings, cli, pass_settings
from tui.cluster import check_scheduler
from tui.errors import ClassroomError
from tui.text import printable

if TYPE_CHECKING:  # the server's modules load when a server command runs, not with every command
    from tui.server.db import Database

DATABASE_ENV = "PRONOUNCE_SERVER_DATABASE"
SCHEDULER_ENV = "PRONOUNCE_SCHEDULER"


@dataclass(frozen=True)
class ServerSettings:
    """The data dir and the database URL every ``server`` command works on."""

    data_dir: Path
    database: str | None

    def open(self, *, create: bool = False) -> Database:
        """The server store (created with ``create``)."""
        from tui.server.db import Database, server_root

        return Database(server_root(self.data_dir), url=self.database, create=create)


pass_server = click.make_pass_decorator(ServerSettings)


def _shown(text: str) -> str:
    return printable(text, single_line=True)


@cli.group()
@click.option("--database", metavar="URL", envvar=DATABASE_ENV,
              help=f"Keep the server's tables in PostgreSQL: postgresql://USER:PASSWORD@HOST:PORT/DATABASE "
                   f"[env {DATABASE_ENV}; default: SQLite in the data dir].")
@pass_settings
@click.pass_context
def server(ctx: click.Context, settings: Settings, database: str | None) -> None:
    """Run a class server: learners upload takes, teachers review them in a browser."""
    ctx.obj = ServerSettings(settings.data_dir, database or None)


@server.command("init")
@pass_server
def server_init(settings: ServerSettings) -> None:
    """Create the server store and print the admin token (last line; shown only once)."""
    from tui.server.accounts import init_admin

    db = settings.open(create=True)
    try:
        token = init_admin(db)
    finally:
        db.close()
    click.echo(f"Class server store ready in {db.described}", err=True)
    click.echo("Admin token (sign in to every class's page with it; `pronounce server token --rotate` replaces it).", err=True)
    click.echo('Next: `pronounce server class add "Year 9 B" --teacher "Ms Lee"` prints the teacher\'s token.', err=True)
    click.echo(token)


@server.command("token")
@click.option("--rotate", is_flag=True, help="Make a new token; the old one and its browser sessions stop working.")
@click.option("--teacher", metavar="NAME", help="Replace this teacher's token instead of the admin's.")
@pass_server
def server_token(settings: ServerSettings, rotate: bool, teacher: str | None) -> None:
    """Replace the admin's (or a teacher's) token: tokens are stored hashed, so they cannot be shown again."""
    from tui.server.accounts import rotate_admin, rotate_teacher

    if not rotate:
        raise ClassroomError("a token is shown only once, when it is made", hint="`pronounce server token --rotate` makes a new one")
    db = settings.open()
    try:
        token = rotate_teacher(db, teacher) if teacher is not None else rotate_admin(db)
    finally:
        db.close()
    whose = f"teacher {_shown(teacher.strip())}'s" if teacher is not None else "the admin's"
    click.echo(f"New token, {whose} (the old one no longer works):", err=True)
    click.echo(token)


@server.group("class")
def server_class() -> None:
    """Classes and their teachers (a teacher sees only their classes)."""


@server_class.command("add")
@click.argument("name")
@click.option("--teacher", metavar="NAME", required=True, help="Who teaches it: a new teacher gets a token, printed last.")
@pass_server
def class_add(settings: ServerSettings, name: str, teacher: str) -> None:
    """Add class NAME taught by a teacher; prints the teacher's token when they are new."""
    from tui.server.classes import add_class, check_name

    db = settings.open()
    try:
        _, token = add_class(db, name, teacher)
    finally:
        db.close()
    who, what = _shown(check_name(teacher, "teacher")), _shown(check_name(name, "class"))
    if token is None:
        click.echo(f"Class {what} added; {who} teaches it too, with the token they have.", err=True)
        return
    click.echo(f"Class {what} added; the token of its teacher {who} (sign in to the class page with it):", err=True)
    click.echo(token)


@server_class.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per class and line.")
@pass_server
def class_list_command(settings: ServerSettings, as_json: bool) -> None:
    """List classes: teachers and active learners."""
    from tui.server.classes import class_list

    db = settings.open()
    try:
        found = class_list(db)
    finally:
        db.close()
    for c in found:
        if as_json:
            click.echo(json.dumps({"name": c.name, "teachers": list(c.teachers), "learners": c.learners,
                                   "created": c.created_at.isoformat()}, ensure_ascii=False))
        else:
            teachers = ", ".join(_shown(t) for t in c.teachers)
            click.echo(f"{_shown(c.name):<24} {c.learners:>5} learners  taught by {teachers}")
    if not found and not as_json:
        click.echo('No classes yet: add one with `pronounce server class add "Year 9 B" --teacher "Ms Lee"`.', err=True)


CLASS_OPTION = click.option("--class", "class_name", metavar="NAME", help="The learner's class (needed when there are several).")


@server.command("add-learner")
@click.argument("name")
@CLASS_OPTION
@pass_server
def server_add_learner(settings: ServerSettings, name: str, class_name: str | None) -> None:
    """Add learner NAME to a class and print their token (last line); hand it to them for `pronounce login`."""
    from tui.server.classes import add_learner, check_name

    db = settings.open()
    try:
        token = add_learner(db, name, class_name)
    finally:
        db.close()
    click.echo(f"Learner {_shown(check_name(name))} added; their token:", err=True)
    click.echo(token)


@server.command("learners")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per learner and line.")
@click.option("--class", "class_name", metavar="NAME", help="Only this class's learners.")
@pass_server
def server_learners(settings: ServerSettings, as_json: bool, class_name: str | None) -> None:
    """List learners: class, added, removed, takes uploaded, last upload."""
    from tui.server.classes import learner_list

    db = settings.open()
    try:
        found = learner_list(db, class_name)
    finally:
        db.close()
    for learner in found:
        record = {
            "name": learner.name,
            "class": learner.class_name,
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
        click.echo(f"{_shown(learner.name):<24} {_shown(learner.class_name):<16} {state:<8} {learner.attempts:>5} takes  last {last}")
    if not found and not as_json:
        click.echo("No learners yet: add one with `pronounce server add-learner NAME`.", err=True)


@server.command("remove-learner")
@click.argument("name")
@CLASS_OPTION
@pass_server
def server_remove_learner(settings: ServerSettings, name: str, class_name: str | None) -> None:
    """Revoke learner NAME's token (their takes are kept)."""
    from tui.server.classes import remove_learner

    db = settings.open()
    try:
        remove_learner(db, name, class_name)
    finally:
        db.close()
    click.echo(f"Learner {_shown(name.strip())} removed; their token no longer works.")


@server.command("publish")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@pass_server
def server_publish(settings: ServerSettings, source: Path) -> None:
    """Publish the pack in SOURCE (folder or .zip): learners `pronounce pack pull` it, takes are scored against it."""
    from tui.server.packs import publish

    db = settings.open()
    try:
        published = publish(db, source)
    finally:
        db.close()
    click.echo(f"Published {_shown(published.id)} version {_shown(published.version)} ({published.phrases} phrases)")


@server.command("run")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: every network).")
@click.option("--port", default=8750, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--max-upload-mb", default=20, show_default=True, type=click.IntRange(1, 2048), help="Largest recording accepted.")
@click.option("--workers", type=click.IntRange(1, 16), help="Local scoring processes, without --scheduler [default: one per core, at most 4].")
@click.option("--scheduler", metavar="tcp://HOST:PORT", envvar=SCHEDULER_ENV,
              help=f"Score on a Dask cluster: the scheduler's address (`dask scheduler`; workers: `dask worker ADDRESS`) [env {SCHEDULER_ENV}].")
@click.option("--score-wait", default=10.0, show_default=True, type=click.FloatRange(0, 120),
              help="Seconds an upload waits for its score before it is answered 'pending'.")
@click.option("--max-uploads", default=64, show_default=True, type=click.IntRange(1, 4096),
              help="Uploads received at once by this node; more are answered 503 with Retry-After.")
@click.option("--min-free-mb", default=500, show_default=True, type=click.IntRange(0, 10**7),
              help="Refuse uploads (507) when the data folder's disk has less free space; the class pages warn below 4×.")
@click.option("--tls-cert", type=click.Path(exists=True, dir_okay=False), help="Serve HTTPS with this certificate (PEM).")
@click.option("--tls-key", type=click.Path(exists=True, dir_okay=False), help="The certificate's private key (PEM).")
@pass_server
def server_run(settings: ServerSettings, host: str, port: int, max_upload_mb: int, workers: int | None, scheduler: str | None,
               score_wait: float, max_uploads: int, min_free_mb: int, tls_cert: str | None, tls_key: str | None) -> None:
    """Serve the upload API and the class pages until Ctrl+C or SIGTERM (uploads in progress finish first).

    Several web nodes may serve one store: the same --database (PostgreSQL) and
    the same data folder (one mount), each with its own --host/--port.
    """
    from tui.server.app import bind, serve
    from tui.server.db import server_root
    from tui.server.service import ServerConfig, default_workers, node_name

    if bool(tls_cert) != bool(tls_key):
        raise ClassroomError("--tls-cert and --tls-key go together", hint="give both, or neither for plain HTTP")
    address = check_scheduler(scheduler) if scheduler else None
    settings.open().close()
    config = ServerConfig(root=server_root(settings.data_dir), database=settings.database,
                          max_upload_bytes=max_upload_mb * 1024 * 1024, workers=workers or default_workers(),
                          scheduler=address, score_wait=score_wait, max_uploads=max_uploads,
                          min_free_bytes=min_free_mb * 1024 * 1024, node=node_name(port))
    sock = bind(host, port)
    scheme = "https" if tls_cert else "http"
    scoring = f"scoring on the Dask scheduler at {address}" if address else f"{config.workers} scoring processes"
    click.echo(f"Class server on {scheme}://{host}:{port}/ (class pages), {scoring}; Ctrl+C stops it.", err=True)
    serve(config, sock, ssl_certfile=tls_cert, ssl_keyfile=tls_key)
