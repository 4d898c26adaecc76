"""``pronounce review``: list, export, re-score or delete attempts.

Output for people goes to stdout; notes, progress and skipped re-scores go to
stderr, so ``--json`` output stays machine-readable.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tui.cli.output import progress, safe_json, shown
from tui.cli.root import Settings, WholeNumber, cli, pass_settings

if TYPE_CHECKING:
    from tui.store.attempts import Attempt, AttemptStore

EMPTY = "No attempts yet: practise a phrase (`pronounce practice`) and it shows up here."


@cli.command()
@click.option("--pack", "pack_id", help="Only attempts of this pack id.")
@click.option("--phrase", "phrase_id", help="Only attempts of this phrase id.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line per attempt, oldest first.")
@click.option("--export", "export_path", type=click.Path(dir_okay=False, path_type=Path), help="Write the attempts to FILE.csv or FILE.json.")
@click.option("--rescore", is_flag=True, help="Re-score attempts made by an older scorer version (reports only that).")
@click.option("--delete", "delete_id", type=WholeNumber(min=1), metavar="ID", help="Delete attempt ID and its recording.")
@pass_settings
def review(
    settings: Settings,
    pack_id: str | None,
    phrase_id: str | None,
    as_json: bool,
    export_path: Path | None,
    rescore: bool,
    delete_id: int | None,
) -> None:
    """List past attempts (a table, or JSON lines); export, re-score or delete them."""
    run_review(
        settings.data_dir,
        pack=pack_id,
        phrase=phrase_id,
        as_json=as_json,
        export_path=export_path,
        rescore=rescore,
        delete_id=delete_id,
    )


def run_review(
    data_dir: Path,
    *,
    pack: str | None = None,
    phrase: str | None = None,
    as_json: bool = False,
    export_path: Path | None = None,
    rescore: bool = False,
    delete_id: int | None = None,
) -> None:
    """Run ``pronounce review`` on the store in ``data_dir`` (see the command's help).

    ``rescore`` alone reports only the re-scoring (on stderr); with ``as_json``
    or ``export_path`` the re-scored attempts are then printed or written.

    Raises
    ------
    click.UsageError
        ``--delete`` combined with another action or a filter, ``--export`` with ``--json``.
    StoreError
        The store cannot be used, or the attempt to delete does not exist.
    """
    from tui.store.attempts import AttemptStore, PhraseStats
    from tui.store.report import export, json_lines, reconcile_notes, stats_line, table

    if delete_id is not None and (rescore or export_path or as_json or pack is not None or phrase is not None):
        raise click.UsageError("--delete cannot be combined with --rescore, --export, --json, --pack or --phrase")
    if export_path is not None and as_json:
        raise click.UsageError("--export writes a file and --json prints lines: choose one")
    if delete_id is None and not _has_database(data_dir):
        click.echo(EMPTY, err=as_json)
        return
    with AttemptStore(data_dir) as store:
        for note in reconcile_notes(store.reconcile(), store.orphans_dir):
            click.echo(f"pronounce: note: {note}", err=True)
        if delete_id is not None:
            gone = store.delete(delete_id)
            click.echo(f"Deleted attempt {gone.id} ({shown(gone.pack_id)}/{shown(gone.phrase_id)}) "
                       f"and its recording {shown(gone.audio)}")
            return
        attempts = store.attempts(pack=pack, phrase=phrase)
        if not attempts:
            click.echo(_empty(pack, phrase), err=as_json)
            return
        if rescore:
            _rescore(store, attempts)
            if export_path is None and not as_json:
                return
            attempts = store.attempts(pack=pack, phrase=phrase)
        if export_path is not None:
            export(attempts, export_path)
            click.echo(f"Wrote {len(attempts)} attempt{'s' if len(attempts) != 1 else ''} to {shown(export_path)}")
        elif as_json:
            click.echo(safe_json(json_lines(attempts)), nl=False)
        else:
            click.echo(table(attempts))
            if phrase is not None:
                click.echo("\n" + stats_line(phrase, PhraseStats.from_scores([a.score.overall for a in attempts])))


def _has_database(data_dir: Path) -> bool:
    """Whether ``data_dir`` holds a database (or something in its place); a data dir that cannot be one is refused."""
    from tui.store.attempts import DB_NAME
    from tui.store.files import open_data_dir

    try:
        os.stat(data_dir)
    except FileNotFoundError:
        return False  # nothing was ever saved here: nothing to list, and nothing is created
    except OSError:
        open_data_dir(data_dir)  # says what is wrong with it
    if not os.path.isdir(data_dir):
        open_data_dir(data_dir)
    return os.path.lexists(data_dir / DB_NAME)


def _rescore(store: AttemptStore, attempts: list[Attempt]) -> None:
    """Re-score the attempts of another scorer version, with a progress bar."""
    from tui.store import rescore as rescoring

    version = rescoring.current_version()
    todo = rescoring.stale(attempts, version)
    if not todo:
        click.echo(f"All {len(attempts)} attempts are already scored by scorer {version}.", err=True)
        return
    with progress(len(todo), f"Re-scoring with scorer {version}") as bar:
        result = rescoring.rescore(store, todo, on_done=lambda _: bar.update(1))
    click.echo(f"Re-scored {len(result.rescored)} of {len(todo)} attempts.", err=True)
    for id, reason in result.skipped:
        click.echo(f"pronounce: note: attempt {id} was not re-scored: {shown(reason)}", err=True)


def _empty(pack: str | None, phrase: str | None) -> str:
    if pack is None and phrase is None:
        return EMPTY
    which = " ".join(part for part in (pack and f"pack {pack!r}", phrase and f"phrase {phrase!r}") if part)
    return f"No attempts of {which} yet."
