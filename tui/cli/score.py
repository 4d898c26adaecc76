"""``pronounce score``: compare two recordings, or score a whole manifest."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import click

from tui.cli.output import InputGuard, output_file, progress, shown
from tui.cli.root import WholeNumber, cli, existing_file
from tui.cluster import check_scheduler

MAX_JOBS = 64
"""More worker processes than this is a typo, not a machine: each loads the scoring models."""


@cli.command()
@click.argument("reference", required=False, type=existing_file)
@click.argument("attempt", required=False, type=existing_file)
@click.option("--text", help="The phrase said: scored as the app scores it outside a pack (a reference is synthesized when none is given).")
@click.option("--lang", help="Language of --text (BCP 47) [default: en-us].")
@click.option("--json", "as_json", is_flag=True, help="Print the score as JSON.")
@click.option("--batch", "manifest", type=existing_file, help="Score every row of MANIFEST.csv (id,attempt + reference or text[,lang]).")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), help="JSON lines output of --batch.")
@click.option("--jobs", type=WholeNumber(min=1, max=MAX_JOBS), help="Worker processes for --batch [default: all cores].")
@click.option("--scheduler", metavar="tcp://HOST:PORT", envvar="PRONOUNCE_SCHEDULER",
              help="Score --batch on a Dask cluster instead of local processes [env PRONOUNCE_SCHEDULER].")
def score(
    reference: Path | None, attempt: Path | None, text: str | None, lang: str | None, as_json: bool,
    manifest: Path | None, out_path: Path | None, jobs: int | None, scheduler: str | None,
) -> None:
    """Score ATTEMPT against REFERENCE, or against --text (with or without REFERENCE), or a whole manifest with --batch.

    With --text the phrase gets every kind of evidence its language has (for
    English, Whisper and phone evidence) and the built-in cohort, as in the app.
    --batch scores rows as it reads them. --out is written when the whole batch
    is done (an existing file is replaced only then; Ctrl+C or a stop signal
    keeps it) and may not be the manifest or one of its audio files. With
    --scheduler the rows are scored by the Dask cluster's workers (the audio is
    read here and sent): the same lines as a local run.
    """
    if manifest is not None:
        if reference or attempt or text is not None or lang is not None or out_path is None:
            raise click.UsageError("--batch takes no REFERENCE/ATTEMPT/--text/--lang and needs --out OUT.jsonl")
        if as_json:
            raise click.UsageError("--batch always writes JSON lines to --out; drop --json")
        if scheduler and jobs:
            raise click.UsageError("--jobs counts local processes; with --scheduler the cluster's workers score")
        _score_batch(manifest, out_path, jobs, check_scheduler(scheduler) if scheduler else None)
        return
    if scheduler:
        raise click.UsageError("--scheduler only applies to --batch")
    if out_path is not None or jobs is not None:
        raise click.UsageError(f"{'--out' if out_path is not None else '--jobs'} only applies to --batch; "
                               "for one pair, redirect the output (`--json > FILE`)")
    if lang is not None and text is None:
        raise click.UsageError("--lang goes with --text")
    if text is not None and attempt is None:
        reference, attempt = None, reference
    if attempt is None or (reference is None and text is None):
        raise click.UsageError("give REFERENCE and ATTEMPT, --text TEXT [REFERENCE] ATTEMPT, or --batch MANIFEST.csv --out OUT.jsonl")
    from tui.packs.checks import check_language, check_text

    if text is not None:
        check_text(text, what="phrase text")
    if lang is not None:
        check_language(lang)
    from tui.scoring import compare, prepare_phrase
    from tui.scoring.card import fallback_note, score_card

    prepared = prepare_phrase(text, lang=lang, audio=None if reference is None else str(reference))
    result = compare(prepared, str(attempt))
    if note := fallback_note(result):
        click.echo(f"pronounce: warning: {note}", err=True)
    click.echo(result.to_json() if as_json else score_card(result))


def _score_batch(manifest: Path, out_path: Path, jobs: int | None, scheduler: str | None) -> None:
    """Stream the manifest's rows through the scorer into ``out_path``; exit 1 when a row failed."""
    from tui.scoring import batch

    guard = InputGuard(out_path, what="--out")
    guard.check(manifest)
    rows = batch.read_manifest(manifest)

    def guarded() -> Iterator[batch.Row]:
        for row in rows:
            if not row.problem:
                guard.check(row.attempt)
                if row.reference is not None:
                    guard.check(row.reference)
            yield row

    with output_file(out_path) as target, progress(_estimate(manifest), "scoring") as bar:
        if scheduler is not None:
            from tui.cluster import score_manifest

            done, failed = score_manifest(guarded(), target, scheduler, progress=bar.update)
        else:
            done, failed = batch.run(guarded(), target, jobs=jobs, progress=bar.update)
    click.echo(f"{done - failed} scored, {failed} failed -> {shown(out_path)}", err=True)
    sys.exit(1 if failed else 0)


def _estimate(manifest: Path) -> int:
    """Rows in ``manifest``, counted as lines (a quoted newline counts twice), for the progress bar only."""
    if not sys.stderr.isatty():
        return 0
    with open(manifest, "rb") as handle:
        return max(sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b"")) - 1, 0)
