"""Capture what a call prints, at the file-descriptor level.

Frameworks print from C++ (tf.print, XLA) as well as from Python, so swapping sys.stdout is not
enough: fds 1 and 2 are redirected to a temporary file for the duration of the call.
"""
from __future__ import annotations

import contextlib
import os
import sys
import tempfile

KEEP = 16 * 1024  # bytes kept from each end of what one call printed


@contextlib.contextmanager
def captured():
    """Yields a list that receives the captured lines (stdout and stderr, interleaved)."""
    lines: list[str] = []
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        try:
            yield lines
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
            # A forward printing megabytes per call must not carry them into the result.
            lines.extend(line for line in head_and_tail(sink, 0, sink.seek(0, os.SEEK_END)).splitlines()
                         if line.strip())


def head_and_tail(fh, start: int, end: int, keep: int = KEEP) -> str:
    """Bytes [start, end) of a binary file, as text: all of them up to 2 * keep, else the first
    and last `keep` with a line between them saying how many were dropped. Reads at most
    2 * keep bytes, however much was written."""
    fh.seek(start)
    if end - start <= 2 * keep:
        return fh.read(end - start).decode("utf-8", "replace")
    head = fh.read(keep)
    fh.seek(end - keep)
    tail = fh.read(keep)
    return (head.decode("utf-8", "replace") + f"\n[... {end - start - 2 * keep} bytes dropped ...]\n"
            + tail.decode("utf-8", "replace"))
