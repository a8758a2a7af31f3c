"""Workbooks the tests build from the official 2022 export.

The 2022 edition is published, hence frozen (its entries cannot change): its export, and any workbook made from it
by a fixed recipe, is the same file in every test. Each is therefore made once per test process (`once`) and
written into the tmp_path of each test that asks for it, where the test may change its copy freely.
"""

import copyreg
import io
import pickle
import re
import struct
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
from django.core.management import call_command
from openpyxl.worksheet.dimensions import DimensionHolder

_made: dict[tuple, bytes] = {}  # (the 2022 edition's identity, file name, recipe, arguments) → the file's bytes
_loaded: dict[tuple, bytes] = {}  # the 2022 edition's identity → its export as openpyxl loaded it, pickled


def _edition_2022() -> tuple:
    """What identifies the 2022 edition in this database: its id and the moment it was published (an error if
    there is none, as the export would give)."""
    from catalog.models import Edition

    return Edition.objects.values_list("pk", "published_at").get(slug="2022")


def _recipe(function: Callable) -> tuple[str, str]:
    """A module-level function by name: one defined inside another may differ from call to call."""
    if function.__closure__ or "<" in function.__qualname__:
        raise ValueError(f"{function.__qualname__}: only a module-level function names a workbook made once")
    return function.__module__, function.__qualname__


def _made_once(name: str, make: Callable[..., None], *args) -> bytes:
    """The bytes `make(path, *args)` writes to a file called `name`, from the first call of the process on."""
    key = (_edition_2022(), name, _recipe(make), *(_recipe(a) if callable(a) else a for a in args))
    if key not in _made:
        with tempfile.TemporaryDirectory() as folder:
            target = Path(folder) / name
            make(target, *args)
            _made[key] = target.read_bytes()
    return _made[key]


def once(tmp_path: Path, name: str, make: Callable[..., None], *args) -> Path:
    """tmp_path / `name` as the module-level function `make(path, *args)` writes it from the 2022 edition: made by
    the first test of the process that asks, written from memory for the others."""
    target = tmp_path / name
    target.write_bytes(_made_once(name, make, *args))
    return target


def _export_2022(target: Path) -> None:
    call_command("export_catalogue", "-o", str(target), "--edition", "2022")


def official_2022(tmp_path: Path) -> Path:
    """The official 2022 workbook as exported."""
    return once(tmp_path, "2022.xlsx", _export_2022)


def official_workbook() -> openpyxl.Workbook:
    """The official 2022 workbook as `openpyxl.load_workbook` gives it, a new object each time: loaded once per
    process, then unpickled (a few milliseconds instead of some fifty for parsing the file again)."""
    key = _edition_2022()
    if key not in _loaded:
        loaded = openpyxl.load_workbook(io.BytesIO(_made_once("2022.xlsx", _export_2022)))
        buffer = io.BytesIO()
        pickler = pickle.Pickler(buffer, pickle.HIGHEST_PROTOCOL)
        pickler.dispatch_table = {**copyreg.dispatch_table, DimensionHolder: _reduce_dimensions}
        pickler.dump(loaded)
        _loaded[key] = buffer.getvalue()
    return pickle.loads(_loaded[key])


def _reduce_dimensions(holder: DimensionHolder) -> tuple:
    """A sheet's row or column dimensions, pickled whole: a defaultdict subclass pickles as
    `DimensionHolder(default_factory)`, which would make the factory its worksheet and leave it none, so that
    `row_dimensions[5]` of a row without one raises KeyError instead of adding it."""
    arguments = (holder.worksheet, holder.reference, holder.default_factory)
    return type(holder), arguments, vars(holder), None, iter(holder.items())


def edited_2022(tmp_path: Path, change, name: str = "edited.xlsx") -> Path:
    """The 2022 workbook with `change(workbook)` applied (an openpyxl workbook), saved as `name` by openpyxl, as
    a spreadsheet program saves what a clerk typed."""
    workbook = official_workbook()
    change(workbook)
    target = tmp_path / name
    workbook.save(target)
    return target


def _edited_2022(target: Path, change) -> None:
    edited_2022(target.parent, change, target.name)


def edited_2022_once(tmp_path: Path, change, name: str = "edited.xlsx") -> Path:
    """As edited_2022, for a `change` that is a module-level function: edited and saved once per process."""
    return once(tmp_path, name, _edited_2022, change)


def add_item(workbook: openpyxl.Workbook, name: str) -> None:
    """One new item (序号 214, 市发改委) at the end of section (一)."""
    sheet = workbook.worksheets[0]
    sheet.insert_rows(sheet.max_row - 3)  # before the footnotes
    row = sheet.max_row - 4
    for column, value in enumerate([214, name, None, "行政许可", "市发改委", "首次划转", "基本目录外事项"], 1):
        sheet.cell(row, column).value = value
    recount(sheet, 214)


def _with_new_item(target: Path, name: str) -> None:
    edited_2022(target.parent, lambda workbook: add_item(workbook, name), target.name)


def with_new_item(tmp_path: Path, name: str) -> Path:
    """The 2022 workbook with one new item (序号 214, 市发改委) at the end of section (一)."""
    return once(tmp_path, "adjusted.xlsx", _with_new_item, name)


