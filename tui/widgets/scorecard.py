"""The result of one attempt: overall score large, sub-scores, pitch, words, findings.

Scores come from the scorer or a database row: anything not a finite number
shows as "—", and everything is clamped to 0–100, so an odd score never breaks
the card. Text (words, findings) is shown literally, never as markup.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Container, Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Digits, Static

from tui.practice.results import Contour, Result
from tui.text import printable
from tui.widgets.plots import PitchPlot

if TYPE_CHECKING:
    from tui.scoring.score import Score

SUB_SCORES = ("accuracy", "fluency", "intonation", "completeness")
GOOD, FAIR = 80.0, 60.0
UNKNOWN_STYLE = "#808080"
"""A score that is not a number: grey (a hex colour, valid for both Rich and Textual styles)."""
LABEL_WIDTH = 13
WIDE_CARD = 76
"""Inner width from which the pitch chart sits beside the bars instead of under them."""
EMPTY_HINT = "Press space, say the phrase, press space again."


def finite(value: object) -> float | None:
    """``value`` as a score in 0–100, or None when it is not a finite number."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return min(max(number, 0.0), 100.0) if math.isfinite(number) else None


def level_style(score: float | None) -> str:
    """Colour of a score in three levels: good (green), fair (yellow), poor (red); grey when unknown."""
    if score is None:
        return UNKNOWN_STYLE
    return "green" if score >= GOOD else "yellow" if score >= FAIR else "red"


def figure(score: float | None) -> str:
    """A score as shown: ``73``, or ``—`` when unknown."""
    return "—" if score is None else f"{score:.0f}"


def score_bar(label: str, value: object, width: int = 18) -> Text:
    """``label  ██████░░░░  73`` coloured by level."""
    score = finite(value)
    filled = round((score or 0.0) / 100 * width)
    return Text.assemble(
        (f"{label:<{LABEL_WIDTH}}", ""),
        ("█" * filled, level_style(score)),
        ("░" * (width - filled), "grey30"),
        (f" {figure(score):>3}", "bold"),
    )


def words_line(score: Score, selected: int | None = None) -> Text:
    """Each reference word coloured by its score, with the score after it."""
    text = Text()
    for index, word in enumerate(score.words):
        value = finite(word.score)
        style = level_style(value) + (" reverse" if index == selected else "")
        text.append(printable(str(word.text), single_line=True), style=f"bold {style}")
        text.append(f" {figure(value)}", style="dim")
        text.append("   ")
    return text


