"""Every hostile or mistaken CLI invocation, run as a user would (in-process, see :mod:`tests.hostile.harness`).

Each row of :data:`REFUSED` must exit 2 with exactly one line on stderr that
starts ``pronounce: error:``, print no traceback, and leave the world and the
victim folder beside it exactly as they were. :data:`ACCEPTED` rows are odd
but legitimate (file names that are not UTF-8, escape sequences in a pack, a
damaged database row, a BOM): they must work, print no control character,
and also change nothing outside their output folder.
"""

from __future__ import annotations

import json
import shutil
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.hostile.harness import Harness, Ran, Unchanged, assert_refused, assert_worked
from tests.hostile.world import World


@dataclass(frozen=True)
class Call:
    """One invocation: ``args`` with ``{name}`` placeholders for world paths, and what stderr must say.

    ``own_data`` runs it on a copy of the data dir; ``copy`` names a world
    folder copied to the test's own folder first, as ``{copy}``.
    """

    name: str
    args: tuple[str, ...]
    says: str = ""
    stdin: str = ""
    own_data: bool = False
    copy: str = ""


def call(name: str, *args: str, says: str = "", stdin: str = "", own_data: bool = False, copy: str = "") -> Call:
    return Call(name, args, says, stdin, own_data, copy)


REFUSED = [
    # click's own usage errors, in the root group and in nested groups
    call("missing-file", "score", "nofile.wav", "{ref}", says="File 'nofile.wav' does not exist — run 'pronounce score --help'"),
    call("jobs-0", "score", "--batch", "{manifest}", "--out", "{out}/o.jsonl", "--jobs", "0", says="0 is not in the range"),
    call("delete-abc", "review", "--delete", "abc", says="'abc' is not a valid integer (use the digits 0-9) — run 'pronounce review --help'"),
    call("unknown-root-option", "--bogus", says="No such option '--bogus' — run 'pronounce --help'"),
    call("unknown-option", "review", "--bogus", says="No such option '--bogus' — run 'pronounce review --help'"),
    call("unknown-command", "frobnicate", says="No such command 'frobnicate'"),
    call("unknown-subcommand", "pack", "frob", says="No such command 'frob' — run 'pronounce pack --help'"),
    call("missing-argument", "pack", "add", says="Missing argument 'DIRECTORY' — run 'pronounce pack add --help'"),
    call("missing-import-source", "pack", "import", says="Missing argument 'SOURCE'"),
    call("missing-option-value", "--data-dir", says="Option '--data-dir' requires an argument"),
    call("global-option-after", "review", "--data-dir", "{world}/x", says="--data-dir is an option of pronounce itself"),
    call("input-file-after", "pack", "add", "{pack}", "x", "--input-file", "{ref}", says="run 'pronounce --input-file FILE pack add"),
    call("score-no-args", "score", says="give REFERENCE and ATTEMPT"),
    call("score-one-arg", "score", "{ref}", says="give REFERENCE and ATTEMPT"),
    call("batch-without-out", "score", "--batch", "{manifest}", says="needs --out"),
    call("delete-with-json", "review", "--delete", "1", "--json", says="--delete cannot be combined"),
    call("devices-bad-option", "devices", "--bogus", says="No such option"),
    call("practice-bad-option", "practice", "--bogus", says="No such option '--bogus' — run 'pronounce practice --help'"),
    call("show-missing", "pack", "show", "{world}/missing", says="does not exist"),
    call("unknown-user-home", "--data-dir", "~nouser-xyz/x", "review", says="unknown user's home folder"),
    call("delete-huge-id", "review", "--delete", "99999999999999999999999", says="there is no attempt 99999999999999999999999"),
    call("delete-negative-id", "review", "--delete", "-5", says="-5 is not in the range x>=1"),
    # file names that are not UTF-8, and files that are not files
    call("non-utf8-missing", "score", "{utf8_missing}", "{ref}", says="-gone.wav' does not exist"),
    call("non-utf8-not-audio", "score", "{utf8_text}", "{ref}", says="cannot read audio file"),
    call("non-utf8-add-audio", "pack", "add", "{pack}", "new phrase", "--audio", "{utf8_text}", says="caf\\udce9.txt"),
    call("non-utf8-input-file", "--input-file", "{utf8_missing}", "pack", "add", "{pack}", "new phrase", "--record",
         stdin="\n", says="input file"),
    call("non-utf8-input-file-empty-take", "--input-file", "{utf8_audio}", "pack", "add", "{pack}", "new phrase",
         "--record", stdin="\n", says="the recording is empty or silent"),
    call("fifo-audio", "score", "{fifo}", "{ref}", says="is a named pipe (FIFO), not a file"),
    call("fifo-manifest", "score", "--batch", "{fifo}", "--out", "{out}/o.jsonl", says="it is a named pipe (FIFO)"),
    # batch outputs: never over an input, never a traceback for unwritable places
    call("out-is-manifest", "score", "--batch", "{manifest}", "--out", "{manifest}", says="is the input"),
    call("out-is-audio", "score", "--batch", "{manifest}", "--out", "{ref}", says="is the input"),
    call("out-dev-full", "score", "--batch", "{manifest}", "--out", "/dev/full", says="No space left on device"),
    call("out-under-a-file", "score", "--batch", "{manifest}", "--out", "{a_file}/o.jsonl", says="Not a directory"),
    call("out-under-a-file-deeper", "score", "--batch", "{manifest}", "--out", "{a_file}/x/o.jsonl",
         says="Not a directory"),
    call("out-read-only", "score", "--batch", "{manifest}", "--out", "/sys/o.jsonl", says="cannot write /sys/o.jsonl"),
    call("manifest-latin1", "score", "--batch", "{manifest_latin1}", "--out", "{out}/o.jsonl", says="manifest-latin1.csv:2:"),
    call("manifest-columns", "score", "--batch", "{manifest_columns}", "--out", "{out}/o.jsonl", says="lacks column(s)"),
    # hostile packs
    call("pack-id-dotdot", "pack", "validate", "{pack_dotdot}", says="is not a valid pack (1 error)"),
    call("pack-id-absolute", "pack", "show", "{pack_abs}", says="pack id '/tmp/x' is not a safe id"),
    call("pack-id-space", "pack", "validate", "{pack_space}", says="is not a valid pack"),
    call("pack-escapes-validate", "pack", "validate", "{pack_escape_bad}", says="is not a valid pack (1 error)"),
    call("pack-escapes-show", "pack", "show", "{pack_escape_bad}", says="pack id '\\x1b[2Jx' is not a safe id"),
    call("pack-nul-audio", "pack", "validate", "{pack_nul_audio}", says="is not a valid pack"),
    call("pack-nul-audio-show", "pack", "show", "{pack_nul_audio}", says="contains control characters"),
    call("pack-nested", "pack", "validate", "{pack_nested}", says="is not a valid pack"),
    call("pack-nested-add", "pack", "add", "{pack_nested}", "x", says="nested too deeply"),
    call("pack-link", "pack", "validate", "{pack_link}", says="is not a valid pack"),
    call("pack-link-add", "pack", "add", "{pack_link}", "x", says="is a symbolic link; it was not read"),
    call("pack-latin1", "pack", "show", "{pack_latin1}", says="is not UTF-8 text"),
    call("pack-duplicate-text", "pack", "add", "{pack}", "Hello  World", says="already has the phrase 'hello world'"),
    call("pack-new-exists", "pack", "new", "{pack}", "--lang", "en-US", "--title", "t", says="already exists"),
    call("pack-new-bad-lang", "pack", "new", "{out}/new", "--lang", "xx yy", "--title", "t", says="BCP 47"),
    # hostile zips and CSVs
    call("zip-id-dotdot", "pack", "import", "{zip_dotdot_id}", says="is not a safe id"),
    call("zip-id-absolute", "pack", "import", "{zip_abs_id}", says="is not a safe id"),
    call("zip-slip", "pack", "import", "{zip_slip}", says="unsafe entry"),
    call("zip-link", "pack", "import", "{zip_link}", says="link entry"),
    call("zip-deep", "pack", "import", "{zip_deep}", says="folders deep"),
    call("zip-encrypted", "pack", "import", "{zip_encrypted}", says="encrypted entry"),
    call("zip-encrypted-show", "pack", "show", "{zip_encrypted}", says="encrypted entry"),
    call("zip-not-a-zip", "pack", "import", "{zip_not}", says="is not a readable zip"),
    call("zip-title", "pack", "import", "{zip_good}", "--title", "x", says="--title only applies to a CSV import"),
    call("csv-missing-audio", "pack", "import", "{csv_missing_audio}", says="missing-audio.csv:2: audio file"),
    call("csv-duplicate", "pack", "import", "{csv_duplicate}", says="duplicate.csv:3: the pack already has"),
    call("csv-nul", "pack", "import", "{csv_nul}", says="nul.csv:2: the phrase text 'Hel\\x00lo' contains control characters"),
    call("text-with-escape", "pack", "add", "{pack}", "hi\x1b[2J", says="contains control characters"),
    call("csv-escape", "pack", "import", "{csv_escape}", says="is absolute or contains '..'"),
    # export and import destinations
    call("export-over-pack-toml", "pack", "export", "{pack}", "{pack}/pack.toml", says="is inside the pack"),
    call("export-into-audio", "pack", "export", "{pack}", "{pack}/audio/x.zip", says="is inside the pack"),
    call("export-under-a-file", "pack", "export", "{pack}", "{a_file}/out.zip", says="cannot write"),
    call("export-read-only", "pack", "export", "{pack}", "/sys/out.zip", says="cannot write"),
    call("import-under-a-file", "pack", "import", "{zip_good}", "--to", "{a_file}/x", says="cannot write"),
    call("import-read-only", "pack", "import", "{zip_good}", "--to", "/sys/x", says="cannot write"),
    call("import-onto-a-pack", "pack", "import", "{zip_good}", "--to", "{pack}", says="already exists"),
    # the database
    call("delete-tampered-row", "review", "--delete", "{tampered_id}", own_data=True, says="lies outside"),
    call("schema-negative", "--data-dir", "{db_negative}", "review", says="its schema version is -5"),
    call("database-garbage", "--data-dir", "{db_garbage}", "review", says="is damaged"),
    call("export-unknown-format", "review", "--export", "{out}/a.xlsx", says="unknown format"),
    call("review-export-under-a-file", "review", "--export", "{a_file}/a.csv", says="cannot write"),
    call("review-export-read-only", "review", "--export", "/sys/nope/a.csv", says="cannot write"),
]

