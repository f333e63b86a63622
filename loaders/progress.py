"""What a person sees while a load runs: a live line with rows/s, then a summary table."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

from hub.domain.batch_matching import BatchSummary
from loaders.load import ORDER, Summary

_COLUMNS = ("created", "updated", "unchanged", "deleted", "rejected")


class LiveLine:
    """Redraws one status line on a terminal (at most 10 times a second); elsewhere prints a
    line every 10 seconds so that logs stay readable."""

    def __init__(self, out: TextIO = sys.stderr) -> None:
        self.out = out
        self.tty = out.isatty()
        self.started = time.perf_counter()
        self._last = 0.0
        self._width = 0  # of the longest line drawn, which a shorter one must cover
        self._line: Callable[[float], str] | None = None  # the latest, drawn or not

    def __call__(self, summary: Summary) -> None:
        self._draw(
            lambda elapsed: (
                f"{bar(summary.read_bytes, summary.total_bytes)}"
                f"{summary.rows:>10,} rows  {summary.rows / elapsed:>8,.0f} rows/s  "
                f"{summary.rejected:,} rejected  {elapsed:6.1f}s"
                f"{left(summary.read_bytes, summary.total_bytes, elapsed)}"
            )
        )

    def _draw(self, line: Callable[[float], str]) -> None:
        """Write ``line(seconds elapsed)`` unless the last one is too recent."""
        self._line = line
        now = time.perf_counter()
        if now - self._last < (0.1 if self.tty else 10.0):
            return
        self._write(line, now)

    def _write(self, line: Callable[[float], str], now: float) -> None:
        self._last = now
        text = line(max(now - self.started, 1e-9))
        if self.tty:
            self._width = max(self._width, len(text))
            self.out.write("\r" + text.ljust(self._width))
        else:
            self.out.write(text + "\n")
        self.out.flush()

    def note(self, text: str) -> None:
        """A line of its own, below the live line."""
        self.out.write(("\n" if self.tty and self._width else "") + text + "\n")
        self._width = 0
        self.out.flush()

    def finish(self) -> None:
        """The final state as the last line, however recently the one before was drawn."""
        if self._line is not None:
            self._write(self._line, time.perf_counter())
            self._line = None
        if self.tty and self._width:
            self.out.write("\n")
            self._width = 0
        self.out.flush()


_WIDTH = 24


def bar(done: int, total: int) -> str:
    """``[#########...............]  38% `` for the share of the input read; nothing while
    the size of the input is unknown."""
    if total <= 0:
        return ""
    share = min(done / total, 1.0)
    filled = round(share * _WIDTH)
    return f"[{'#' * filled}{'.' * (_WIDTH - filled)}] {share:>4.0%} "


def left(done: int, total: int, elapsed: float) -> str:
    """``, about 1:05 left``, from the pace so far; nothing until a tenth is read."""
    if total <= 0 or done < total / 10 or done >= total:
        return ""
    seconds = round(elapsed * (total - done) / done)
    return f", about {seconds // 60}:{seconds % 60:02d} left"


SKIPPED_SHOWN = 10  # files skipped named in the summary; the rest are counted


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def render(summary: Summary) -> str:
    """The summary table printed at the end of a load."""
    lines = [f"{'kind':22}" + "".join(f"{c:>11}" for c in _COLUMNS) + f"{'rows/s':>11}"]
    for label in ORDER:
        counts = summary.counts.get(label)
        if counts:
            seconds = summary.seconds_by_kind[label]
            speed = f"{sum(counts.values()) / seconds:>11,.0f}" if seconds else f"{'-':>11}"
            lines.append(f"{label:22}" + "".join(f"{counts[c]:>11,}" for c in _COLUMNS) + speed)
    overall = summary.rows / summary.seconds if summary.seconds else 0.0
    lines.append(f"{_count(summary.rows, 'row')} in {summary.seconds:.1f}s ({overall:,.0f} rows/s)")
    if summary.rejects is not None:
        lines.append(f"{_count(summary.rejected, 'row')} rejected; see {summary.rejects}")
    if summary.closed_rejects:
        rows = "row" if summary.closed_rejects == 1 else "rows"
        lines.append(
            f"{summary.closed_rejects:,} rejected {rows} of earlier loads delivered again: closed"
        )
    if summary.skipped:
        shown = ", ".join(summary.skipped[:SKIPPED_SHOWN])
        more = len(summary.skipped) - SKIPPED_SHOWN
        listed = f"{shown} and {more:,} more" if more > 0 else shown
        lines.append(
            f"{_count(len(summary.skipped), 'file')} skipped, their names telling no kind or "
            f"format this load reads: {listed}"
        )
    for path, fields in summary.ignored.items():
        listed = ", ".join(f"{name} ({rows:,} rows)" for name, rows in sorted(fields.items()))
        lines.append(f"{path}: unknown fields ignored: {listed}")
    return "\n".join(lines)


class MatchLine(LiveLine):
    """The live line of ``hub match``: partners matched, merged and queued."""

    def __call__(self, summary: BatchSummary) -> None:  # type: ignore[override]
        self._draw(
            lambda elapsed: (
                f"{bar(summary.partners, summary.total)}"
                f"{summary.partners:>10,} of {summary.total:,} partners  "
                f"{summary.partners / elapsed:>8,.0f}/s  "
                f"{summary.merged:,} merged  {summary.queued:,} queued  {elapsed:6.1f}s"
                f"{left(summary.partners, summary.total, elapsed)}"
            )
        )
