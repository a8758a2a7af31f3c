"""Workbooks the tests build from the official 2022 export."""

import re
import struct
import zipfile
from pathlib import Path

import openpyxl
from django.core.management import call_command


def with_new_item(tmp_path: Path, name: str) -> Path:
    """The 2022 workbook with one new item (序号 214, 市发改委) at the end of section (一)."""
    source = tmp_path / "2022.xlsx"
    call_command("export_catalogue", "-o", str(source), "--edition", "2022")
    workbook = openpyxl.load_workbook(source)
    sheet = workbook.worksheets[0]
    sheet.insert_rows(sheet.max_row - 3)  # before the footnotes
    row = sheet.max_row - 4
    for column, value in enumerate([214, name, None, "行政许可", "市发改委", "首次划转", "基本目录外事项"], 1):
        sheet.cell(row, column).value = value
    recount(sheet, 214)
    target = tmp_path / "adjusted.xlsx"
    workbook.save(target)
    return target


def with_item_returned(tmp_path: Path) -> Path:
    """The 2022 workbook in which 企业投资项目核准 (SZ-0002) goes back to 市发改委 (section (二), 序号 91),
    and section (一) lists a new item 企业投资项目核准（改） in its place."""
    source = tmp_path / "2022.xlsx"
    call_command("export_catalogue", "-o", str(source), "--edition", "2022")
    workbook = openpyxl.load_workbook(source)
    workbook.worksheets[1].append([91, "企业投资项目核准", "行政许可", "市发改委", "首次划转", "基本目录事项", "退回"])
    workbook.worksheets[0]["B5"] = "企业投资项目核准（改）"
    recount(workbook.worksheets[1], 91)
    target = tmp_path / "returned.xlsx"
    workbook.save(target)
    return target


def recount(sheet, items: int) -> None:
    """Make the count in the sheet's section heading "（N项）" say `items`, as a clerk adding rows would."""
    for (cell,) in sheet.iter_rows(max_col=1, max_row=5):
        if isinstance(cell.value, str) and cell.value.startswith(("（一）", "（二）")):
            cell.value = re.sub(r"（\d+项）", f"（{items}项）", cell.value)
            return
    raise AssertionError("no section heading on the sheet")


def official_2022(tmp_path: Path) -> Path:
    """The official 2022 workbook as exported."""
    target = tmp_path / "2022.xlsx"
    call_command("export_catalogue", "-o", str(target), "--edition", "2022")
    return target


def edited_2022(tmp_path: Path, change, name: str = "edited.xlsx") -> Path:
    """The 2022 workbook with `change(workbook)` applied (an openpyxl workbook), saved as `name`."""
    workbook = openpyxl.load_workbook(official_2022(tmp_path))
    change(workbook)
    target = tmp_path / name
    workbook.save(target)
    return target


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
    target = tmp_path / "big.xlsx"
    write_xlsx(table, target)
    return target