def return_item(workbook: openpyxl.Workbook) -> None:
    """企业投资项目核准 (SZ-0002) goes back to 市发改委 (section (二), 序号 91), and section (一) lists a new
    item 企业投资项目核准（改） in its place."""
    workbook.worksheets[1].append([91, "企业投资项目核准", "行政许可", "市发改委", "首次划转", "基本目录事项", "退回"])
    workbook.worksheets[0]["B5"] = "企业投资项目核准（改）"
    recount(workbook.worksheets[1], 91)


def with_item_returned(tmp_path: Path) -> Path:
    """The 2022 workbook edited by `return_item`: SZ-0002 goes back to 市发改委, a new item in its place."""
    return edited_2022_once(tmp_path, return_item, "returned.xlsx")


def recount(sheet, items: int) -> None:
    """Make the count in the sheet's section heading "（N项）" say `items`, as a clerk adding rows would."""
    for (cell,) in sheet.iter_rows(max_col=1, max_row=5):
        if isinstance(cell.value, str) and cell.value.startswith(("（一）", "（二）")):
            cell.value = re.sub(r"（\d+项）", f"（{items}项）", cell.value)
            return
    raise AssertionError("no section heading on the sheet")


def with_raw_cells(path: Path, replacements: dict[bytes, bytes]) -> Path:
    """`path` with its sheets' XML bytes replaced: for values no spreadsheet program writes (1e400, nan)."""
    parts = {}
    with zipfile.ZipFile(path) as source:
        for member in source.infolist():
            data = source.read(member.filename)
            if member.filename.startswith("xl/worksheets/"):
                for old, new in replacements.items():
                    data = data.replace(old, new)
            parts[member] = data
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for member, data in parts.items():
            target.writestr(member, data)
    return path


def encrypted_workbook(target: Path) -> Path:
    """What Excel saves for a workbook with an opening password: an OLE compound file (version 3, 512-byte
    sectors) whose streams EncryptionInfo and EncryptedPackage hold the encrypted xlsx (here stand-in bytes)."""
    end, free, fat_sector = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    streams = [
        ("EncryptionInfo", b"\x04\x00\x04\x00\x40\x00\x00\x00".ljust(4096, b"\0")),
        ("EncryptedPackage", b"\0" * 4096),
    ]
    fat = [fat_sector, end]  # sector 0: this table; sector 1: the directory; then each stream's 8 sectors
    entries = [_directory_entry("Root Entry", 5, child=1, start=end, size=0)]
    for index, (name, data) in enumerate(streams):
        first = len(fat)
        fat += [*range(first + 1, first + 8), end]
        entries.append(
            _directory_entry(
                name, 2, right=index + 2 if index + 1 < len(streams) else free, start=first, size=len(data)
            )
        )
    entries.append(b"\0" * 64 + struct.pack("<HBBIII", 0, 0, 0, free, free, free) + b"\0" * 48)
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + bytes(16)
        + struct.pack("<5H6x", 0x3E, 3, 0xFFFE, 9, 6)  # version 3.62, little-endian, 2**9 and 2**6 byte sectors
        # directory sectors (0 in version 3), FAT sectors, first directory sector, transaction, mini-stream
        # cutoff, first mini-FAT sector, mini-FAT sectors, first DIFAT sector, DIFAT sectors; then the DIFAT
        + struct.pack("<9I", 0, 1, 1, 0, 4096, end, 0, end, 0)
        + struct.pack("<109I", 0, *[free] * 108)
    )
    table = struct.pack(f"<{len(fat)}I", *fat).ljust(512, b"\xff")
    target.write_bytes(header + table + b"".join(entries) + b"".join(data for _name, data in streams))
    return target


def _directory_entry(
    name: str, kind: int, *, child: int = 0xFFFFFFFF, right: int = 0xFFFFFFFF, start: int, size: int
) -> bytes:
    encoded = (name + "\0").encode("utf-16-le")
    return (
        encoded.ljust(64, b"\0")
        + struct.pack("<HBBIII", len(encoded), kind, 1, 0xFFFFFFFF, right, child)
        + b"\0" * 36
        + struct.pack("<IQ", start, size)
    )


def with_many_new_items(tmp_path: Path, count: int, *, returned: bool = False) -> Path:
    """The 2022 catalogue with `count` new items (序号 214 on, 市发改委, 首次划转) after section (一)'s rows;
    with `returned`, 企业投资项目核准 (SZ-0002) goes back to 市发改委 as well, as in with_item_returned."""
    return once(tmp_path, "big.xlsx", _many_new_items, count, returned)


def _many_new_items(target: Path, count: int, returned: bool) -> None:
    from catalog.exports.xlsx import write_xlsx
    from catalog.models import Edition
    from catalog.rows import Row
    from catalog.tables import edition_table

    table = edition_table(Edition.objects.get(slug="2022"))
    first, second = (list(section.rows) for section in table.sections)
    first += [
        Row(214 + n, f"批量新增事项{n:05d}", "", "行政许可", "市发改委", "首次划转", "基本目录外事项", "")
        for n in range(count)
    ]
    if returned:  # as with_item_returned: a new item in its place in section (一)
        first = [
            row._replace(main_name="企业投资项目核准（改）") if row.item_code == "SZ-0002" else row for row in first
        ]
        second.append(Row(91, "企业投资项目核准", "", "行政许可", "市发改委", "首次划转", "基本目录事项", "退回"))
    table.sections[0].rows, table.sections[1].rows = first, second
    for section in table.sections:
        section.heading = re.sub(r"（\d+项）", f"（{len({row.number for row in section.rows})}项）", section.heading)
    write_xlsx(table, target)
