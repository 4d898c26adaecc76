"""Devices: choose the input (recorder) and output, test the microphone with a live meter."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import var
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from tui.errors import PronounceError
from tui.messages import AudioFailed, ChunkRecorded, RecordingChanged, capture_message
from tui.practice.captures import Capture, CaptureEvent, scan_devices
from tui.practice.session import Session
from tui.screens.base import AppScreen
from tui.text import printable
from tui.widgets.level import LevelMeter
from tui.widgets.status import StatusBar
from tui.widgets.waveform import LiveWaveform

if TYPE_CHECKING:
    from tui.practice.captures import DeviceInfo

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

    testing: var[Literal["idle", "starting", "recording", "stopping"]] = var("idle")
    """The input test (the session's one recording, when it is ours)."""

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.capture: Capture | None = None
        """The input test's capture (None: no test)."""

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
        self.action_rescan()

    def on_unmount(self) -> None:
        self.session.recording.discard(self.capture)

    @work(thread=True, exclusive=True, exit_on_error=False, group="devices")
    def action_rescan(self) -> None:
        """Re-scan PortAudio for devices."""
        self.app.call_from_thread(self._show, *scan_devices())

    def _show(self, inputs: list[DeviceInfo], outputs: list[DeviceInfo]) -> None:
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
            if self.testing == "recording":
                self._stop_test()
            return  # a press while the recorder opens or closes does nothing
        try:
            self.capture = self.session.recording.claim("an input test")
        except PronounceError as exc:
            self.notify(printable(exc.message), severity="warning", markup=False)
            return
        self.testing = "starting"
        self._start_test(self.capture)

    @work(thread=True, exclusive=True, exit_on_error=False, group="device-test")
    def _start_test(self, capture: Capture) -> None:
        started = False
        try:
            started = self.session.recording.start(capture, self._on_event)
        finally:
            self.post_message(RecordingChanged(capture, started))

    def _on_event(self, event: CaptureEvent) -> None:
        self.post_message(capture_message(event))

    def on_recording_changed(self, message: RecordingChanged) -> None:
        if message.capture is not self.capture:
            return
        if not message.running:
            self.capture = None
        self.testing = "recording" if message.running else "idle"

    def watch_testing(self, state: str) -> None:
        """The live meter and waveform while the test records."""
        recording = state == "recording"
        self.query_one(LevelMeter).show(None)
        self.query_one(LevelMeter).display = recording
        self.query_one(LiveWaveform).display = recording
        if recording:
            self.query_one(LiveWaveform).reset()
        self.query_one(StatusBar).recorder = f"{self.capture.name} (test, t stops)" if recording and self.capture else ""

    def on_chunk_recorded(self, message: ChunkRecorded) -> None:
        if self.capture is not None and message.name == self.capture.name:
            self.query_one(LevelMeter).show(message.level)
            self.query_one(LiveWaveform).add_chunk(message.samples)

    def on_audio_failed(self, message: AudioFailed) -> None:
        self.show_error(message.error, title="input test")
        self._stop_test()

    def _stop_test(self) -> None:
        if self.capture is not None and self.testing == "recording":
            self.testing = "stopping"
            self.stop_test(self.capture)

    @work(thread=True, exclusive=True, exit_on_error=False, group="device-test")
    def stop_test(self, capture: Capture) -> None:
        """Stop the test recording and delete it."""
        try:
            self.session.recording.discard(capture)
        finally:
            self.post_message(RecordingChanged(capture, False))
