"""Progress of a batch: a redrawn bar with rate and ETA on a terminal, plain lines otherwise.

A log file or a CI console cannot redraw a line, and ``\\r`` there turns into one huge line,
so off a terminal every finished submission is one line of its own.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from grader.reporting.terminal import one_line

WIDTH = 28


def duration(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 \
        else f"{seconds // 60}:{seconds % 60:02d}"


class Progress:
    def __init__(self, total: int, stream: TextIO | None = None, tty: bool | None = None) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.done = 0
        self.started = time.monotonic()

    def rate(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    def status(self) -> str:
        rate = self.rate()
        eta = duration((self.total - self.done) / rate) if rate else "?"
        return f"{self.done}/{self.total}  {rate:.2f}/s  ETA {eta}"

    def advance(self, what: str) -> None:
        """One more submission finished; ``what`` says who and how it went."""
        self.done += 1
        what = one_line(what)
        if self.tty:
            filled = WIDTH * self.done // max(1, self.total)
            bar = "#" * filled + "." * (WIDTH - filled)
            self.stream.write(f"\r\x1b[K[{bar}] {self.status()}  {what[:40]}")
        else:
            self.stream.write(f"[{self.status()}] {what}\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty and self.done:
            self.stream.write("\n")
            self.stream.flush()
