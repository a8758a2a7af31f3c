"""The official import's plan as a pure function of the file's rows and a register snapshot.

No test here has the database: pytest-django refuses any query, so each one also shows that
`make_plan` makes none.
"""

import datetime

import pytest

from catalog.imports.plan import Change, DepartmentChange, Intake, Listed
from catalog.imports.planner import make_plan
from catalog.imports.snapshot import KnownDepartment, KnownDocument, KnownItem, Snapshot
from catalog.imports.workbook import ParsedRow, ParsedWorkbook, Problem

FDRC, MARKET, EDUCATION = (
    KnownDepartment(1, "市发改委"),
    KnownDepartment(2, "市市场监督管理局"),
    KnownDepartment(3, "市教育局"),
)
FIRST = KnownDocument(10, "首次划转", datetime.date(2020, 5, 1))
SECOND = KnownDocument(11, "二次划转", datetime.date(2022, 8, 9))
NO_DOCUMENT = Problem(
    "",
    None,
    None,
    "本次调整包含退回原部门的事项，需要依据文件（导入页面选择或登记；命令行用 --document）。",
)


def _item(pk, code, name, departments=(1,), status="bureau", parent_id=None, **fields):
    values = {"item_type": "licensing", "in_base_catalogue": True, "remarks": "", "source_text": "", **fields}
    return KnownItem(pk, code, name, parent_id, status, department_ids=departments, **values)


REGISTER = (
    _item(1, "SZ-0001", "招标方案核准"),
    _item(2, "SZ-0002", "企业投资项目核准"),
    _item(3, "SZ-0003", "政府投资项目审批"),
    _item(4, "SZ-0003-01", "项目建议书审批", parent_id=3),
    _item(5, "SZ-0003-02", "初步设计审批", parent_id=3),
    _item(6, "SZ-0004", "校车使用许可", departments=(3,), status="returned", in_base_catalogue=False),
    _item(7, "SZ-0005", "食品经营许可", departments=(2,)),
    _item(8, "SZ-0006", "已取消的许可", status="cancelled"),
)


def _snapshot(items=REGISTER, taken=()):
    names = {d.short_name: d for d in (FDRC, MARKET, EDUCATION)} | {"市市场监管局": MARKET}
    batches = {FIRST.batch_label: FIRST, SECOND.batch_label: SECOND}
    return Snapshot(1, tuple(items), names, batches, frozenset(taken))


def _workbook(section1, section2=(("校车使用许可", "", "市教育局", "基本目录外事项", "退回"),)):
    """Rows as (main, sub, departments, base, remarks), optionally a sixth: the batch; "" main: a sub-item row."""
    rows, number = [], {1: 0, 2: 0}
    for section, cells in [(1, row) for row in section1] + [(2, row) for row in section2]:
        main, sub, departments, base, remarks, batch = (*cells, "首次划转")[:6]
        first = bool(main)
        number[section] += first
        main = main or rows[-1].main_name
        line = len(rows) + 4
        rows.append(
            ParsedRow(
                "表", line, section, number[section], first, main, sub, "行政许可", departments, batch, base, remarks
            )
        )
    return ParsedWorkbook(title="调整目录", headings={1: "（一）", 2: "（二）"}, notes=["备注："], rows=rows)


AS_IS = [
    ("招标方案核准", "", "市发改委", "基本目录事项", ""),
    ("企业投资项目核准", "", "市发改委", "基本目录事项", ""),
    ("政府投资项目审批", "项目建议书审批", "市发改委", "基本目录事项", ""),
    ("", "初步设计审批", "市发改委", "基本目录事项", ""),
    ("食品经营许可", "", "市市场监管局", "基本目录事项", ""),
]


def _plan(section1=AS_IS, section2=None, *, snapshot=None, document_id=99, slug="next"):
    parsed = _workbook(section1) if section2 is None else _workbook(section1, section2)
    return make_plan(parsed, snapshot or _snapshot(), slug=slug, document_id=document_id)


