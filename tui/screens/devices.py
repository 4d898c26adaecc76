"""Devices: choose the input (recorder) and output, test the microphone with a live meter."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from tui.errors import PronounceError
from tui.messages import AudioFailed, CaptureStarted, ChunkRecorded, capture_message
from tui.screens.base import AppScreen
from tui.session import Session
from tui.takes import Capture, CaptureEvent
from tui.text import printable
from tui.widgets.level import LevelMeter
from tui.widgets.status import StatusBar
from tui.widgets.waveform import LiveWaveform

DEFAULT = "(system default)"
NO_MICROPHONE = (
    "No microphone found. Plug one in (or enable it in the sound settings), then press F5 "
    "to rescan. Meanwhile you can practise from a file: pronounce --input-file my.wav"
)


class DevicesScreen(AppScreen):
    """Inputs and outputs; enter saves the choice, t tests the chosen input."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("t", "test", "Test input"),
        Binding("f5", "rescan", "Rescan"),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.capture: Capture | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            with Vertical():
                yield Static(Text("Inputs (recorders)", style="bold"))
                yield OptionList(id="inputs")
            with Vertical():
                yield Static(Text("Outputs", style="bold"))
                yield OptionList(id="outputs")
        yield Static("", id="explain")
        yield LevelMeter(id="meter")
        yield LiveWaveform(id="live")
        yield StatusBar(self.session)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "devices"
        self.query_one(LevelMeter).display = False
        self.query_one(LiveWaveform).display = False
        self.action_rescan()

    def on_unmount(self) -> None:
        if self.capture is not None:
            self.session.captures.discard(self.capture)

    @work(thread=True, exclusive=True, exit_on_error=False, group="devices")
    def action_rescan(self) -> None:
        """Re-scan PortAudio for devices."""
        from tui.audio import devices

        devices.rescan()
        self.app.call_from_thread(self._show, devices.list_inputs(), devices.list_outputs())

    def _show(self, inputs: list[Any], outputs: list[Any]) -> None:
        config = self.session.config
        for selector, items, chosen in (("#inputs", inputs, config.input_device), ("#outputs", outputs, config.output_device)):
            options = [Option(Text.assemble(("● " if not chosen else "  ", "green"), DEFAULT), id="")]
            for info in items:
                mark = "● " if info.name == chosen else "  "
                options.append(Option(Text.assemble((mark, "green"), printable(info.name, single_line=True),
                                                    (f"  {info.channels} ch, {info.default_samplerate:.0f} Hz", "dim")), id=info.name))
            widget = self.query_one(selector, OptionList)
            widget.set_options(options)
        explain = self.query_one("#explain", Static)
        if not inputs:
            explain.update(Text(NO_MICROPHONE, style="bold yellow"))
        else:
            explain.update(Text("enter: use the highlighted device (saved) · t: test the input with a live meter", style="dim"))
        self.query_one(StatusBar).refresh()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        key = "input_device" if event.option_list.id == "inputs" else "output_device"
        try:
            self.session.update_config(**{key: event.option.id or ""})
        except PronounceError as exc:
            self.show_error(exc, title="settings")
        else:
            self.notify(f"{'Input' if key == 'input_device' else 'Output'}: {event.option.id or DEFAULT} (saved)", markup=False)
        self.action_rescan()

    def action_test(self) -> None:
        """Start (or stop) a test recording on the chosen input, with a live meter."""
        if self.capture is not None:
            self._stop_test()
            return
        self._start_test()

    @work(thread=True, exclusive=True, exit_on_error=False, group="device-test")
    def _start_test(self) -> None:
        capture = self.session.captures.open(self._on_event)
        self.capture = capture
        self.post_message(CaptureStarted(capture.name))

    def _on_event(self, event: CaptureEvent) -> None:
        self.post_message(capture_message(event))

    def on_capture_started(self, message: CaptureStarted) -> None:
        if self.capture is None or self.capture.name != message.name:
            return
        self.query_one(LevelMeter).display = True
        self.query_one(LevelMeter).show(None)
        self.query_one(LiveWaveform).display = True
        self.query_one(LiveWaveform).reset()
        self.query_one(StatusBar).recorder = f"{self.capture.name} (test, t stops)"

    def on_chunk_recorded(self, message: ChunkRecorded) -> None:
        if self.capture is not None and message.name == self.capture.name:
            self.query_one(LevelMeter).show(message.level)
            self.query_one(LiveWaveform).add_chunk(message.samples)

    def on_audio_failed(self, message: AudioFailed) -> None:
        self.show_error(message.error, title="input test")
        self._stop_test()

    def _stop_test(self) -> None:
        capture, self.capture = self.capture, None
        if capture is not None:
            self.session.captures.discard(capture)
        self.query_one(LevelMeter).show(None)
        self.query_one(LevelMeter).display = False
        self.query_one(LiveWaveform).display = False
        self.query_one(StatusBar).recorder = ""
