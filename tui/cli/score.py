"""``pronounce score``: compare two recordings, or score a whole manifest."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from tui.cli.output import output_file, refuse_overlap, shown
from tui.cli.root import cli, existing_file
from tui.cluster import check_scheduler


@cli.command()
@click.argument("reference", required=False, type=existing_file)
@click.argument("attempt", required=False, type=existing_file)
@click.option("--json", "as_json", is_flag=True, help="Print the score as JSON.")
@click.option("--batch", "manifest", type=existing_file, help="Score every row of MANIFEST.csv (id,attempt + reference or text[,lang]).")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), help="JSON lines output of --batch.")
@click.option("--jobs", type=click.IntRange(min=1), help="Worker processes for --batch [default: all cores].")
@click.option("--scheduler", metavar="tcp://HOST:PORT", envvar="PRONOUNCE_SCHEDULER",
              help="Score --batch on a Dask cluster instead of local processes [env PRONOUNCE_SCHEDULER].")
def score(
    reference: Path | None, attempt: Path | None, as_json: bool, manifest: Path | None,
    out_path: Path | None, jobs: int | None, scheduler: str | None,
) -> None:
    """Score ATTEMPT against REFERENCE, or a whole manifest with --batch.

    --out is written when the whole batch is done (an existing file is replaced
    only then) and may not be the manifest or one of its audio files. With
    --scheduler the rows are scored by the cluster's workers (the audio is
    read here and sent): the same lines as a local run.
    """
    if manifest is not None:
        if reference or attempt or out_path is None:
            raise click.UsageError("--batch takes no REFERENCE/ATTEMPT and needs --out OUT.jsonl")
        if scheduler and jobs:
            raise click.UsageError("--jobs counts local processes; with --scheduler the cluster's workers score")
        from tui.scoring import batch

        rows = batch.read_manifest(manifest)
        inputs = [manifest, *(row.attempt for row in rows), *(row.reference for row in rows if row.reference)]
        refuse_overlap(out_path, inputs, what="--out")
        progress = click.progressbar(length=len(rows), label="scoring", file=sys.stderr, hidden=not sys.stderr.isatty())
        address = check_scheduler(scheduler) if scheduler else None
        with output_file(out_path) as target, progress as bar:
            if address:
                from tui.cluster import score_manifest

                failed = score_manifest(rows, target, address, progress=bar.update)
            else:
                failed = batch.run(rows, target, jobs=jobs, progress=bar.update)
        click.echo(f"{len(rows) - failed} scored, {failed} failed -> {shown(out_path)}", err=True)
        sys.exit(1 if failed else 0)
    if scheduler:
        raise click.UsageError("--scheduler scores a --batch manifest")
    if reference is None or attempt is None:
        raise click.UsageError("give REFERENCE and ATTEMPT, or --batch MANIFEST.csv --out OUT.jsonl")
    from tui.scoring import compare
    from tui.scoring.card import score_card

    result = compare(str(reference), str(attempt))
    click.echo(result.to_json() if as_json else score_card(result))