def test_a_file_that_lists_the_register_as_it_is_plans_nothing_but_the_draft():
    plan = _plan()
    assert (plan.added, plan.returned, plan.brought_back, plan.changed, plan.problems) == ((), (), (), (), ())
    assert (plan.unchanged, plan.intakes, plan.returns) == (5, (), ())
    assert [(row.section, row.cells.item_code, row.new_item) for row in plan.rows] == [
        (1, "SZ-0001", None),
        (1, "SZ-0002", None),
        (1, "SZ-0003-01", None),
        (1, "SZ-0003-02", None),
        (1, "SZ-0005", None),
        (2, "SZ-0004", None),
    ]
    assert (plan.draft.title, plan.draft.headings, plan.draft.notes) == ("调整目录", ("（一）", "（二）"), ("备注：",))


def test_an_item_moved_to_section_two_is_returned_with_its_sub_items():
    section2 = [
        ("校车使用许可", "", "市教育局", "基本目录外事项", "退回"),
        ("政府投资项目审批", "", "市发改委", "基本目录事项", "退回"),
    ]
    plan = _plan([row for row in AS_IS if row[1] not in ("项目建议书审批", "初步设计审批")], section2)
    assert plan.returned == (Listed(3, "SZ-0003", "政府投资项目审批（市发改委）"),)
    assert (plan.returns, plan.intakes, plan.problems) == ((3, 4, 5), (), ())


def test_a_return_without_a_document_is_planned_whole_with_the_problem():
    section1 = [row for row in AS_IS if row[0] != "企业投资项目核准"]
    section2 = [
        ("校车使用许可", "", "市教育局", "基本目录外事项", "退回"),
        ("企业投资项目核准", "", "市发改委", "基本目录事项", "退回"),
    ]
    plan = _plan(section1, section2, document_id=None)
    assert plan.problems == (NO_DOCUMENT,) and plan.previewable
    assert (plan.returned, plan.returns, plan.unchanged) == (
        (Listed(2, "SZ-0002", "企业投资项目核准（市发改委）"),),
        (2,),
        4,
    )
    assert len(plan.rows) == 6


def test_a_returned_item_listed_in_section_one_comes_back_on_the_adjustments_date():
    plan = _plan([*AS_IS, ("校车使用许可", "", "市教育局", "基本目录外事项", "", "二次划转")], section2=[])
    assert plan.brought_back == (Listed(6, "SZ-0004", "校车使用许可（市教育局）"),)
    assert plan.intakes == (Intake("transfer", 11, False, (6,)),)


def test_new_items_are_planned_with_their_sub_items_and_their_batch():
    section1 = [
        *AS_IS,
        ("新事项", "新子项一", "市发改委、市市场监管局", "基本目录外事项", "备注一"),
        ("", "新子项二", "市发改委", "基本目录外事项", ""),
        ("承接事项", "", "省政府下放", "基本目录外事项", "承接省政府下放职权", "承接"),
    ]
    plan = _plan(section1)
    new, accepted = plan.added
    assert (new.name, new.department_ids, new.remarks, new.in_base_catalogue) == ("新事项", (1, 2), "", False)
    assert [(c.name, c.department_ids, c.remarks) for c in new.children] == [
        ("新子项一", (1, 2), "备注一"),
        ("新子项二", (1,), ""),
    ]
    assert (accepted.department_ids, accepted.source_text, accepted.remarks) == ((), "省政府下放", "承接省政府下放职权")
    assert plan.intakes == (
        Intake("transfer", 10, True, (new, *new.children)),
        Intake("accept", None, True, (accepted,)),
    )
    assert [row.new_item for row in plan.rows[5:8]] == [*new.children, accepted]
    assert [row.cells.item_code for row in plan.rows[5:8]] == ["", "", ""]


def test_a_sub_item_name_repeated_under_a_new_main_item_makes_one_sub_item_both_rows_print():
    section1 = [
        *AS_IS,
        ("新事项", "新子项", "市发改委", "基本目录外事项", ""),
        ("", "新子项", "市发改委", "基本目录外事项", ""),
    ]
    plan = _plan(section1)
    (new,) = plan.added
    assert [child.name for child in new.children] == ["新子项"]
    assert [row.new_item for row in plan.rows[5:7]] == [new.children[0]] * 2


