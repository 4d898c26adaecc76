"""Child process of the uploader tests: the app's background uploader, running until killed.

Run as ``python -m tests.client.uploader_child DATA_DIR`` from the repository root.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from tui.client.uploader import Uploader


def main(data_dir: Path) -> int:
    """Start the uploader of ``data_dir``'s login and keep it running."""
    uploader = Uploader.for_data_dir(data_dir)
    if uploader is None:
        print("not logged in", file=sys.stderr)
        return 2
    uploader.start()
    while True:
        time.sleep(1)


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
