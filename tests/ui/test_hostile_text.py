"""Text from a pack or the database is shown literally: no markup, no escape sequences acting on the terminal."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.ui.conftest import reference_ready, row_text, until
from tests.ui.packs import PACK_DATA
from tui.app import PronounceApp
from tui.widgets.phrases import PhraseList

TEXT = "Say [bold]this[/bold] \x1b]0;pwned\x07\x1b[2J now"


def hostile_pack(folder: Path) -> Path:
    folder.mkdir()
    shutil.copy(PACK_DATA / "hello.wav", folder / "hello.wav")
    escaped = TEXT.replace("\x1b", "\\u001b").replace("\x07", "\\u0007")
    (folder / "pack.toml").write_text(
        '[pack]\nid = "hostile"\ntitle = "[red]Title\\u001b[2J"\nlanguage = "en-US"\n\n'
        f'[[phrase]]\nid = "hello"\ntext = "{escaped}"\ntranslation = "[link=file:///etc/passwd]click[/link]"\naudio = "hello.wav"\n',
        encoding="utf-8",
    )
    return folder


async def test_markup_and_escape_sequences_in_a_pack_show_literally(tmp_path: Path) -> None:
    app = PronounceApp(hostile_pack(tmp_path / "pack"), data_dir=tmp_path / "data")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await reference_ready(pilot)
        shown = str(screen.query_one("#phrase-text").render())
        assert "[bold]this[/bold]" in shown and "\\x1b]0;pwned\\x07\\x1b[2J" in shown and "\x1b" not in shown
        notes = str(screen.query_one("#phrase-notes").render())
        assert "[link=file:///etc/passwd]click[/link]" in notes
        prompt = row_text(screen.query_one(PhraseList), 0, width=200)
        assert "[bold]this[/bold]" in prompt and "\x1b" not in prompt
        await until(pilot, lambda: screen.sub_title is not None)
        assert screen.sub_title == "[red]Title\\x1b[2J"
