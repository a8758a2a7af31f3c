"""Probable renames in the official import: offered by the planner, confirmed by the clerk (command or admin)."""

import re
from dataclasses import replace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from approvals.models import ApprovalItem
from catalog.imports.plan import Change, Listed, ProbableRename
from catalog.imports.planner import make_plan
from catalog.imports.renames import similarity
from catalog.imports.workbook import Problem
from catalog.models import Edition, Job
from catalog.rows import CELL_FIELDS
from tests.test_access import register_hash
from tests.test_admin_import import _confirmation
from tests.test_import_plan import AS_IS, REGISTER, _item, _snapshot, _workbook
from tests.workbooks import edited_2022_once, with_item_returned

URL = "/admin/catalog/edition/import-official/"
OLD, NEW = "企业投资项目核准", "企业投资项目核准（含变更）"
RENAMED = [(NEW if row[0] == OLD else row[0], *row[1:]) for row in AS_IS]
OFFER = ProbableRename(Listed(2, "SZ-0002", f"{OLD}（市发改委）"), OLD, NEW, "licensing", "市发改委", "表", 5)
MISSING = Problem(
    "",
    None,
    None,
    "登记册中由审批服务管理局实施的以下事项在文件的两部分中都没有列出，请列入第一部分或第二部分："
    f"SZ-0002 {OLD}（可能已改名为“{NEW}”，见工作表“表”第 5 行，请确认或驳回该改名）。",
)
# As the preview shows the 2022 register's SZ-0002 renamed in section (一) of the official workbook.
PREVIEW_OFFER = ["SZ-0002", OLD, NEW, "市发改委", "行政许可"]
PREVIEW_MISSING = (
    "登记册中由审批服务管理局实施的以下事项在文件的两部分中都没有列出，请列入第一部分或第二部分："
    f"SZ-0002 {OLD}（可能已改名为“{NEW}”，见工作表“（一）划转事项”第 5 行，请确认或驳回该改名）。"
)


def _plan(section1=RENAMED, section2=None, *, register=REGISTER, renames=frozenset()):
    parsed = _workbook(section1) if section2 is None else _workbook(section1, section2)
    return make_plan(parsed, _snapshot(register), slug="next", document_id=99, renames=renames)


# The planner (no database: each test also shows it makes no query)


def test_a_vanished_item_and_a_new_one_of_like_name_are_offered_as_a_probable_rename():
    plan = _plan()
    assert plan.probable_renames == (OFFER,)
    assert plan.problems == (MISSING,)
    assert [new.name for new in plan.added] == [NEW]
    assert plan.changed == ()


def test_a_confirmed_rename_matches_the_row_to_the_item_under_its_new_name():
    plan = _plan(renames=frozenset({"SZ-0002"}))
    assert plan.probable_renames == (replace(OFFER, confirmed=True),)
    assert (plan.added, plan.problems, plan.intakes) == ((), (), ())
    assert plan.changed == (Change(2, "SZ-0002", f"{NEW}（市发改委）", name=(OLD, NEW)),)
    assert plan.renamed == plan.changed
    assert [(row.cells.item_code, row.cells.main_name, row.new_item) for row in plan.rows[:2]] == [
        ("SZ-0001", "招标方案核准", None),
        ("SZ-0002", NEW, None),
    ]


def test_the_sub_items_of_a_confirmed_rename_match_by_name_as_usual():
    section1 = [("政府投资项目审批（含变更）" if row[0] == "政府投资项目审批" else row[0], *row[1:]) for row in AS_IS]
    plan = _plan(section1, renames=frozenset({"SZ-0003"}))
    assert (plan.added, plan.problems) == ((), ())
    assert plan.renamed == (
        Change(
            3,
            "SZ-0003",
            "政府投资项目审批（含变更）（市发改委）",
            name=("政府投资项目审批", "政府投资项目审批（含变更）"),
        ),
    )
    assert [(row.cells.item_code, row.cells.main_name, row.cells.sub_name) for row in plan.rows[2:4]] == [
        ("SZ-0003-01", "政府投资项目审批（含变更）", "项目建议书审批"),
        ("SZ-0003-02", "政府投资项目审批（含变更）", "初步设计审批"),
    ]


