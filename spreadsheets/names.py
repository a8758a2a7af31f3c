"""Names of downloaded files: the document's own title, whole, on every desktop.

A name is sent in the response as RFC 6266's `filename*=utf-8''…` (Django's `content_disposition_header`,
which `FileResponse(filename=…)` uses), which every current browser reads. What Windows refuses in a file
name (/ \\ : * ? " < > | and control characters) becomes its full-width form or is dropped, so the name
the browser saves is the one the title reads; spaces next to Chinese text are dropped, as the official
titles print them ("…调整目录 （2022年版）" is saved as "…调整目录（2022年版）").
"""

from __future__ import annotations

import re

MAX_STEM = 150  # characters: Windows allows 255 UTF-16 units in a name, the folder's path aside
_FULL_WIDTH = str.maketrans(
    {"/": "／", "\\": "＼", ":": "：", "*": "＊", "?": "？", '"': "＂", "<": "＜", ">": "＞", "|": "｜"}
)
_CONTROL = re.compile("[\x00-\x1f\x7f]")
_SPACES = re.compile(r"\s+")
_SPACE_BY_WIDE = re.compile(r" (?=[^\x00-\x7f])|(?<=[^\x00-\x7f]) ")


def download_name(title: str, extension: str) -> str:
    """`title.extension`, with the characters a Windows file name may not hold replaced (see the module)."""
    stem = _CONTROL.sub("", title).translate(_FULL_WIDTH)
    stem = _SPACE_BY_WIDE.sub("", _SPACES.sub(" ", stem).strip())
    stem = stem[:MAX_STEM].rstrip(". ") or "download"  # Windows drops a trailing dot or space itself
    return f"{stem}.{extension}"