class ScoreBars(Widget):
    """The four sub-scores as bars that fit the width they get (they never wrap)."""

    DEFAULT_CSS = """
    ScoreBars { height: 4; min-width: 24; padding-left: 2; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.score: Score | None = None

    def show(self, score: Score | None) -> None:
        """Draw the sub-scores of ``score``."""
        self.score = score
        self.refresh()

    def render(self) -> Text:
        if self.score is None:
            return Text()
        if self.content_size.height >= len(SUB_SCORES):
            width = max(self.content_size.width - LABEL_WIDTH - 4, 4)
            return Text("\n").join(score_bar(name, getattr(self.score, name, None), width) for name in SUB_SCORES)
        half = self.content_size.width // 2  # two bars a row when the card is short of height
        width = max(half - LABEL_WIDTH - 6, 4)
        bars = [score_bar(name, getattr(self.score, name, None), width) for name in SUB_SCORES]
        return Text("\n").join(Text("  ").join(bars[i : i + 2]) for i in range(0, len(bars), 2))


class ScoreCard(Vertical):
    """Shows a :class:`~tui.practice.results.Result`: its score, or why a take was not scored, or a hint."""

    DEFAULT_CSS = """
    ScoreCard { height: auto; border: round $primary; padding: 0 1; }
    ScoreCard #summary { height: auto; layout: vertical; }
    ScoreCard.-wide #summary { layout: horizontal; }
    ScoreCard #top { height: auto; width: 1fr; }
    ScoreCard #bars { width: 1fr; }
    ScoreCard.-wide #top { width: auto; }
    ScoreCard.-wide #bars { width: 34; }
    ScoreCard #overall-box { width: 16; height: auto; }
    ScoreCard #overall { width: auto; }
    ScoreCard #overall-line { display: none; }
    ScoreCard PitchPlot { width: 1fr; }
    ScoreCard.-wide PitchPlot { padding-left: 2; }
    ScoreCard #words, ScoreCard #findings { height: auto; }
    ScoreCard.-empty #summary, ScoreCard.-empty #words, ScoreCard.-empty #findings { display: none; }
    ScoreCard #hint { color: $text-muted; display: none; }
    ScoreCard.-empty #hint { display: block; }
    ScoreCard.-rejected #hint { color: $warning; text-style: bold; }
    """

    def __init__(self, *, hint: str = EMPTY_HINT, id: str | None = None) -> None:
        super().__init__(id=id)
        self.hint = hint
        self.score: Score | None = None
        self.result: Result | None = None
        self.selected_word: int | None = None
        self.add_class("-empty")
        self.border_title = "result"

    def compose(self) -> ComposeResult:
        yield Static(Text(self.hint), id="hint")
        with Container(id="summary"):
            with Horizontal(id="top"):
                with Vertical(id="overall-box"):
                    yield Digits("", id="overall")
                    yield Static("", id="verdict")
                    yield Static("", id="overall-line")
                yield ScoreBars(id="bars")
            yield PitchPlot()
        yield Static("", id="words")
        yield Static("", id="findings")

    def on_resize(self, event: events.Resize) -> None:
        wide = self.content_size.width >= WIDE_CARD
        if wide != self.has_class("-wide"):
            self.set_class(wide, "-wide")

    def set_hint(self, hint: str) -> None:
        """What the empty card says."""
        self.hint = hint
        if self.score is None and self.result is None:
            self.query_one("#hint", Static).update(Text(hint))

    def show_result(self, result: Result | None, *, title: str = "result") -> None:
        """Show ``result``: its score and pitch, or why it was not scored; None shows the hint."""
        self.result = result
        self.border_title = title
        if result is not None and result.score is None:
            self.show(None)
            self.add_class("-rejected")
            self.query_one("#hint", Static).update(Text(f"Not scored: {printable(result.rejected)}.\nThis take was not kept (a plays what was heard)."))
            return
        self.show(result.score if result else None, reference_pitch=result.reference_pitch if result else None,
                  attempt_pitch=result.attempt_pitch if result else None)

    def show(self, score: Score | None, *, reference_pitch: Contour | None = None, attempt_pitch: Contour | None = None) -> None:
        """Show ``score`` (None: the hint) and, if given, both pitch contours."""
        self.score = score
        self.selected_word = None
        if (score is None) != self.has_class("-empty"):
            self.set_class(score is None, "-empty")
        if self.has_class("-rejected"):
            self.remove_class("-rejected")
        if score is None:
            self.query_one("#hint", Static).update(Text(self.hint))
            return
        overall = finite(score.overall)
        digits = self.query_one("#overall", Digits)
        digits.update("--" if overall is None else f"{overall:.0f}")
        digits.styles.color = level_style(overall)
        verdict = "?" if overall is None else "great" if overall >= GOOD else "close" if overall >= FAIR else "retry"
        self.query_one("#verdict", Static).update(Text(f"overall · {verdict}", style=level_style(overall)))
        self.query_one("#overall-line", Static).update(Text(f"overall {figure(overall)} · {verdict}", style=f"bold {level_style(overall)}"))
        self.query_one(ScoreBars).show(score)
        self._show_words()
        issues = [printable(str(issue)) for issue in score.issues]
        findings = Text("\n").join(Text(f"• {issue}") for issue in issues) if issues else Text("• no problems found", style="green")
        if score.evidence:
            findings.append(f"\nscored by {score.evidence}", style="dim")
        self.query_one("#findings", Static).update(findings)
        words = [(str(word.text), word.ref_start) for word in score.words]
        self.query_one(PitchPlot).set_contours(reference_pitch, attempt_pitch, score.path, words)

    def select_word(self, index: int | None) -> None:
        """Highlight word ``index`` (None: no word)."""
        self.selected_word = index
        self._show_words()

    def _show_words(self) -> None:
        if self.score is not None:
            self.query_one("#words", Static).update(words_line(self.score, self.selected_word))
