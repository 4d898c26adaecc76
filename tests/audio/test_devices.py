"""Device listing and the `pronounce devices` command, with the sound server and with no devices."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from tui.audio.devices import list_inputs, list_outputs, recorder_count, recorder_info, rescan, resolve_input
from tui.audio.soundserver import SoundServer
from tui.cli import cli
from tui.errors import DeviceError, NoMicrophoneError

FIELDS = {"index", "name", "channels", "default_samplerate", "hostapi", "is_default"}


def test_sound_server_gives_recorders_with_one_default(sound_server: SoundServer) -> None:
    assert recorder_count() == len(list_inputs()) >= 1
    infos = [recorder_info(i) for i in range(recorder_count())]
    assert sum(info.is_default for info in infos) == 1
    assert all(info.channels >= 1 and info.default_samplerate > 0 and info.hostapi for info in infos)
    assert resolve_input(None).is_default
    assert resolve_input(infos[0].name).index == infos[0].index
    with pytest.raises(DeviceError, match="there is no recorder 99"):
        recorder_info(99)
    with pytest.raises(DeviceError, match="no input device matches 'no-such-mic'"):
        resolve_input("no-such-mic")


def test_devices_command_prints_a_table_and_json(sound_server: SoundServer) -> None:
    runner = CliRunner()
    table = runner.invoke(cli, ["devices"])
    assert table.exit_code == 0
    assert "Inputs (recorders)" in table.output and "Outputs" in table.output
    assert any(line.startswith("*") and " default " in line for line in table.output.splitlines())

    listed = runner.invoke(cli, ["devices", "--json"])
    assert listed.exit_code == 0
    data = json.loads(listed.output)
    assert len(data["inputs"]) == len(list_inputs()) and len(data["outputs"]) == len(list_outputs())
    assert all(set(device) == FIELDS for device in data["inputs"] + data["outputs"])


def test_no_device_means_no_microphone_everywhere(no_devices: None) -> None:
    assert recorder_count() == 0
    with pytest.raises(NoMicrophoneError, match="No microphone found"):
        recorder_info(0)
    result = CliRunner().invoke(cli, ["devices", "--json"])
    assert result.exit_code == 3
    assert json.loads(result.stdout) == {"inputs": [], "outputs": []}
    assert "No microphone found" in result.stderr
    assert CliRunner().invoke(cli, ["devices"]).exit_code == 3


def test_rescan_refuses_while_a_stream_plays_and_works_after(sound_server: SoundServer) -> None:
    from tui.audio.player import Player

    player = Player()
    player.play(np.zeros(2 * 48000, dtype=np.float32), 48000)
    try:
        with pytest.raises(DeviceError, match="while recording or playing"):
            rescan()
    finally:
        player.stop()
    rescan()
    assert recorder_count() >= 1
