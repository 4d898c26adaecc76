"""``pronounce assignments``: the work the teacher set, with how far the learner is, fetched from the class server."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tui.cli.output import safe_json, shown
from tui.cli.root import Settings, cli, pass_settings
from tui.cli.sync import require_login

if TYPE_CHECKING:
    from tui.store.inbox import Progress


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per assignment and line.")
@click.option("--offline", is_flag=True, help="Do not ask the server: show what was fetched last.")
@pass_settings
def assignments(settings: Settings, as_json: bool, offline: bool) -> None:
    """List the work your teacher set: each phrase's best score since it was set, and what is done.

    The assigned packs are pulled (checked like any import) into the data dir's
    ``assigned/`` folder; practise one with the command shown under it.
    """
    from tui.client.http import ClassClient, ServerError
    from tui.client.inbox import assigned_pack_dir, fetch_inbox
    from tui.store.inbox import Inbox

    login = require_login(settings)
    with Inbox(settings.data_dir) as inbox:
        if not offline:
            try:
                with ClassClient(login) as client:
                    report = fetch_inbox(settings.data_dir, client, inbox)
                for problem in report.problems:
                    click.echo(f"pronounce: warning: {shown(problem)}", err=True)
            except ServerError as exc:
                if not exc.retry:
                    raise
                click.echo(f"pronounce: warning: {shown(exc.message)}; showing what was fetched last", err=True)
        progress = [inbox.progress(assignment) for assignment in inbox.assignments(login.url)]
    today = date.today()
    for item in progress:
        a = item.assignment
        folder = assigned_pack_dir(settings.data_dir, a.pack_id)
        if as_json:
            click.echo(safe_json(json.dumps({
                "id": a.id, "pack": a.pack_id, "title": a.title, "due": a.due_on.isoformat(), "target": a.target,
                "author": a.author, "done": item.done, "reached": item.reached,
                "phrases": [{"id": p, "text": t, "best": b} for (p, t), b in zip(a.phrases, item.best)],
                "pack_folder": str(folder) if folder.is_dir() else None}, ensure_ascii=False)))
            continue
        _show(item, today, folder if folder.is_dir() else None)
    if not progress and not as_json:
        click.echo("No assignments: your teacher has not set any work.")


def _show(item: Progress, today: date, folder: Path | None) -> None:
    from tui.text import due_text

    a = item.assignment
    state = "done" if item.done else ("overdue" if a.due_on < today else f"{item.reached}/{len(item.best)} done")
    click.echo(f"{shown(a.title)} ({shown(a.pack_id)})  due {due_text(a.due_on, today)} · target {a.target} · {state}"
               f"  — set by {shown(a.author)}")
    for (_, text), best in zip(a.phrases, item.best):
        mark = "✓" if best is not None and best >= a.target else "·"
        click.echo(f"  {mark} {shown(text)[:40]:<40} {'–' if best is None else f'{best:.0f}':>4}")
    if folder is not None and not item.done:
        click.echo(f"  practise: pronounce practice {shown(folder)}")
