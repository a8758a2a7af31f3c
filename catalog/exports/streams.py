"""What every export writer shares: inert cell text and a UTF-8 stream over a path or a file."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager

from spreadsheets.cells import clean_text, inert_csv_text


def safe_text(value: object, *, csv: bool = False) -> str:
    """The cell's text made inert: for a string cell (xlsx, json) or, with `csv=True`, for a CSV field."""
    return inert_csv_text(value) if csv else clean_text(value)


@contextmanager
def text_stream(out, *, bom: bool = False) -> Iterator[io.TextIOBase]:
    """A UTF-8 text stream over `out`: a path, a binary file object or a text file object.

    With `bom`, the text starts with a byte-order mark whichever `out` is.
    """
    if isinstance(out, str | os.PathLike):
        with open(out, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as stream:
            yield stream
        return
    if isinstance(out, io.TextIOBase):
        if bom:
            out.write("\ufeff")
        yield out
        return
    stream = io.TextIOWrapper(out, encoding="utf-8-sig" if bom else "utf-8", newline="", write_through=True)
    try:
        yield stream
    finally:
        stream.flush()
        stream.detach()  # the caller's file object stays open