ACCEPTED = [
    call("non-utf8-score", "score", "--json", "{utf8_audio}", "{ref}"),
    call("non-utf8-add-audio", "pack", "add", "{copy}", "new phrase", "--audio", "{utf8_audio}", copy="pack"),
    call("non-utf8-pack-folder", "pack", "add", "{copy}", "good day", copy="pack_utf8"),
    call("escapes-show", "pack", "show", "{pack_escape}"),
    call("escapes-show-json", "pack", "show", "--json", "{pack_escape}"),
    call("bom-validate", "pack", "validate", "{pack_bom}"),
    call("damaged-row-table", "review"),
    call("damaged-row-json", "review", "--json"),
    call("manifest-bom", "score", "--batch", "{manifest_bom}", "--out", "{out}/bom.jsonl"),
    call("export-adds-zip", "pack", "export", "{pack}", "{out}/exported"),
    call("out-new-folder", "score", "--batch", "{manifest}", "--out", "{out}/new/deeper/o.jsonl"),
    call("review-export-new-folder", "review", "--export", "{out}/new/a.json"),
]


def _run(harness: Harness, world: World, case: Call, out: Path) -> Ran:
    names = {**world.paths, "out": str(out)}
    env = {}
    if case.own_data:
        names["data"] = str(shutil.copytree(world.paths["data"], out / "data"))
        env["PRONOUNCE_DATA_DIR"] = names["data"]
    if case.copy:
        source = Path(world.paths[case.copy])
        names["copy"] = str(shutil.copytree(source, out / source.name))
    return harness.run([arg.format(**names) for arg in case.args], stdin=case.stdin, env=env)


