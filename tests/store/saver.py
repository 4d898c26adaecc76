"""Child process of the reliability tests: record-and-save COUNT takes in a loop.

Run as ``python -m tests.store.saver DATA_DIR COUNT PHRASE`` from the repository
root. A store error is printed as the CLI prints it, with its exit code.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.store.helpers import save, write_take
from tui.errors import PronounceError
from tui.store import AttemptStore


def main(data_dir: Path, count: int, phrase: str) -> int:
    """Save ``count`` attempts at ``phrase``; the exit status."""
    try:
        with AttemptStore(data_dir) as store:
            for _ in range(count):
                save(store, write_take(store.incoming_dir, seconds=0.05), phrase=phrase)
    except PronounceError as exc:
        print(f"pronounce: error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]))
