"""Row heights worked out from the cells' text, for workbooks whose text wraps.

Excel grows a row to fit wrapped text when it opens a file; LibreOffice and WPS keep the height the
file gives (15 pt unless told), so a long name overprints the rows below it. Every workbook writer
sets each row's height from its text with `row_height`; `row_height_function` is the same with the
columns' arithmetic done once, for writers that stream many rows.

The model errs on the side of a line too many, for whichever application opens the file:
- A column of width `w` (Excel's unit: the default font's digit, 7 px at 96 dpi) is 7w + 5 px wide
  in Excel; 7 px of it are left for the cell's padding and grid line. (LibreOffice without Calibri
  or Carlito draws columns wider, never narrower.)
- Width is counted in half-ems of the cell's font: a CJK character (any character of 3 UTF-8 bytes,
  full-width punctuation included) counts 2, any other 1.3 (LibreOffice's fallback Latin font
  draws digits 0.64 em wide).
- A line is 1.45 × the font size high: Noto Sans CJK, which LibreOffice falls back to without 宋体,
  is the tallest of the fonts a reader will have (宋体 in Excel is 1.35).
- A line can end early where the text may not break: before closing punctuation (，。、）》”…),
  after opening punctuation (（《“), inside a run of Latin letters or digits. Each line is assumed
  to end a character short, and each such run to cut one line short by all of its width.
- No character is wider than an em (CJK extension B characters are counted 2.35 half-ems, which
  covers them; emoji, wider in some fonts, are not expected in a catalogue).
The tests check this against a character-by-character wrap (tests/test_row_heights.py) and the
2022 tables rendered by LibreOffice (tests/test_libreoffice_render.py).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from functools import lru_cache

DEFAULT_HEIGHT = 15.0  # points: Excel's default row, which one line of 10 pt text fits
LINE_PITCH = 1.45  # line height / font size
PADDING = 0.5  # points above and below the lines, together

# Width in twentieths of a half-em: 19 per character and 7 per UTF-8 byte give 26 (1.3) for a
# character of 1 byte, 40 (2) for 3 bytes (CJK), 47 for 4 (CJK extension B, emoji).
_PER_CHAR, _PER_BYTE, _WIDE = 19, 7, 40

# Characters that may not begin a line, and those that may not end one (GB/T 15834, W3C clreq).
# Latin ones (ASCII) are counted with the Latin run they cling to.
_CLOSING = "、。，．：；！？）］｝〕〉》」』】〗〙〛’”…—·％"
_OPENING = "（［｛〔〈《「『【〖〘〚‘“"
# Punctuation that clings to its neighbour (a line may not break between them), and Latin runs.
_CLINGING = re.compile(f"[{_CLOSING}{_OPENING}]|[!-~]{{2,}}")


def row_height(texts: Sequence[str], widths: Sequence[float], font_size: float = 10) -> float:
    """The height in points at which every text, wrapped in its column, is whole.

    `texts[i]` stands in a column `widths[i]` wide, in Excel's character units; a cell merged across
    columns counts as one column of `span_width` of theirs. Never less than DEFAULT_HEIGHT.
    """
    return row_height_function(tuple(widths), font_size)(texts)


def span_width(widths: Sequence[float]) -> float:
    """The width, in Excel's character units, of one cell merged across columns of these widths."""
    return (sum(7 * w + 5 for w in widths) - 5) / 7


def lines_height(lines: int, font_size: float = 10) -> float:
    """The height in points that `lines` lines of text need (whole pixels), at least DEFAULT_HEIGHT."""
    return max(DEFAULT_HEIGHT, math.ceil((lines * LINE_PITCH * font_size + PADDING) * 4 / 3 - 1e-9) * 0.75)


@lru_cache(maxsize=64)
def row_height_function(widths: tuple[float, ...], font_size: float = 10) -> Callable[[Sequence[str]], float]:
    """`row_height` for these columns, as a function of the texts alone (the columns' arithmetic done once)."""
    # A half-em of the font is font_size × 2/3 px at 96 dpi: a column holds (7w - 2) px / that.
    capacities = tuple(int((7 * w - 2) * 1.5 / font_size * 20) for w in widths)
    heights = [lines_height(n, font_size) for n in range(0, 41)]

    # A text without a line break and no longer than this many CJK characters fits on one line.
    sure_fits = tuple(capacity // _WIDE for capacity in capacities)

    def height(texts: Sequence[str]) -> float:
        most = 1
        for text, capacity, fits in zip(texts, capacities, sure_fits, strict=True):
            if len(text) > fits or "\n" in text:
                lines = text_lines(text, capacity)
                if lines > most:
                    most = lines
        return heights[most] if most < len(heights) else lines_height(most, font_size)

    return height


def text_lines(text: str, capacity: int) -> int:
    """How many lines `text` takes in a line `capacity` twentieths of a half-em wide (see the module's model)."""
    if "\n" in text:
        return sum(text_lines(part, capacity) for part in text.split("\n"))
    length, size = len(text), len(text.encode("utf-8", "surrogatepass"))
    width = _PER_CHAR * length + _PER_BYTE * size
    if width <= capacity:
        return 1
    if capacity <= _WIDE:  # no wider than one character: a character to a line
        return length
    # Two bounds on greedy wrapping, the smaller one taken. A line ends early only when the next
    # piece does not fit in what is left: one character (no wider than _WIDE), or an unbreakable
    # run, which then begins the next line; so each run cuts one line short at most, by no more
    # than the width of its characters other than the first. Those are punctuation that clings to
    # a neighbour, or letters and digits in a Latin run: counting all of them bounds what the runs
    # cut. In widths: (lines - 1) × (capacity - _WIDE) < width + the runs' cut. In characters: a
    # line holds capacity // _WIDE of them, less the characters the runs cut.
    clinging = sum(map(len, _CLINGING.findall(text)))
    by_width = -(-(width + _WIDE * clinging) // (capacity - _WIDE))
    by_chars = -(-(length + clinging) // (capacity // _WIDE))
    return max(2, min(by_width, by_chars))
