"""A progress bar on stderr for long command-line work (index builds, evaluation runs)."""

from __future__ import annotations

import sys
from collections.abc import Callable


def progress_bar(description: str, unit: str = "passage") -> Callable[[int, int], None]:
    """A `(done, total)` callback that draws a tqdm bar and closes it when `done` reaches `total`."""
    from tqdm import tqdm

    bar = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc=description, unit=unit, file=sys.stderr, disable=total == 0)
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return update