def test_a_rename_is_not_offered_when_the_old_item_is_still_listed():
    # As tests/workbooks.py's with_item_returned: SZ-0002 goes to section (二), a new item takes its place.
    section1 = [(f"{OLD}（改）" if row[0] == OLD else row[0], *row[1:]) for row in AS_IS]
    section2 = [
        ("校车使用许可", "", "市教育局", "基本目录外事项", "退回"),
        (OLD, "", "市发改委", "基本目录事项", "退回"),
    ]
    plan = _plan(section1, section2)
    assert (plan.probable_renames, plan.problems) == ((), ())
    assert [new.name for new in plan.added] == [f"{OLD}（改）"]


def test_a_rename_is_not_offered_across_departments_or_item_types():
    other_department = [(NEW, "", "市教育局", *row[3:]) if row[0] == OLD else row for row in AS_IS]
    assert _plan(other_department).probable_renames == ()
    retyped = tuple(_item(2, "SZ-0002", OLD, item_type="confirmation") if i.pk == 2 else i for i in REGISTER)
    assert _plan(register=retyped).probable_renames == ()


def test_a_rename_is_not_offered_for_a_dissimilar_name():
    section1 = [("企业债券发行审核" if row[0] == OLD else row[0], *row[1:]) for row in AS_IS]
    plan = _plan(section1)
    assert plan.probable_renames == ()
    assert plan.problems[0].message.endswith(f"SZ-0002 {OLD}。")


def test_each_missing_item_is_offered_its_most_alike_row_only():
    section1 = [*RENAMED, (f"{OLD}（改）", "", "市发改委", "基本目录事项", "")]
    plan = _plan(section1)
    assert [(offer.item.code, offer.name) for offer in plan.probable_renames] == [("SZ-0002", f"{OLD}（改）")]
    assert sorted(new.name for new in plan.added) == sorted([NEW, f"{OLD}（改）"])


def test_a_confirmed_code_the_plan_does_not_offer_is_a_problem():
    plan = _plan(AS_IS, renames=frozenset({"SZ-0001"}))
    assert plan.problems == (Problem("", None, None, "确认改名的事项“SZ-0001”在本文件中没有可能的改名，请重新预览。"),)


@pytest.mark.parametrize(
    ("old", "new", "offered"),
    [
        (OLD, NEW, True),  # a qualifier added: ratio 0.76
        ("建设工程规划许可", "建设工程规划许可证核发", True),
        ("食品经营许可", "食品经营许可（含仅销售预包装食品备案）", True),  # ratio 0.48, but contained whole
        (OLD, "政府投资项目审批", False),  # a phrase in common: ratio 0.5
        ("核准", NEW, False),  # too short to count as contained
    ],
)
def test_names_are_alike_by_ratio_or_by_containing_the_other(old, new, offered):
    assert (similarity(old, new) is not None) is offered


# Confirmed by the command and in the admin, against the official 2022 register


def _rename(workbook):
    workbook.worksheets[0]["B5"] = NEW


def _rename_workbook(tmp_path):
    """The 2022 workbook with SZ-0002's name (section (一), B5) changed, and nothing else (saved by openpyxl once
    for the tests of the process)."""
    return edited_2022_once(tmp_path, _rename, name="renamed.xlsx")


@pytest.mark.django_db
def test_the_command_lists_the_offer_and_imports_a_confirmed_rename(tmp_path, capsys):
    path = _rename_workbook(tmp_path)
    before = (ApprovalItem.objects.count(), register_hash())
    with pytest.raises(CommandError, match=re.escape(PREVIEW_MISSING)):
        call_command("import_catalogue", str(path), "--edition", "next", "--dry-run")
    assert (
        f"  可能改名（未确认）：SZ-0002 {OLD}（市发改委）→{NEW}（工作表“（一）划转事项”第 5 行）"
        in capsys.readouterr().out
    )
    assert register_hash() == before[1]

    call_command("import_catalogue", str(path), "--edition", "next", "--rename", "SZ-0002")
    out = capsys.readouterr().out
    assert f"  改名：SZ-0002 {OLD}→{NEW}" in out
    assert f"  变更：SZ-0002 {NEW}（市发改委）：事项名称：{OLD}→{NEW}" in out
    item = ApprovalItem.objects.get(code="SZ-0002")
    assert (item.name, ApprovalItem.objects.count()) == (NEW, before[0])
    assert [record.name for record in item.history.order_by("-history_id")[:2]] == [NEW, OLD]
    entry = Edition.objects.get(slug="next").entries.get(item=item)
    cells = (entry.section, entry.row, entry.number, *(getattr(entry, name) for name in CELL_FIELDS))
    assert cells == (1, 2, 2, NEW, "", "行政许可", "市发改委", "首次划转", "基本目录事项", "")


