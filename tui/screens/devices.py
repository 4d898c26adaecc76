"""Devices: choose the input (recorder) and output, test the microphone with a live meter."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from tui.messages import AudioFailed, ChunkRecorded, RecordingStarted, recorder_message
from tui.screens.base import AppScreen
from tui.widgets.level import LevelMeter
from tui.widgets.status import StatusBar
from tui.widgets.waveform import LiveWaveform

if TYPE_CHECKING:
    from tui.app import PronounceApp

DEFAULT = "(system default)"
NO_MICROPHONE = (
    "No microphone found. Plug one in (or enable it in the sound settings), then press F5 "
    "to rescan. Meanwhile you can practise from a file: pronounce --input-file my.wav"
)


class DevicesScreen(AppScreen):
    """Inputs and outputs; enter saves the choice, t tests the chosen input."""

    app: PronounceApp

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("t", "test", "Test input"),
        Binding("f5", "rescan", "Rescan"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._test_name = ""
        self._unsubscribe: Any = None

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
        yield StatusBar()
        yield Footer()

    def on_mount(self) -> None:
        self.app.sub_title = "devices"
        self.action_rescan()

    def on_unmount(self) -> None:
        self._stop_test()

    @work(thread=True, exclusive=True, exit_on_error=False, group="devices")
    def action_rescan(self) -> None:
        """Re-scan PortAudio for devices."""
        from tui.audio import devices

        devices.rescan()
        self.app.call_from_thread(self._show, devices.list_inputs(), devices.list_outputs())

    def _show(self, inputs: list[Any], outputs: list[Any]) -> None:
        config = self.app.config
        for selector, items, chosen in (("#inputs", inputs, config.input_device), ("#outputs", outputs, config.output_device)):
            options = [Option(Text.assemble(("● " if not chosen else "  ", "green"), DEFAULT), id="")]
            for info in items:
                mark = "● " if info.name == chosen else "  "
                options.append(Option(Text.assemble((mark, "green"), info.name, (f"  {info.channels} ch, {info.default_samplerate:.0f} Hz", "dim")), id=info.name))
            widget = self.query_one(selector, OptionList)
            widget.set_options(options)
        explain = self.query_one("#explain", Static)
        if not inputs:
            explain.update(Text(NO_MICROPHONE, style="bold yellow"))
        else:
            explain.update(Text("enter: use the highlighted device (saved) · t: test the input with a live meter", style="dim"))
        self.query_one(StatusBar).source = config.input_device or "default input"

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        key = "input_device" if event.option_list.id == "inputs" else "output_device"
        self.app.update_config(**{key: event.option.id or ""})
        self.notify(f"{'Input' if key == 'input_device' else 'Output'}: {event.option.id or DEFAULT} (saved)")
        self.action_rescan()

    def action_test(self) -> None:
        """Start (or stop) a test recorder on the chosen input."""
        if self._test_name:
            self._stop_test()
            return
        self._start_test()

    @work(thread=True, exclusive=True, exit_on_error=False, group="device-test")
    def _start_test(self) -> None:
        from tui.audio import recorder

        if self._unsubscribe is None:
            self._unsubscribe = recorder.subscribe(self._on_event)
        handle = recorder.start(
            device=self.app.config.input_device or None, directory=self.app.incoming_dir, input_file=self.app.input_file
        )
        self.post_message(RecordingStarted(handle.name))

    def _on_event(self, event: Any) -> None:
        message = recorder_message(event, self._test_name)
        if message is not None:
            self.post_message(message)

    def on_recording_started(self, message: RecordingStarted) -> None:
        self._test_name = message.name
        self.query_one(LevelMeter).reset()
        self.query_one(LiveWaveform).reset()
        self.query_one(StatusBar).recorder = f"{message.name} (test, t stops)"

    def on_chunk_recorded(self, message: ChunkRecorded) -> None:
        self.query_one(LevelMeter).update_level(message.rms_dbfs, message.peak_dbfs, message.clipped)
        self.query_one(LiveWaveform).add_chunk(message.samples)

    def on_audio_failed(self, message: AudioFailed) -> None:
        self.app.show_error(message.error, title="input test")
        self._stop_test()

    def _stop_test(self) -> None:
        from tui.audio import recorder

        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._test_name:
            name, self._test_name = self._test_name, ""
            if name in recorder.active():
                recording = recorder.stop(name)
                recording.path.unlink(missing_ok=True)
            self.query_one(StatusBar).recorder = ""
