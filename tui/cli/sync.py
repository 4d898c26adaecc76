"""The learner's classroom commands: ``login``, ``logout``, ``sync`` (uploads, then the teacher's answers) and ``pack pull``.

``pack pull`` joins the ``pack`` group from here, so the pack commands' own
module stays as it is.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from tui.cli.output import progress
from tui.cli.pack import pack
from tui.cli.root import Settings, cli, pass_settings
from tui.errors import ClassroomError, PackError
from tui.fsio import resolved
from tui.text import printable

if TYPE_CHECKING:
    from tui.client.inbox import InboxReport
    from tui.client.login import Login

NOT_LOGGED_IN_HINT = "run `pronounce login URL TOKEN` with the address and token your teacher gave you"


def require_login(settings: Settings) -> Login:
    from tui.client.login import load_login

    login = load_login(settings.data_dir)
    if login is None:
        raise ClassroomError("you are not logged in to a class server", hint=NOT_LOGGED_IN_HINT)
    return login


@cli.command()
@click.argument("url")
@click.argument("token")
@click.option("--insecure", is_flag=True, help="Do not check the server's TLS certificate (only for a server you trust).")
@pass_settings
def login(settings: Settings, url: str, token: str, insecure: bool) -> None:
    """Upload the takes you save from now on to the class server at URL, with your TOKEN."""
    from tui.client.http import CertificateError, ClassClient, ServerError
    from tui.client.login import Login, check_token, normalise_url, save_login
    from tui.config import config_path, load_config
    from tui.store.outbox import Outbox

    chosen = Login(normalise_url(url), check_token(token), insecure)
    load_config(config_path(settings.data_dir))  # a broken settings file is found before the server is asked
    if insecure:
        click.echo("pronounce: warning: TLS certificate checks are off for this server (--insecure)", err=True)
    name = None
    try:
        with ClassClient(chosen) as client:
            who = client.me()
    except ServerError as exc:
        if not exc.retry or isinstance(exc, CertificateError):
            raise
        click.echo(f"pronounce: warning: {exc}; logged in anyway, takes upload once it answers", err=True)
    else:
        if who.get("role") != "learner":
            raise ClassroomError(f"that is {'the admin' if who.get('role') == 'admin' else 'a teacher'}'s token", hint="log in with a learner token (`pronounce server add-learner NAME` prints one)")
        name = str(who.get("name") or "")
    save_login(settings.data_dir, chosen)
    with Outbox(settings.data_dir) as outbox:
        outbox.queue_from_now()
        requeued = outbox.requeue_failed()
    as_whom = f" as {printable(name, single_line=True)}" if name else ""
    click.echo(f"Logged in to {chosen.url}{as_whom}; takes you save from now on are uploaded."
               + (f" {requeued} refused takes will be tried again." if requeued else ""))


@cli.command()
@pass_settings
def logout(settings: Settings) -> None:
    """Stop uploading to the class server and forget its token (queued takes stay queued)."""
    from tui.client.login import clear_login
    from tui.store.outbox import Outbox

    had = clear_login(settings.data_dir)
    with Outbox(settings.data_dir) as outbox:
        outbox.stop_queuing()
        waiting = outbox.counts().pending
    if not had:
        click.echo("You were not logged in.")
        return
    click.echo("Logged out." + (f" {waiting} takes stay queued and upload after the next login." if waiting else ""))


def _server_score(status: str | None, score_json: str | None) -> str:
    """`` · server score 71``, `` · being scored``, `` · the server could not score it`` or ""."""
    import json

    if status == "pending":
        return " · being scored on the server"
    if status == "failed":
        return " · the server could not score it"
    if status == "scored" and score_json:
        try:
            return f" · server score {float(json.loads(score_json)['overall']):.0f}"
        except (ValueError, KeyError, TypeError):
            return ""
    return ""


def _status(settings: Settings) -> None:
    from tui.store import AttemptStore
    from tui.store.outbox import Outbox

    with Outbox(settings.data_dir) as outbox, AttemptStore(settings.data_dir) as store:
        items = outbox.items()
        texts = {a.id: a.text for a in store.attempts()}
        counts = outbox.counts()
    click.echo(f"{counts.pending} pending, {counts.sent} sent, {counts.failed} failed")
    for item in items:
        if item.state == "sent":
            detail = f"server id {item.server_id}" + _server_score(item.server_status, item.server_score_json)
        elif item.state == "pending":
            detail = f"next try {item.next_try_at.astimezone():%H:%M:%S}" + (f" — {item.last_error}" if item.last_error else "")
        else:
            detail = item.last_error
        if item.damaged:
            detail += f"  [damaged: {item.damaged}]"
        text = printable(texts.get(item.attempt_id, "(deleted)"), single_line=True)[:32]
        click.echo(f"{item.attempt_id:>6}  {item.state:<8} {item.tries:>3} tries  {text:<32}  {printable(detail, single_line=True)}")


@cli.command()
@click.option("--status", "show_status", is_flag=True, help="List queued takes (pending, sent, failed with the reason) and exit.")
@click.option("--retry-failed", is_flag=True, help="Also try again the takes the server refused before.")
@pass_settings
def sync(settings: Settings, show_status: bool, retry_failed: bool) -> None:
    """Upload every queued take now, with a progress bar, then fetch the server's scores of takes it was still scoring."""
    if show_status:
        _status(settings)
        return
    from tui.client.uploader import sync_now
    from tui.store.outbox import Outbox

    chosen = require_login(settings)
    if retry_failed:
        with Outbox(settings.data_dir) as outbox:
            outbox.requeue_failed()
    with ExitStack() as stack:
        bars: list[Any] = []

        def started(count: int) -> None:
            bars.append(stack.enter_context(progress(count, "Uploading takes")))

        report = sync_now(settings.data_dir, chosen, on_start=started, on_progress=lambda *_: bars[0].update(1))
    scores = ""
    if report.scores_fetched or report.scores_awaited:
        scores = f"; {report.scores_fetched} server scores fetched, {report.scores_awaited} still being scored"
    click.echo(f"{report.sent} sent, {report.waiting} waiting, {report.failed} refused{scores}")
    if report.inbox is not None and (report.inbox.unseen or report.inbox.assignments or report.inbox.pulled):
        click.echo(inbox_line(report.inbox))
        for problem in report.inbox.problems:
            click.echo(f"pronounce: warning: {printable(problem, single_line=True)}", err=True)
    elif report.inbox_error:
        click.echo(f"pronounce: warning: the teacher's answers were not fetched: {printable(report.inbox_error, single_line=True)}",
                   err=True)
    if report.waiting:
        raise ClassroomError(f"{report.waiting} takes still wait to upload: {report.last_error}",
                             hint="they stay queued; run `pronounce sync` again once the server answers")
    if report.failed:
        raise ClassroomError(f"the server refused {report.failed} takes", hint="`pronounce sync --status` says why")


