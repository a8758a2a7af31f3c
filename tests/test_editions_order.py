"""One order of editions: by publication date, then the moment of publishing, then id.

Two editions of one jurisdiction published on the same day: the later published is the latest, the other
is its previous edition, for the adjustment page, the editions page, the 序号 of the lists and the flags
the city's new edition puts on the counties' copies.
"""

import datetime
import io
from urllib.parse import quote

import openpyxl
import pytest
from django.core.cache import cache

from approvals import services
from approvals.models import ApprovalItem, Jurisdiction, PolicyDocument
from catalog.adjustment_notice import notice_title
from catalog.counties import county_derive
from catalog.models import Edition
from catalog.publishing import edition_compile, edition_publish
from public import selectors

pytestmark = pytest.mark.django_db

DAY = datetime.date(2024, 6, 30)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # the latest editions are cached for a minute
    yield
    cache.clear()


@pytest.fixture
def city() -> Jurisdiction:
    return Jurisdiction.objects.get(code="shuozhou")


@pytest.fixture
def notice(city) -> PolicyDocument:
    return PolicyDocument.objects.create(
        jurisdiction=city, number="朔政发〔2024〕3号", title="调整通知", batch_label="三次划转", issued_on=DAY
    )


def _return(code: str, notice: PolicyDocument, clerk) -> None:
    services.item_return(item=ApprovalItem.objects.get(code=code), effective_on=DAY, document=notice, user=clerk)


def _compile(slug: str, city: Jurisdiction) -> Edition:
    return edition_compile(slug=slug, title=f"{slug}年版", jurisdiction=city, on=DAY)


@pytest.fixture
def morning_and_noon(city, notice, clerk, publisher) -> tuple[Edition, Edition]:
    """Two editions published on DAY: 2024a returns 招标方案核准 (SZ-0001), 2024b then also
    道路危险货物运输从业资格认定 (SZ-0100)."""
    _return("SZ-0001", notice, clerk)
    morning = edition_publish(edition=_compile("2024a", city), user=publisher)
    _return("SZ-0100", notice, clerk)
    noon = edition_publish(edition=_compile("2024b", city), user=publisher)
    return morning, noon


def test_publishing_records_the_moment(morning_and_noon):
    morning, noon = morning_and_noon
    assert morning.published_on == noon.published_on == DAY
    assert morning.published_at < noon.published_at


def test_the_later_published_is_the_latest_and_the_other_its_previous(city, morning_and_noon):
    morning, noon = morning_and_noon
    official = Edition.objects.get(slug="2022")
    assert Edition.objects.latest_published(city) == noon
    assert (noon.previous(), morning.previous(), official.previous()) == (morning, official, None)
    assert [e.slug for e in Edition.objects.in_publication_order()] == ["2022", "2024a", "2024b"]
    assert selectors.latest_editions()[city.pk] == noon.pk


def test_the_moment_decides_and_not_the_id(city, notice, clerk, publisher):
    _return("SZ-0001", notice, clerk)
    first_compiled, second_compiled = _compile("2024a", city), _compile("2024b", city)
    edition_publish(edition=second_compiled, user=publisher)
    edition_publish(edition=first_compiled, user=publisher)
    assert first_compiled.pk < second_compiled.pk
    assert Edition.objects.latest_published(city).slug == "2024a"
    assert Edition.objects.get(slug="2024a").previous().slug == "2024b"
    assert Edition.objects.get(slug="2024b").previous().slug == "2022"
    assert selectors.latest_editions()[city.pk] == first_compiled.pk


def test_a_draft_follows_the_latest_published(city, morning_and_noon):
    assert _compile("2024c", city).previous() == morning_and_noon[1]


def test_the_adjustment_page_compares_an_edition_with_the_one_published_before_it_that_day(client, morning_and_noon):
    morning, noon = morning_and_noon
    response = client.get("/editions/2024b/adjustment/")
    assert response.status_code == 200
    adjustment = response.context["adjustment"]
    assert (adjustment.old, adjustment.new) == (morning, noon)
    assert [(c.category, c.code, c.name, c.before, c.after, c.basis) for c in adjustment.changes] == [
        ("returned", "SZ-0100", "道路危险货物运输从业资格认定", "首次划转", "", "朔政发〔2024〕3号 2024-06-30")
    ]
    earlier = client.get("/editions/2024a/adjustment/").context["adjustment"]
    assert (earlier.old.slug, [(c.category, c.code) for c in earlier.changes]) == ("2022", [("returned", "SZ-0001")])
    assert client.get("/editions/2022/adjustment/").status_code == 404
    notice = client.get("/editions/2024b/adjustment/", {"format": "notice"})
    assert notice["Content-Disposition"] == "attachment; filename*=utf-8''" + quote(f"{notice_title(adjustment)}.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(notice.streaming_content))).active
    assert [sheet["A4"].value, sheet["B6"].value] == ["一、退回原部门 1 项", "道路危险货物运输从业资格认定"]


def test_the_editions_page_lists_the_newest_first_each_with_its_previous(client, morning_and_noon):
    response = client.get("/editions/")
    editions = response.context["editions"]
    assert [(e.slug, e.previous_edition.slug if e.previous_edition else None) for e in editions] == [
        ("2024b", "2024a"),
        ("2024a", "2022"),
        ("2022", None),
    ]
    page = response.content.decode()
    official = Edition.objects.get(slug="2022").title
    assert '<a href="/editions/2024b/adjustment/">与上一版（2024a年版）的调整对照表</a>' in page
    assert f'<a href="/editions/2024a/adjustment/">与上一版（{official}）的调整对照表</a>' in page
    assert "/editions/2022/adjustment/" not in page


def test_the_api_lists_the_editions_newest_first(client, morning_and_noon):
    editions = client.get("/api/editions/").json()["results"]
    assert [e["slug"] for e in editions] == ["2024b", "2024a", "2022"]


def test_the_county_flags_compare_with_the_same_previous_edition(city, notice, clerk, publisher, county_clerk):
    shuocheng = Jurisdiction.objects.get(code="shuocheng")
    county_derive(county=shuocheng, effective_on=datetime.date(2022, 9, 1), user=county_clerk)
    copies = ApprovalItem.objects.filter(jurisdiction=shuocheng)

    def flagged() -> list[tuple[str, str]]:
        return sorted(copies.exclude(review_reason="").values_list("derived_from__code", "review_reason"))

    _return("SZ-0001", notice, clerk)
    morning = edition_publish(edition=_compile("2024a", city), user=publisher)
    assert flagged() == [("SZ-0001", "市级2024a版：退回原部门")]
    copies.update(review_reason="")  # reviewed
    _return("SZ-0100", notice, clerk)
    noon = edition_publish(edition=_compile("2024b", city), user=publisher)
    assert noon.previous() == morning
    # Compared with 2024a, published that morning: only the item returned since then.
    assert flagged() == [("SZ-0100", "市级2024b版：退回原部门")]
