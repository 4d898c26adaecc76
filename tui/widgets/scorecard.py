"""The result of one attempt: overall score large, sub-scores, words, findings, pitch."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Digits, Static

from tui.scoring.score import Score
from tui.widgets.plots import Contour, PitchPlot

SUB_SCORES = ("accuracy", "fluency", "intonation", "completeness")
GOOD, FAIR = 80.0, 60.0


def level_style(score: float) -> str:
    """Colour of a score in three levels: good (green), fair (yellow), poor (red)."""
    return "green" if score >= GOOD else "yellow" if score >= FAIR else "red"


def score_bar(label: str, value: float, width: int = 18) -> Text:
    """``label  ██████░░░░  73`` coloured by level."""
    filled = round(max(min(value, 100.0), 0.0) / 100 * width)
    return Text.assemble(
        (f"{label:<13}", ""),
        ("█" * filled, level_style(value)),
        ("░" * (width - filled), "grey30"),
        (f" {value:3.0f}", "bold"),
    )


def words_line(score: Score, selected: int | None = None) -> Text:
    """Each reference word coloured by its score, with the score after it."""
    text = Text()
    for index, word in enumerate(score.words):
        style = level_style(word.score) + (" reverse" if index == selected else "")
        text.append(word.text, style=f"bold {style}")
        text.append(f" {word.score:.0f}", style="dim")
        text.append("   ")
    return text


class ScoreCard(Vertical):
    """Shows a :class:`~tui.scoring.score.Score`, or a hint when there is none yet."""

    DEFAULT_CSS = """
    ScoreCard { height: auto; border: round $primary; padding: 0 1; }
    ScoreCard #top { height: auto; }
    ScoreCard #overall-box { width: 18; height: auto; }
    ScoreCard #overall { width: auto; }
    ScoreCard #bars { width: 1fr; height: auto; padding-left: 2; }
    ScoreCard #words, ScoreCard #findings { height: auto; }
    ScoreCard.-empty #top, ScoreCard.-empty #words, ScoreCard.-empty #findings, ScoreCard.-empty PitchPlot { display: none; }
    ScoreCard #hint { color: $text-muted; display: none; }
    ScoreCard.-empty #hint { display: block; }
    """

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.score: Score | None = None
        self.selected_word: int | None = None
        self.add_class("-empty")
        self.border_title = "result"

    def compose(self) -> ComposeResult:
        yield Static("Press space, say the phrase, press space again.", id="hint")
        with Horizontal(id="top"):
            with Vertical(id="overall-box"):
                yield Digits("", id="overall")
                yield Static("", id="verdict")
            yield Static("", id="bars")
        yield Static("", id="words")
        yield Static("", id="findings")
        yield PitchPlot()

    def show(
        self,
        score: Score | None,
        *,
        reference_pitch: Contour | None = None,
        attempt_pitch: Contour | None = None,
    ) -> None:
        """Show ``score`` (None: the empty hint) and, if given, both pitch contours."""
        self.score = score
        self.selected_word = None
        self.set_class(score is None, "-empty")
        if score is None:
            return
        digits = self.query_one("#overall", Digits)
        digits.update(f"{score.overall:.0f}")
        digits.styles.color = level_style(score.overall)
        verdict = "great" if score.overall >= GOOD else "close" if score.overall >= FAIR else "try again"
        self.query_one("#verdict", Static).update(Text(f"overall · {verdict}", style=level_style(score.overall)))
        bars = Text("\n").join(score_bar(name, getattr(score, name)) for name in SUB_SCORES)
        self.query_one("#bars", Static).update(bars)
        self._show_words()
        findings = Text("\n").join(Text(f"• {issue}") for issue in score.issues) if score.issues else Text("• no problems found", style="green")
        if score.evidence:
            findings.append(f"\nscored by {score.evidence}", style="dim")
        self.query_one("#findings", Static).update(findings)
        self.query_one(PitchPlot).set_contours(reference_pitch, attempt_pitch, score.path)

    def select_word(self, index: int | None) -> None:
        """Highlight word ``index`` (None: no word)."""
        self.selected_word = index
        self._show_words()

    def _show_words(self) -> None:
        if self.score is not None:
            self.query_one("#words", Static).update(words_line(self.score, self.selected_word))

