"""Deriving a county catalogue from the jurisdiction's admin page: the basis document chosen or registered in
the same form, a background job, then the alignment report; only the county's own clerks may do it."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse

from approvals.models import ApprovalItem, Jurisdiction, PolicyDocument, Transfer
from catalog.models import Edition, Job
from tests.conftest import make_user
from tests.test_jobs import register_digest

pytestmark = pytest.mark.django_db

NEW_DOCUMENT = {
    "new_number": "朔城政发〔2022〕15号",
    "new_title": "朔城区关于相对集中行政许可权改革划转事项的通知",
    "new_issuer": "朔城区人民政府",
    "new_issued_on": "2022-09-01",
}
# The city's 2022 edition, section (一): 213 main items and 17 sub-items, all at the city bureau.
DERIVED = 230


@pytest.fixture
def shuocheng():
    return Jurisdiction.objects.get(code="shuocheng")


def _derive_url(county: Jurisdiction) -> str:
    return reverse("admin:catalog_job_derive_county", args=[county.pk])


def _post(client, django_capture_on_commit_callbacks, url, data):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(url, data)


def test_the_jurisdiction_page_leads_to_the_derive(client, county_clerk, shuocheng):
    client.force_login(county_clerk)
    page = client.get(reverse("admin:approvals_jurisdiction_change", args=[shuocheng.pk])).content.decode()
    assert f'<a href="{_derive_url(shuocheng)}">从市级目录派生</a>' in page
    form = client.get(_derive_url(shuocheng))
    assert form.status_code == 200
    body = form.content.decode()
    title = Edition.objects.get(slug="2022").title
    assert f"从朔州市本级最新发布的目录“{title}”复制部门和第一部分的事项" in body
    assert "朔城区目前登记了 0 个事项。" in body
    assert list(form.context["form"].fields) == [
        "effective_on",
        "document",
        "new_number",
        "new_title",
        "new_issuer",
        "new_issued_on",
    ]


def test_a_county_clerk_derives_the_county_with_a_document_registered_in_the_form(
    client, county_clerk, shuocheng, django_capture_on_commit_callbacks
):
    client.force_login(county_clerk)
    data = {"effective_on": "2022-09-15", **NEW_DOCUMENT}
    response = _post(client, django_capture_on_commit_callbacks, _derive_url(shuocheng), data)
    job = Job.objects.get()
    assert response["Location"] == reverse("admin:catalog_job_change", args=[job.pk])
    assert (job.kind, job.status, job.error, job.jurisdiction, job.created_by) == (
        "county",
        "done",
        "",
        shuocheng,
        county_clerk,
    )
    document = PolicyDocument.objects.get(number=NEW_DOCUMENT["new_number"])
    assert (document.jurisdiction, document.title, document.issuer, str(document.issued_on)) == (
        shuocheng,
        NEW_DOCUMENT["new_title"],
        "朔城区人民政府",
        "2022-09-01",
    )
    items = ApprovalItem.objects.filter(jurisdiction=shuocheng)
    assert items.count() == DERIVED and items.filter(parent__isnull=True).count() == 213
    transfers = Transfer.objects.filter(item__jurisdiction=shuocheng)
    assert transfers.count() == DERIVED
    assert set(transfers.values_list("document__number", "effective_on")) == {
        (NEW_DOCUMENT["new_number"], datetime.date(2022, 9, 15))
    }
    alignment = reverse("admin:approvals_jurisdiction_alignment", args=[shuocheng.pk])
    assert job.result_url == alignment
    assert job.details == {
        "created": DERIVED,
        "counts": {"claimed": 213, "department": 0, "declined": 0, "undecided": 0},
    }
    assert job.result == (
        "朔城区：新建 230 个事项（含子项）。认领情况：认领（由审批服务管理局实施） 213 项（含子项 17 个）；"
        "由原部门实施 0 项；不认领 0 项；尚未认领 0 项。"
    )
    detail = client.get(response["Location"]).content.decode()
    assert f'<a class="button" href="{alignment}">查看对齐情况</a>' in detail
    report = client.get(alignment)
    assert report.context["report"].rows() == [
        ("claimed", "认领（由审批服务管理局实施）", 213, 17),
        ("department", "由原部门实施", 0, 0),
        ("declined", "不认领", 0, 0),
        ("undecided", "尚未认领", 0, 0),
    ]


def test_a_county_clerk_derives_with_a_document_already_registered(
    client, county_clerk, shuocheng, django_capture_on_commit_callbacks
):
    document = PolicyDocument.objects.create(jurisdiction=shuocheng, number="朔城政发〔2022〕9号", title="通知")
    client.force_login(county_clerk)
    _post(client, django_capture_on_commit_callbacks, _derive_url(shuocheng), {"document": document.pk})
    assert Job.objects.get().status == "done"
    assert Transfer.objects.filter(item__jurisdiction=shuocheng, document=document).count() == DERIVED


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({}, {"document": ["请选择依据文件，或者在下面登记新文件。"]}),
        ({"new_number": "朔城政发〔2022〕15号"}, {"new_title": ["登记新文件时须填写标题。"]}),
        (
            {"document": "own", **NEW_DOCUMENT},
            {"__all__": ["请选择一个已登记的依据文件，或者登记新文件，不要两者都填。"]},
        ),
        (
            {"new_number": "朔政发〔2022〕20号", "new_title": "重复"},
            {"new_number": ["文号“朔政发〔2022〕20号”已登记，请在“依据文件”中选择它。"]},
        ),
    ],
)
def test_the_form_refuses_a_missing_or_doubled_document(client, county_clerk, shuocheng, data, errors):
    own = PolicyDocument.objects.create(jurisdiction=shuocheng, number="朔城政发〔2022〕9号", title="通知")
    data = {name: own.pk if value == "own" else value for name, value in data.items()}
    client.force_login(county_clerk)
    before = register_digest()
    response = client.post(_derive_url(shuocheng), data)
    assert response.status_code == 200
    assert response.context["form"].errors == errors
    assert register_digest() == before and not Job.objects.exists()


def test_no_one_derives_a_county_that_is_not_their_own(client, county_clerk, clerk, bare_staff, shuocheng):
    huairen = Jurisdiction.objects.get(code="huairen")
    county_staff = make_user("sc_staff", jurisdiction="shuocheng")  # the county's, in no group
    nowhere = make_user("nowhere", groups=["经办人"], jurisdiction=None)
    before = register_digest()
    data = {"effective_on": "2022-09-15", **NEW_DOCUMENT}
    refusals = []
    for user, county in (
        (county_clerk, huairen),  # another county: not even there
        (county_clerk, Jurisdiction.objects.get(code="shuozhou")),  # the city is no county
        (clerk, shuocheng),  # the city's clerk reads the county, but keeps only the city's register
        (county_staff, shuocheng),  # may not add items
        (bare_staff, shuocheng),  # the city's, in no group
        (nowhere, shuocheng),  # a clerk without a jurisdiction reads no register
    ):
        client.force_login(user)
        refusals.append(
            (client.get(_derive_url(county)).status_code, client.post(_derive_url(county), data).status_code)
        )
    assert refusals == [(404, 404), (404, 404), (403, 403), (403, 403), (403, 403), (404, 404)]
    assert register_digest() == before and not Job.objects.exists()


def test_a_derive_whose_document_was_registered_meanwhile_fails_and_writes_nothing(
    client, county_clerk, shuocheng, django_capture_on_commit_callbacks, monkeypatch
):
    client.force_login(county_clerk)
    form = client.get(_derive_url(shuocheng)).context["form"]
    assert form.fields["document"].required is False
    # Between the clerk's click and the worker, someone registers the same number.
    from catalog import jobs

    def late(job_id):
        PolicyDocument.objects.create(jurisdiction=shuocheng, number=NEW_DOCUMENT["new_number"], title="另一份")
        from catalog.tasks import run_job

        run_job(job_id)

    monkeypatch.setattr(jobs, "_send", late)
    _post(client, django_capture_on_commit_callbacks, _derive_url(shuocheng), NEW_DOCUMENT)
    job = Job.objects.get()
    assert (job.status, job.error) == (
        "failed",
        "提交的内容已不再有效：文号“朔城政发〔2022〕15号”已登记，请在“依据文件”中选择它。",
    )
    assert not ApprovalItem.objects.filter(jurisdiction=shuocheng).exists()
    page = client.get(reverse("admin:catalog_job_change", args=[job.pk])).content.decode()
    assert re.search(r'<input type="submit" name="_retry"', page)