def test_a_new_sub_item_of_a_listed_main_item_hangs_under_it():
    section1 = [*AS_IS[:4], ("", "竣工验收", "市发改委", "基本目录事项", ""), AS_IS[4]]
    plan = _plan(section1)
    (new,) = plan.added
    assert (new.label, new.name, new.parent_id) == ("政府投资项目审批（市发改委） / 竣工验收", "竣工验收", 3)
    assert plan.intakes == (Intake("transfer", 10, True, (new,)),)
    assert plan.rows[4].new_item == new


def test_changes_are_typed_by_what_changes():
    section1 = [
        ("招标方案核准", "", "市发改委", "基本目录外事项", "新备注"),
        AS_IS[1],
        AS_IS[2],
        ("", "初步设计审批", "市发改委、市市场监管局", "基本目录事项", ""),
        ("食品经营许可", "", "市发改委", "基本目录事项", ""),
    ]
    plan = _plan(section1)
    assert plan.changed == (
        Change(1, "SZ-0001", "招标方案核准（市发改委）", in_base_catalogue=(True, False), remarks=("", "新备注")),
        Change(
            5,
            "SZ-0003-02",
            "政府投资项目审批（市发改委） / 初步设计审批",
            departments=DepartmentChange((1, 2), "市发改委", "市发改委、市市场监督管理局"),
        ),
        Change(
            7, "SZ-0005", "食品经营许可（市发改委）", departments=DepartmentChange((1,), "市市场监督管理局", "市发改委")
        ),
    )
    assert [c.item_id for c in plan.base_changed] == [1] and [c.item_id for c in plan.remarks_changed] == [1]
    assert [c.item_id for c in plan.moved] == [5, 7] and plan.retyped == ()
    assert plan.changed[0].values() == {"in_base_catalogue": False, "remarks": "新备注"}
    assert plan.unchanged == 3  # the main item of a changed sub-item counts as unchanged, as the report says


def test_an_unknown_department_is_a_problem_of_its_row_and_nothing_is_planned():
    plan = _plan([("招标方案核准", "", "市发改局", "基本目录事项", ""), *AS_IS[1:]])
    assert [str(p) for p in plan.problems] == [
        "工作表“表”第 4 行“划转部门”列：未知的部门“市发改局”。最接近的已知部门：市发改委、市教育局、市市场监管局。"
    ]
    assert not plan.previewable and (plan.added, plan.rows, plan.unchanged) == ((), (), 0)


def test_a_cancelled_item_cannot_be_listed_again():
    plan = _plan([*AS_IS, ("已取消的许可", "", "市发改委", "基本目录事项", "")])
    assert [str(p) for p in plan.problems] == ["工作表“表”第 9 行“主项名称”列：事项“SZ-0006”已取消，不能再列入目录。"]
    assert not plan.previewable


def test_an_item_at_the_bureau_left_out_and_a_taken_slug_are_problems_of_the_whole_file():
    plan = _plan(AS_IS[1:], snapshot=_snapshot(taken={"next"}))
    assert [str(p) for p in plan.problems] == [
        "版本代码“next”已存在。",
        "登记册中由审批服务管理局实施的以下事项在文件的两部分中都没有列出，"
        "请列入第一部分或第二部分：SZ-0001 招标方案核准。",
    ]
    assert plan.previewable and plan.unchanged == 4


@pytest.mark.parametrize(
    ("slug", "message"), [("2024 版", "只能由字母、数字、连字符和下划线组成"), ("ok", "请用 --title")]
)
def test_a_bad_slug_or_no_title_is_a_problem(slug, message):
    parsed = _workbook(AS_IS)
    title = "" if slug == "ok" else None
    if slug == "ok":
        parsed.title = ""
    plan = make_plan(parsed, _snapshot(), slug=slug, title=title)
    assert any(message in p.message for p in plan.problems), plan.problems
