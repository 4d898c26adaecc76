"""``pronounce score``: compare two recordings, or score a whole manifest."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from tui.cli.output import output_file, refuse_overlap, shown
from tui.cli.root import cli, existing_file


@cli.command()
@click.argument("reference", required=False, type=existing_file)
@click.argument("attempt", required=False, type=existing_file)
@click.option("--text", help="The phrase said: scored as the app scores it outside a pack (a reference is synthesized when none is given).")
@click.option("--lang", help="Language of --text (BCP 47) [default: en-us].")
@click.option("--json", "as_json", is_flag=True, help="Print the score as JSON.")
@click.option("--batch", "manifest", type=existing_file, help="Score every row of MANIFEST.csv (id,attempt + reference or text[,lang]).")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), help="JSON lines output of --batch.")
@click.option("--jobs", type=click.IntRange(min=1), help="Worker processes for --batch [default: all cores].")
def score(
    reference: Path | None, attempt: Path | None, text: str | None, lang: str | None, as_json: bool,
    manifest: Path | None, out_path: Path | None, jobs: int | None,
) -> None:
    """Score ATTEMPT against REFERENCE, or against --text (with or without REFERENCE), or a whole manifest with --batch.

    With --text the phrase gets every kind of evidence its language has (for
    English, Whisper and phone evidence) and the built-in cohort, as in the app.
    --out is written when the whole batch is done (an existing file is replaced
    only then) and may not be the manifest or one of its audio files.
    """
    if manifest is not None:
        if reference or attempt or text is not None or lang or out_path is None:
            raise click.UsageError("--batch takes no REFERENCE/ATTEMPT/--text/--lang and needs --out OUT.jsonl")
        from tui.scoring import batch

        rows = batch.read_manifest(manifest)
        inputs = [manifest, *(row.attempt for row in rows), *(row.reference for row in rows if row.reference)]
        refuse_overlap(out_path, inputs, what="--out")
        progress = click.progressbar(length=len(rows), label="scoring", file=sys.stderr, hidden=not sys.stderr.isatty())
        with output_file(out_path) as target, progress as bar:
            failed = batch.run(rows, target, jobs=jobs, progress=bar.update)
        click.echo(f"{len(rows) - failed} scored, {failed} failed -> {shown(out_path)}", err=True)
        sys.exit(1 if failed else 0)
    if lang and text is None:
        raise click.UsageError("--lang goes with --text")
    if text is not None and attempt is None:
        reference, attempt = None, reference
    if attempt is None or (reference is None and text is None):
        raise click.UsageError("give REFERENCE and ATTEMPT, --text TEXT [REFERENCE] ATTEMPT, or --batch MANIFEST.csv --out OUT.jsonl")
    if text is not None and not text.strip():
        raise click.UsageError("--text is empty")
    from tui.scoring import compare, prepare_phrase
    from tui.scoring.card import fallback_note, score_card

    prepared = prepare_phrase(text, lang=lang, audio=None if reference is None else str(reference))
    result = compare(prepared, str(attempt))
    if note := fallback_note(result):
        click.echo(f"pronounce: warning: {note}", err=True)
    click.echo(result.to_json() if as_json else score_card(result))