def inbox_line(report: InboxReport) -> str:
    """``1 new comment from your teacher (open Review in the app) · 2 assignments (pronounce assignments)``."""
    parts = []
    if report.unseen:
        parts.append(f"{report.unseen} new comment{'' if report.unseen == 1 else 's'} from your teacher (open Review in the app)")
    if report.assignments:
        parts.append(f"{report.assignments} assignment{'' if report.assignments == 1 else 's'} (pronounce assignments)")
    if report.pulled:
        parts.append(f"pulled {', '.join(printable(p, single_line=True) for p in report.pulled)}")
    return " · ".join(parts)


@pack.command("pull")
@click.argument("pack_id")
@click.option("--to", "target", type=click.Path(file_okay=False, path_type=Path), help="Folder to create [default: ./PACK_ID].")
@pass_settings
def pack_pull(settings: Settings, pack_id: str, target: Path | None) -> None:
    """Download the pack PACK_ID published on your class server (checked like any import)."""
    from tui.client.http import ClassClient
    from tui.packs.authoring import import_zip
    from tui.store.files import safe_name

    chosen = require_login(settings)
    try:
        target = resolved(target or Path.cwd() / safe_name(pack_id))
    except OSError as exc:
        raise PackError(f"cannot use {target}: {exc.strerror or exc}", hint="choose another folder with --to") from exc
    if os.path.lexists(target):
        raise PackError(f"{target} already exists", hint="choose another folder with --to, or remove it")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".pronounce-pull.", dir=target.parent) as folder:
            archive = Path(folder) / "pack.zip"
            with ClassClient(chosen) as client:
                client.download_pack(pack_id, archive)
            created = import_zip(archive, target)
    except OSError as exc:
        raise PackError(f"cannot write {target}: {exc.strerror or exc}", hint="choose a writable folder with --to") from exc
    click.echo(f"Pulled {printable(pack_id, single_line=True)} into {created}")