@pytest.mark.parametrize("case", REFUSED, ids=lambda c: c.name)
def test_a_refused_input_is_one_line_exit_2_and_changes_nothing(harness: Harness, world: World, case: Call,
                                                               tmp_path: Path) -> None:
    before = Unchanged(world.root, world.victim)
    assert_refused(_run(harness, world, case, tmp_path), case.says)
    before.check()


@pytest.mark.parametrize("case", ACCEPTED, ids=lambda c: c.name)
def test_an_odd_but_valid_input_works_and_prints_no_control_character(harness: Harness, world: World, case: Call,
                                                                     tmp_path: Path) -> None:
    before = Unchanged(world.root, world.victim)
    done = _run(harness, world, case, tmp_path)
    assert_worked(done)
    before.check()
    _check_accepted(case.name, done.stdout, tmp_path)


def _check_accepted(name: str, stdout: str, out: Path) -> None:
    """What each accepted call must have produced."""
    if name == "non-utf8-score":
        assert json.loads(stdout)["overall"] > 90
    elif name == "non-utf8-add-audio":
        assert "Added 'new-phrase'" in stdout and (out / "pack/audio/new-phrase.flac").is_file()
    elif name == "non-utf8-pack-folder":
        assert stdout.startswith("Added 'good-day' (2 words timed) to ") and "pack-caf\\udce9\n" in stdout
    elif name == "escapes-show":
        assert "\\x1b]0;owned\\x07\\x1b[2J Title" in stdout and "\\u202eevil\\x9b31m" in stdout
    elif name == "escapes-show-json":
        shown = json.loads(stdout)
        assert shown["title"] == "\x1b]0;owned\x07\x1b[2J Title" and shown["phrases"][0]["translation"] == "\u202eevil\x9b31m"
    elif name == "bom-validate":
        assert stdout.endswith("valid (0 warnings)\n")
    elif name == "damaged-row-table":
        rows = stdout.splitlines()[1:]
        assert len(rows) == 4 and rows[1].endswith("[damaged: its score is not valid JSON]")
        assert "tampered \\x1b[2J" in rows[3]
    elif name == "damaged-row-json":
        assert [json.loads(line)["damaged"] for line in stdout.splitlines()] == [None, "its score is not valid JSON", None, None]
    elif name == "manifest-bom":
        [line] = (out / "bom.jsonl").read_text().splitlines()
        assert json.loads(line)["id"] == "r1" and json.loads(line)["error"] is None
    elif name == "out-new-folder":
        assert json.loads((out / "new/deeper/o.jsonl").read_text())["error"] is None
    elif name == "review-export-new-folder":
        assert [item["id"] for item in json.loads((out / "new/a.json").read_text())] == [1, 2, 3, 4]
    elif name == "export-adds-zip":
        made = out / "exported.zip"
        assert zipfile.is_zipfile(made) and stat.S_IMODE(made.stat().st_mode) == 0o644
        assert sorted(p.name for p in out.iterdir()) == ["exported.zip"]
    else:
        raise AssertionError(f"no check for {name}")


def test_every_case_has_its_own_name() -> None:
    assert len({c.name for c in REFUSED}) == len(REFUSED) and len({c.name for c in ACCEPTED}) == len(ACCEPTED)
