"""Loose parsing and path tricks: ids in ASCII digits, tags and texts without controls, paths resolved first.

``review --delete ١`` deleted attempt 1 and ``1_0`` attempt 10; ``--lang`` took a
trailing newline; ``pack new mypack/missing/..`` replaced ``mypack/pack.toml``.
Now every value is parsed strictly and every path is resolved before it is
checked, so what is checked is what would be written.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.hostile.harness import Harness, Unchanged, assert_refused, assert_worked
from tests.hostile.world import World

NOT_INTEGERS = ["١", "١٢", "1_0", "+1", " 1", "1 ", "1\n", "0x1", "1e3", "1.0", "", "one", "¹", "１", "--1"]
NO_ATTEMPT = ["9223372036854775808", "99999999999999999999999"]
BELOW_ONE = ["0", "-1"]


@pytest.mark.parametrize("value", NOT_INTEGERS)
def test_an_attempt_id_is_ascii_digits(harness: Harness, world: World, tmp_path: Path, value: str) -> None:
    data = Path(shutil.copytree(world.paths["data"], tmp_path / "data"))
    before = Unchanged(world.root, world.victim, tmp_path)
    ran = harness.run(["review", "--delete", value], env={"PRONOUNCE_DATA_DIR": str(data)})
    assert_refused(ran, "is not a valid integer")
    before.check()


@pytest.mark.parametrize("value", NO_ATTEMPT)
def test_an_id_beyond_the_attempts_is_no_attempt(harness: Harness, world: World, tmp_path: Path, value: str) -> None:
    data = Path(shutil.copytree(world.paths["data"], tmp_path / "data"))
    ran = harness.run(["review", "--delete", value], env={"PRONOUNCE_DATA_DIR": str(data)})
    assert_refused(ran, f"there is no attempt {value}")


@pytest.mark.parametrize("value", BELOW_ONE)
def test_an_id_below_one_is_refused_as_out_of_range(harness: Harness, world: World, tmp_path: Path, value: str) -> None:
    data = Path(shutil.copytree(world.paths["data"], tmp_path / "data"))
    before = Unchanged(world.root, world.victim, tmp_path)
    ran = harness.run(["review", "--delete", value], env={"PRONOUNCE_DATA_DIR": str(data)})
    assert_refused(ran, "is not in the range x>=1")
    before.check()


BAD_TAGS = ["fr-FR\n", "fr_FR", "", " fr", "fr-FR ", "français", "f", "fr-FR-", "\u202efr", "fr\x00", "fr-" + "x" * 9,
            "en-US\r", "1234"]


@pytest.mark.parametrize("lang", BAD_TAGS)
def test_pack_new_refuses_a_language_that_is_not_a_tag_and_writes_nothing(harness: Harness, world: World,
                                                                          tmp_path: Path, lang: str) -> None:
    before = Unchanged(world.root, world.victim, tmp_path)
    ran = harness.run(["pack", "new", str(tmp_path / "new"), "--lang", lang, "--title", "T"])
    assert_refused(ran, "is not a BCP 47 language tag")
    before.check()


@pytest.mark.parametrize("lang", BAD_TAGS)
def test_a_csv_import_refuses_a_language_that_is_not_a_tag(harness: Harness, world: World, tmp_path: Path,
                                                           lang: str) -> None:
    before = Unchanged(world.root, world.victim, tmp_path)
    ran = harness.run(["pack", "import", world.paths["csv_good"], "--to", str(tmp_path / "new"), "--lang", lang])
    assert_refused(ran, "is not a BCP 47 language tag")
    before.check()


BAD_TEXTS = {"empty": "", "blank": "   ", "escape": "a\x1b[2J", "newline": "a\nb", "tab": "a\tb", "bidi": "\u202eevil",
             "isolate": "x\u2066y", "nul": "a\x00b", "del": "a\x7fb", "c1": "a\x9bb"}


@pytest.mark.parametrize("name", sorted(BAD_TEXTS))
def test_a_title_or_phrase_with_control_characters_is_refused(harness: Harness, world: World, tmp_path: Path,
                                                              name: str) -> None:
    pack = Path(shutil.copytree(world.paths["pack"], tmp_path / "pack"))
    before = Unchanged(world.root, world.victim, tmp_path)
    text = BAD_TEXTS[name]
    assert_refused(harness.run(["pack", "new", str(tmp_path / "new"), "--lang", "en-US", "--title", text]), "the title")
    assert_refused(harness.run(["pack", "add", str(pack), text]), "the phrase text")
    before.check()


@pytest.mark.parametrize("value", ["\x1b[2J", "\u202eabc", "a\nb", "é" * 200])
@pytest.mark.parametrize("option", ["--pack", "--phrase"])
def test_a_filter_is_shown_safely_when_nothing_matches(harness: Harness, world: World, tmp_path: Path, value: str,
                                                       option: str) -> None:
    data = Path(shutil.copytree(world.paths["data"], tmp_path / "data"))
    ran = harness.run(["review", option, value], env={"PRONOUNCE_DATA_DIR": str(data)})
    assert_worked(ran)
    assert "No attempts of" in ran.stdout


def _pack_copy(world: World, tmp_path: Path) -> Path:
    return Path(shutil.copytree(world.paths["pack"], tmp_path / "pack"))


NEW_PACK_PLACES: dict[str, tuple[Callable[[World, Path], str], str]] = {
    "missing-dotdot": (lambda w, t: str(_pack_copy(w, t) / "missing" / ".."), "already exists and is not empty"),
    "deep-dotdot": (lambda w, t: str(_pack_copy(w, t) / "a" / "b" / ".." / ".."), "already exists and is not empty"),
    "audio-dotdot": (lambda w, t: str(_pack_copy(w, t) / "audio" / ".."), "already exists and is not empty"),
    "link-to-pack": (lambda w, t: _link(t, _pack_copy(w, t)), "is a symbolic link"),
    "a-file": (lambda w, t: w.paths["a_file"], "is a file"),
    "under-a-file": (lambda w, t: w.paths["a_file"] + "/new", "Not a directory"),
    "in-proc": (lambda w, t: "/proc/pronounce-pack", "cannot write"),
    "dangling-link": (lambda w, t: _link(t, w.victim / "gone-pack"), "is a symbolic link"),
    "link-to-empty-folder-outside": (lambda w, t: _link(t, _empty(t)), "is a symbolic link"),
}
"""Where ``pack new`` must not create a pack: (how the case names the place, what the one line says)."""


def _empty(tmp_path: Path) -> Path:
    (tmp_path / "empty").mkdir()
    return tmp_path / "empty"


def _link(tmp_path: Path, target: Path, name: str = "link") -> str:
    (tmp_path / name).symlink_to(target)
    return str(tmp_path / name)


@pytest.mark.parametrize("name", sorted(NEW_PACK_PLACES))
def test_pack_new_never_replaces_a_pack_through_a_path_trick(harness: Harness, world: World, tmp_path: Path,
                                                             name: str) -> None:
    make, says = NEW_PACK_PLACES[name]
    place = make(world, tmp_path)
    before = Unchanged(world.root, world.victim, tmp_path)
    ran = harness.run(["pack", "new", place, "--lang", "fr-FR", "--title", "Oops"])
    assert_refused(ran, says)
    before.check()


def test_pack_new_in_an_existing_empty_folder_and_a_failure_there_leave_the_folder(harness: Harness,
                                                                                   tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    assert_refused(harness.run(["pack", "new", str(folder), "--lang", "xx yy", "--title", "T"]), "BCP 47")
    assert folder.is_dir() and list(folder.iterdir()) == []
    assert_worked(harness.run(["pack", "new", str(folder), "--lang", "fr-FR", "--title", "T"]))
    assert sorted(p.name for p in folder.iterdir()) == ["audio", "pack.toml"]


OUTPUTS: dict[str, tuple[Callable[[World, Path], list[str]], str]] = {
    "export-dotdot-onto-pack-toml": (lambda w, t: ["pack", "export", str(_pack_copy(w, t)),
                                                   str(t / "pack" / "missing" / ".." / "pack.toml")], "is inside the pack"),
    "export-through-link-into-pack": (lambda w, t: ["pack", "export", str(_pack_copy(w, t)),
                                                    _link(t, t / "pack") + "/x.zip"], "is inside the pack"),
    "export-to-a-folder": (lambda w, t: ["pack", "export", w.paths["pack"], str(t)], "is a directory"),
    "export-to-dotdot": (lambda w, t: ["pack", "export", w.paths["pack"], str(t / "x" / "..")], "is a folder"),
    "export-to-a-fifo": (lambda w, t: ["pack", "export", w.paths["pack"], _fifo(t, "out.zip")],
                         "a named pipe (FIFO) that nothing reads"),
    "export-name-too-long": (lambda w, t: ["pack", "export", w.paths["pack"], str(t / ("z" * 300))], "File name too long"),
    "export-via-link-to-dev-full": (lambda w, t: ["pack", "export", w.paths["pack"], _link(t, Path("/dev/full"), "x.zip")],
                                    "No space left on device"),
    "import-onto-dotdot": (lambda w, t: ["pack", "import", w.paths["zip_good"], "--to",
                                         str(_pack_copy(w, t) / "missing" / "..")], "already exists"),
    "import-onto-a-dangling-link": (lambda w, t: ["pack", "import", w.paths["zip_good"], "--to",
                                                  _link(t, w.victim / "gone")], "already exists"),
    "import-csv-onto-a-dangling-link": (lambda w, t: ["pack", "import", w.paths["csv_good"], "--to",
                                                      _link(t, w.victim / "gone")], "already exists"),
    "import-onto-a-fifo": (lambda w, t: ["pack", "import", w.paths["zip_good"], "--to", _fifo(t, "p")], "already exists"),
    "import-into-proc": (lambda w, t: ["pack", "import", w.paths["zip_good"], "--to", "/proc/new-pack"], "cannot write"),
    "review-export-to-a-fifo": (lambda w, t: ["review", "--export", _fifo(t, "x.csv")], "a named pipe (FIFO) that nothing reads"),
    "review-export-no-suffix": (lambda w, t: ["review", "--export", str(t / "x")], "unknown format"),
    "review-export-via-link-to-dev-full": (lambda w, t: ["review", "--export", _link(t, Path("/dev/full"), "x.csv")],
                                           "No space left on device"),
}
"""Outputs that would land on an input, in the pack, on a folder or in a pipe nobody reads."""


def _fifo(tmp_path: Path, name: str) -> str:
    os.mkfifo(tmp_path / name)
    return str(tmp_path / name)


@pytest.mark.parametrize("name", sorted(OUTPUTS))
def test_an_output_through_a_path_trick_is_refused_and_nothing_changes(harness: Harness, world: World, tmp_path: Path,
                                                                       name: str) -> None:
    make, says = OUTPUTS[name]
    args = make(world, tmp_path)
    data = Path(shutil.copytree(world.paths["data"], tmp_path / "data"))
    before = Unchanged(world.root, world.victim, tmp_path)
    ran = harness.run(args, env={"PRONOUNCE_DATA_DIR": str(data)})
    assert_refused(ran, says)
    before.check()


@pytest.mark.parametrize("name", ["x.csv", "X.JSON", "n" * 245 + ".csv"])
def test_review_export_through_dotdot_writes_only_the_file(harness: Harness, world: World, tmp_path: Path,
                                                          name: str) -> None:
    data = Path(shutil.copytree(world.paths["data"], tmp_path / "data"))
    out = tmp_path / "out"
    out.mkdir()
    ran = harness.run(["review", "--export", str(out / "missing" / ".." / name)], env={"PRONOUNCE_DATA_DIR": str(data)})
    assert_worked(ran)
    assert [p.name for p in out.iterdir()] == [name]


def test_a_250_character_zip_name_is_exported(harness: Harness, world: World, tmp_path: Path) -> None:
    out = tmp_path / ("z" * 246)
    assert_worked(harness.run(["pack", "export", world.paths["pack"], str(out)]))
    assert [p.name for p in tmp_path.iterdir()] == [out.name + ".zip"]


def test_an_import_into_new_folders_that_fails_leaves_no_folder(harness: Harness, world: World, tmp_path: Path) -> None:
    ran = harness.run(["pack", "import", world.paths["zip_slip"], "--to", str(tmp_path / "a" / "b" / "c")])
    assert_refused(ran, "unsafe entry")
    assert list(tmp_path.iterdir()) == []


NOT_UTF8 = os.fsdecode(b"caf\xe9")
"""A terminal argument that is not UTF-8: Python holds it with a lone surrogate."""

TEXT_ARGUMENTS = {
    "review-pack": ["review", "--pack", NOT_UTF8],
    "review-phrase": ["review", "--phrase", NOT_UTF8, "--json"],
    "new-title": ["pack", "new", "{tmp}/new", "--lang", "en-US", "--title", NOT_UTF8],
    "new-lang": ["pack", "new", "{tmp}/new", "--lang", NOT_UTF8, "--title", "T"],
    "add-text": ["pack", "add", "{pack}", NOT_UTF8],
    "add-translation": ["pack", "add", "{pack}", "new words", "--translation", NOT_UTF8],
    "add-voice": ["pack", "add", "{pack}", "new words", "--voice", NOT_UTF8],
    "import-title": ["pack", "import", "{csv}", "--to", "{tmp}/new", "--title", NOT_UTF8],
    "import-lang": ["pack", "import", "{csv}", "--to", "{tmp}/new", "--lang", NOT_UTF8],
    "login-url": ["login", "http://" + NOT_UTF8, "prn_token"],
    "login-token": ["login", "http://127.0.0.1:9", NOT_UTF8],
    "pull-id": ["pack", "pull", NOT_UTF8],
}


@pytest.mark.parametrize("name", sorted(TEXT_ARGUMENTS))
def test_a_text_argument_that_is_not_utf8_is_one_line(harness: Harness, world: World, tmp_path: Path, name: str) -> None:
    data = Path(shutil.copytree(world.paths["data"], tmp_path / "data"))
    pack = _pack_copy(world, tmp_path)
    names = {"tmp": str(tmp_path), "pack": str(pack), "csv": world.paths["csv_good"]}
    before = Unchanged(world.root, world.victim, tmp_path)
    ran = harness.run([arg.format(**names) for arg in TEXT_ARGUMENTS[name]], env={"PRONOUNCE_DATA_DIR": str(data)})
    assert_refused(ran, "is not UTF-8 text")
    before.check()


def test_a_prompt_whose_input_ends_is_one_line_not_an_interruption(harness: Harness, world: World, tmp_path: Path) -> None:
    """``pack add --record`` waits for Enter; with no standard input (CI, a pipe) that is said, not "stopped by SIGINT"."""
    pack = _pack_copy(world, tmp_path)
    before = Unchanged(world.root, world.victim, tmp_path)
    ran = harness.run(["--input-file", world.paths["ref"], "pack", "add", str(pack), "new words", "--record"], stdin="")
    assert_refused(ran, "the input ended before the question was answered")
    before.check()


@pytest.mark.parametrize(("args", "says"), [
    (["--delete", "1", "--pack", "world-pack"], "--delete cannot be combined"),
    (["--delete", "1", "--phrase", "hello"], "--delete cannot be combined"),
    (["--delete", "1", "--rescore"], "--delete cannot be combined"),
    (["--delete", "1", "--export", "{tmp}/x.csv"], "--delete cannot be combined"),
    (["--export", "{tmp}/x.csv", "--json"], "choose one"),
])
def test_review_options_that_would_be_ignored_are_refused(harness: Harness, world: World, tmp_path: Path,
                                                          args: list[str], says: str) -> None:
    data = Path(shutil.copytree(world.paths["data"], tmp_path / "data"))
    before = Unchanged(world.root, world.victim, tmp_path)
    ran = harness.run(["review", *(arg.format(tmp=tmp_path) for arg in args)], env={"PRONOUNCE_DATA_DIR": str(data)})
    assert_refused(ran, says)
    before.check()
