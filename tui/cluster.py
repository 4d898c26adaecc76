"""A Dask cluster for scoring: its address, and ``pronounce score --batch --scheduler``.

The cluster is Dask's own (``distributed``): ``dask scheduler`` on one
machine, ``dask worker tcp://HOST:8786`` on any machine where pronounce is
installed. Jobs carry what they need (audio as samples or bytes), so workers
need no shared folder. ``distributed`` is imported only when a cluster is used.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from tui.errors import ClassroomError

CONNECT_SECONDS = 10.0
DEFAULT_PORT = 8786
ADDRESS_HINT = "give the scheduler's address as tcp://HOST:PORT (`dask scheduler` prints it; its port is 8786 by default)"
_ADDRESS = re.compile(r"^(?:tcp://)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?$")


class ClusterError(ClassroomError):
    """The Dask scheduler cannot be reached or went away."""


def check_scheduler(address: str) -> str:
    """``address`` as ``tcp://HOST:PORT`` (``HOST`` alone gets port 8786).

    Raises
    ------
    ClusterError
        It is not a TCP address.
    """
    found = _ADDRESS.match(address.strip())
    if found is None or (found.group(2) is not None and not 0 < int(found.group(2)) < 65536):
        raise ClusterError(f"--scheduler {address.strip()[:80]!r} is not a scheduler address", hint=ADDRESS_HINT)
    return f"tcp://{found.group(1)}:{found.group(2) or DEFAULT_PORT}"


def connect(address: str) -> Any:
    """A (blocking) Dask client of the scheduler at ``address``.

    Raises
    ------
    ClusterError
        The scheduler does not answer within :data:`CONNECT_SECONDS`.
    """
    from distributed import Client

    try:
        return Client(address, timeout=CONNECT_SECONDS, set_as_default=False, name="pronounce-score")
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {address}",
                           hint="start it with `dask scheduler` (and workers with `dask worker ADDRESS`), or leave out --scheduler") from exc


def score_manifest(rows: Iterable[Any], out: Path, address: str, *,
                   progress: Callable[[int], None] | None = None) -> tuple[int, int]:
    """Score manifest ``rows`` on the cluster into JSON lines at ``out``, as :func:`tui.scoring.batch.run` does: (rows, failures).

    The audio is read here and sent as samples, so the lines are those a
    local run writes, in manifest order. Rows are read as they are sent, at
    most a few per worker thread ahead of the one written next, so a long
    manifest never piles up here or on the scheduler.

    Raises
    ------
    ClusterError
        The scheduler cannot be reached or went away.
    """
    from concurrent.futures import CancelledError

    from distributed import KilledWorker, as_completed

    from tui.scoring import batch

    client = connect(address)
    run = uuid.uuid4().hex[:12]
    source = enumerate(rows)
    results: dict[int, dict[str, object]] = {}
    sent: dict[int, str] = {}
    failed = written = 0
    try:
        window = max(8, 4 * sum(client.nthreads().values()))
        waiting = as_completed()
        with open(out, "w", encoding="utf-8") as handle:

            def fill() -> None:
                while waiting.count() < window:
                    found = next(source, None)
                    if found is None:
                        return
                    number, row = found
                    if row.problem:  # nothing to read or score: its line says why
                        results[number] = batch.score_row(row)
                        continue
                    sent[number] = row.id
                    waiting.add(client.submit(_scored, number, row, batch.read_row(row), key=f"pronounce-batch-{run}-{number}"))

            def flush() -> None:
                nonlocal written, failed
                while written in results:
                    result = results.pop(written)
                    failed += result["error"] is not None
                    handle.write(json.dumps(result, separators=(",", ":")) + "\n")
                    written += 1
                    if progress is not None:
                        progress(1)

            fill()
            flush()
            for future in waiting:  # rows added while this runs are waited for too
                try:
                    number, result = future.result()
                except CancelledError as exc:
                    raise ClusterError(f"lost the Dask scheduler at {address} while scoring",
                                       hint="start it again and run the batch again") from exc
                except KilledWorker:
                    number = int(str(future.key).rsplit("-", 1)[1])
                    result = {"id": sent[number], **dict.fromkeys(batch.SCORE_FIELDS), "error": "the Dask workers scoring this row died"}
                future.release()
                sent.pop(number, None)
                results[number] = result
                fill()
                flush()
            flush()
    finally:
        client.close()
    return written, failed


def _scored(number: int, row: Any, loaded: Any) -> tuple[int, dict[str, object]]:
    """The task of one manifest row on a worker."""
    from tui.scoring import batch

    return number, batch.score_row(row, loaded)