@pytest.mark.django_db
def test_the_command_refuses_a_rename_it_does_not_offer(tmp_path):
    path = with_item_returned(tmp_path)
    with pytest.raises(CommandError, match="确认改名的事项“SZ-0002”在本文件中没有可能的改名"):
        call_command("import_catalogue", str(path), "--edition", "next", "--rename", "SZ-0002", "--dry-run")


@pytest.fixture
def _uploads_dir(settings, tmp_path):
    settings.IMPORT_UPLOADS_DIR = tmp_path / "uploads"


def _preview(client, path, **values):
    with open(path, "rb") as upload:
        return client.post(URL, {"file": upload, "slug": "next", "effective_on": "2024-03-01", **values})


def _ticked(response, **values) -> dict:
    """The re-preview form as sent with the rename's box ticked: the kept upload and the form's values."""
    form = response.context["form"]
    return {"token": form["token"].value(), "slug": "next", "effective_on": "2024-03-01", "_preview": "1", **values}


@pytest.mark.django_db
@pytest.mark.usefixtures("_uploads_dir")
def test_the_admin_offers_the_rename_applies_it_when_ticked_and_imports_it(client, clerk, tmp_path):
    client.force_login(clerk)
    before = register_hash()
    response = _preview(client, _rename_workbook(tmp_path))
    preview = response.context["preview"]
    assert preview["renames"] == [[*PREVIEW_OFFER, False]]
    assert [problem.message for problem in preview["problems"]] == [PREVIEW_MISSING]
    body = response.content.decode()
    assert "<h3>可能的改名（请确认）</h3>" in body
    assert '<input type="checkbox" name="renames" value="SZ-0002" form="import-form" id="rename-1">' in body
    assert 'class="import-confirm"' not in body  # the missing item refuses the import until the rename is confirmed

    response = client.post(URL, _ticked(response, renames="SZ-0002"))
    preview = response.context["preview"]
    assert preview["summary"] == "共 310 行：新增 0 项，退回 0 项，重新划转 0 项，变更 1 项，未变 302 项。"
    assert {heading: rows for heading, rows in preview["lists"] if rows} == {
        "改名": [("SZ-0002", f"{NEW}（市发改委）", OLD, NEW)]
    }
    assert (preview["renames"], preview["problems"]) == ([[*PREVIEW_OFFER, True]], [])
    assert 'value="SZ-0002" form="import-form" id="rename-1" checked>' in response.content.decode()
    assert register_hash() == before

    confirmation = _confirmation(response)
    assert confirmation["renames"] == "SZ-0002"
    client.post(URL, confirmation)
    item = ApprovalItem.objects.get(code="SZ-0002")
    assert (item.name, Edition.objects.get(slug="next").entries.get(item=item).main_name) == (NEW, NEW)
    assert not ApprovalItem.objects.filter(name=OLD).exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("_uploads_dir")
def test_a_ticked_rename_goes_through_the_background_jobs_params(
    client, clerk, tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_JOB_MIN_ROWS = 0
    client.force_login(clerk)
    path = _rename_workbook(tmp_path)
    with open(path, "rb") as upload, django_capture_on_commit_callbacks(execute=True):
        values = {"file": upload, "slug": "next", "effective_on": "2024-03-01", "renames": ["SZ-0002"]}
        client.post(URL, {**values, "_preview": "1"})
    job = Job.objects.get(kind=Job.Kind.IMPORT_PREVIEW)
    assert (job.status, job.params["renames"]) == ("done", ["SZ-0002"])
    response = client.get(f"{URL}?job={job.pk}")
    assert response.context["preview"]["renames"] == [[*PREVIEW_OFFER, True]]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, _confirmation(response))
    assert Job.objects.get(kind=Job.Kind.IMPORT).status == "done"
    assert ApprovalItem.objects.get(code="SZ-0002").name == NEW
