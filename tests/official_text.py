"""A deliberately plain second reading of the gazette text, for tests only.

It does not share code with catalog/official_source.py, so that a mistake in
the parser that built the fixture cannot hide behind the same mistake here.
"""

from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent / "sources" / "shuozhou-2022-notice-20.txt"
SHARED_SOURCE = Path(__file__).resolve().parent.parent.parent / "shared" / "sources" / "shuozhou-2022-notice-20.txt"


def table_rows() -> dict[int, list[list[str]]]:
    """{section: [cells of each printed data row]}; section (二) rows have 7 cells, (一) rows 8."""
    rows: dict[int, list[list[str]]] = {1: [], 2: []}
    section = 0
    for line in SOURCE.read_text(encoding="utf-8").splitlines():
        if line.startswith("（一）"):
            section = 1
        elif line.startswith("（二）"):
            section = 2
        cells = line.split("\t")
        if len(cells) > 1 and cells[0] != "序号":
            rows[section].append(cells)
    return rows


def lines() -> list[str]:
    return SOURCE.read_text(encoding="utf-8").splitlines()
