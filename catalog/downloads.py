"""Files of published editions: written once, then served from disk.

A published edition never changes (migration catalog 0004 freezes it in the database), so
its xlsx, docx, csv and json are written once and kept under DOWNLOADS_DIR. A small edition's file
is written by its first download (the 2022 catalogue: well under a second). A large one would
hold the request for seconds (100,000 rows: 7 s), so the page says the file is being prepared
and `manage.py prepare_downloads` writes it, with progress; run it after publishing (a timer
or the publishing clerk's checklist).
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from django.conf import settings

from catalog.exports import formats
from catalog.models import Edition
from catalog.tables import Row, Table, edition_table

# Part of every file name: raise it when a writer's output changes, and files are written anew.
LAYOUT = 2
# Every format a published edition is offered in, in the order the pages list them and jobs write them.
FORMATS = ("xlsx", "docx", "csv", "json")
PROGRESS_EVERY = 10_000


def path_of(edition: Edition, fmt: str) -> Path:
    """Where the file of a published edition lives (slug and id: a slug freed and reused gets a new file)."""
    return Path(settings.DOWNLOADS_DIR) / f"{edition.slug}-{edition.pk}-v{LAYOUT}.{fmt}"


def prepared(edition: Edition, fmt: str) -> Path | None:
    path = path_of(edition, fmt)
    return path if path.exists() else None


def writable_online(edition: Edition) -> bool:
    """Small enough to be written while the citizen waits."""
    return edition.entries.count() <= settings.EXPORT_ONLINE_MAX_ROWS


def prepare(edition: Edition, fmt: str, *, progress: Callable[[int], None] | None = None) -> Path:
    """Write the file of a published edition, under a temporary name renamed at the end.

    A reader never sees half a file, and two workers writing the same file at once both end with
    a whole one. `progress(rows)` is called every PROGRESS_EVERY rows.
    """
    if edition.status != Edition.Status.PUBLISHED:
        raise ValueError(f"edition {edition.slug} is not published: its rows may still change")
    path = path_of(edition, fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer, _content_type = formats()[fmt]
    table = edition_table(edition)
    if progress is not None:
        table = _counted(table, progress)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            writer(table, out)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _counted(table: Table, progress: Callable[[int], None]) -> Table:
    count = [0]

    def counting(rows: Iterable[Row]) -> Iterator[Row]:
        for row in rows:
            count[0] += 1
            if count[0] % PROGRESS_EVERY == 0:
                progress(count[0])
            yield row

    sections = [dataclasses.replace(section, rows=counting(section.rows)) for section in table.sections]
    return dataclasses.replace(table, sections=sections)
