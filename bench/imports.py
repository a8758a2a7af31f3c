"""Import figures: the official-layout import against django-import-export, new rows and changed rows."""

from __future__ import annotations

import signal
import time

import tablib

from approvals.models import ApprovalItem, Department, Jurisdiction
from approvals.resources import ItemResource
from bench import OUT
from bench.iie import NewItemResource
from catalog.exports.xlsx import write_xlsx
from catalog.imports.official import import_official
from catalog.imports.sheets import sheet_rows
from catalog.models import Entry
from catalog.tables import Row, Section, Table


def _place(code: str, prefix: str) -> Jurisdiction:
    template = Jurisdiction.objects.get(code="bench-000")
    place = Jurisdiction.objects.create(
        code=code, name=code, level="county", code_prefix=prefix, parent=template.parent
    )
    Department.objects.bulk_create(
        Department(
            jurisdiction=place,
            slug=f"{code}-{d.position}",
            short_name=d.short_name,
            full_name=d.full_name,
            is_bureau=d.is_bureau,
            position=d.position,
        )
        for d in template.departments.all()
    )
    return place


def _rows(flip: bool = False) -> list[Row]:
    """Every row of the bench edition as section (一) of a new table, each name made unique."""
    rows, number, previous = [], 0, None
    entries = (
        Entry.objects.filter(edition__slug="bench")
        .order_by("section", "row")
        .values_list("section", "number", "main_name", "sub_name", "item_type", "departments", "batch", "base")
    )
    for section, printed, main, sub, kind, departments, batch, base in entries.iterator(chunk_size=5000):
        if (section, printed) != previous:
            number += 1
            previous = (section, printed)
        if flip:
            base = "基本目录外事项" if base == "基本目录事项" else "基本目录事项"
        suffix = f"·{number}"
        rows.append(
            Row(number, main[: 60 - len(suffix)] + suffix, sub, kind, departments, batch, base, "更新" if flip else "")
        )
    return rows


def _workbook(name: str, rows: list[Row]):
    path = OUT / name
    write_xlsx(Table("基准测试导入", [Section(1, "（一）基准测试", rows, ["备注："]), Section(2, "（二）", [])]), path)
    return path


def forget() -> None:
    """Remove what an earlier run's import measurements wrote, keeping the generated items."""
    from approvals.models import ItemDepartment, Transfer
    from catalog.models import Edition

    places = Jurisdiction.objects.filter(code__in=["bench-new", "bench-iie"])
    items = ApprovalItem.objects.filter(jurisdiction__in=places)
    Entry.objects.filter(edition__slug__startswith="bench-import").delete()  # drafts: not frozen
    Edition.objects.filter(slug__startswith="bench-import").delete()
    items.update(intake=None)
    Transfer.objects.filter(item__in=items).delete()
    ItemDepartment.objects.filter(item__in=items).delete()
    items.filter(parent__isnull=False).delete()
    items.delete()
    Department.objects.filter(jurisdiction__in=places).delete()
    places.delete()


def _bounded(seconds: int, call) -> tuple[float, bool]:
    """(seconds taken, stopped): `call()` is stopped after `seconds`; its transaction then rolls back."""

    fired = []

    def stop(signum, frame):
        fired.append(True)
        raise TimeoutError

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    started = time.perf_counter()
    try:
        call()
    except Exception:
        if not fired:
            raise
        return float(seconds), True  # however the library reported it (it may wrap the error)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return time.perf_counter() - started, False


def _library(figures: dict, key: str, seconds: int, call, progress, what: str) -> None:
    taken, stopped = _bounded(seconds, call)
    figures[key] = round(taken, 3)
    if stopped:
        figures[f"{key.removesuffix('_s')}_stopped"] = True  # a lower bound: the library had not finished
        progress(f"  django-import-export {what}：{seconds} s 后仍未完成，已停止（计为下限）")
    else:
        progress(f"  django-import-export {what}：{figures[key]} s")


def read_limit(path) -> float:
    """Seconds for a bare read of the workbook with the import's own reader: every cell of every row of
    every sheet, nothing checked or kept. What no import of that file can go below."""
    import openpyxl

    started = time.perf_counter()
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=False)
    cells = 0
    try:
        for sheet in workbook.worksheets:
            for row in sheet_rows(sheet):
                cells += sum(1 for cell in row.cells if cell is not None and cell.value is not None)
    finally:
        workbook.close()
    assert cells, "the workbook read as empty"
    return time.perf_counter() - started


def measure(n: int, progress=print, library_timeout: int = 1800, library: bool = True) -> dict:
    """The import figures; without `library`, only our own imports (django-import-export's take minutes)."""
    figures: dict[str, float | int] = {}
    rows = _rows()
    figures["import_rows"] = len(rows)
    place = _place("bench-new", "BNW")
    path = _workbook("import-new.xlsx", rows)
    figures["read_limit_s"] = round(read_limit(path), 3)
    progress(f"  读取上限（同一读取器，只读不查）：{figures['read_limit_s']} s")
    started = time.perf_counter()
    report = import_official(path, slug="bench-import", jurisdiction=place)
    figures["import_new_s"] = round(time.perf_counter() - started, 3)
    progress(f"  导入新事项：{len(report.added)} 项，{figures['import_new_s']} s")

    baseline_place = _place("bench-iie", "BIE")
    dataset = tablib.Dataset(headers=["code", "jurisdiction", "name", "item_type", "in_base_catalogue", "remarks"])
    for item in (
        ApprovalItem.objects.filter(jurisdiction=place)
        .values_list("code", "name", "item_type", "in_base_catalogue")
        .iterator()
    ):
        dataset.append([item[0].replace("BNW", "BIE"), baseline_place.code, item[1], item[2], item[3], ""])

    def import_new() -> None:
        # raise_errors: the first error (the timeout's included) ends the import and rolls it back.
        result = NewItemResource().import_data(dataset, dry_run=False, use_transactions=True, raise_errors=True)
        assert not result.has_errors() and not result.has_validation_errors(), "django-import-export refused the rows"

    if library:
        _library(figures, "iimport_new_s", library_timeout, import_new, progress, f"导入新事项 {len(dataset)} 行")

    changed = _workbook("import-update.xlsx", _rows(flip=True))
    started = time.perf_counter()
    report = import_official(changed, slug="bench-import-2", jurisdiction=place)
    figures["import_update_s"] = round(time.perf_counter() - started, 3)
    progress(f"  导入变更：{len(report.changed)} 项，{figures['import_update_s']} s")
    if not library:
        return figures

    # The rows our update import just changed, changed back: the same rows, whether or not the
    # library's own import of new rows above finished.
    exported = ItemResource().export(queryset=ApprovalItem.objects.filter(jurisdiction=place))
    column = exported.headers.index("属于基本目录")
    remarks = exported.headers.index("备注")
    updated = tablib.Dataset(headers=exported.headers)
    for row in exported:
        row = list(row)
        row[column] = "否" if row[column] == "是" else "是"
        row[remarks] = "更新"
        updated.append(row)

    def import_update() -> None:
        result = ItemResource().import_data(
            updated, dry_run=False, use_transactions=True, rollback_on_validation_errors=True, raise_errors=True
        )
        assert not result.has_errors() and not result.has_validation_errors(), "django-import-export refused"

    _library(figures, "iimport_update_s", library_timeout, import_update, progress, f"导入变更 {len(updated)} 行")
    return figures
