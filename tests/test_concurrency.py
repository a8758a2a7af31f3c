"""Two clerks at once: no lost update, no duplicate, no half-written state (PostgreSQL row locks)."""

import datetime
import threading

import pytest
from django.db import connection

from approvals import services
from approvals.models import ApprovalItem, ItemStatus, ItemType, Jurisdiction, PolicyDocument, Transfer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("official_data")]


def _race(*calls):
    """Run the calls in threads that start together; return what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # the loser's refusal is the result under test
            results[index] = error
        finally:
            connection.close()  # each thread has its own connection; leave none open

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_clerks_returning_the_same_item_write_one_event(postgres):
    document = PolicyDocument.objects.get(number="朔政发〔2022〕20号")
    item = ApprovalItem.objects.get(code="SZ-0212")

    def return_it():
        return services.item_return(item=item, effective_on=datetime.date(2024, 1, 1), document=document)

    results = _race(return_it, return_it)
    refused = [r for r in results if isinstance(r, services.TransitionRefused)]
    written = [r for r in results if isinstance(r, list)]
    assert (len(written), len(refused)) == (1, 1), results
    events = Transfer.objects.filter(item__code__startswith="SZ-0212", kind=Transfer.Kind.RETURN)
    assert events.count() == 3  # the main item and its two sub-items, once each
    assert set(ApprovalItem.objects.filter(code__startswith="SZ-0212").values_list("status", flat=True)) == {
        ItemStatus.RETURNED
    }


def test_two_clerks_creating_items_at_once_get_distinct_codes(postgres):
    city = Jurisdiction.objects.get(code="shuozhou")

    def create(name):
        return lambda: services.item_create(
            jurisdiction=city, name=name, item_type=ItemType.LICENSING, source_text="省政府下放"
        )

    results = _race(*(create(f"并发新增事项{i}") for i in range(4)))
    assert all(isinstance(r, ApprovalItem) for r in results), results
    assert sorted(r.code for r in results) == ["SZ-0304", "SZ-0305", "SZ-0306", "SZ-0307"]
    assert Jurisdiction.objects.get(code="shuozhou").item_counter == 307


def test_two_clerks_importing_the_same_adjustment_create_the_item_once(postgres, tmp_path):
    from catalog.imports.official import import_official
    from tests.workbooks import with_new_item

    target = with_new_item(tmp_path, "并发导入新事项")

    results = _race(
        lambda: import_official(target, slug="first-clerk"), lambda: import_official(target, slug="second-clerk")
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert ApprovalItem.objects.filter(name="并发导入新事项").count() == 1
    assert sorted(len(r.added) for r in results) == [0, 1]  # the second saw the first's item and matched it


def test_two_clerks_saving_the_same_item_at_once_get_one_save_and_one_stale_message(postgres, monkeypatch):
    """Through the admin, in two threads whose forms are both checked before either saves: never a 500."""
    from django.contrib.auth.models import User
    from django.test import Client
    from django.urls import reverse

    from approvals.admin.forms import STALE_MESSAGE, ApprovalItemForm
    from approvals.models import StaffProfile

    city = Jurisdiction.objects.get(code="shuozhou")
    clients = []
    for name in ("clerk_a", "clerk_b"):
        # Superusers: the groups of the data migration are gone once a transactional test has emptied the database.
        user = User.objects.create_user(name, is_staff=True, is_superuser=True)
        StaffProfile.objects.create(user=user, jurisdiction=city)
        client = Client(raise_request_exception=False)
        client.force_login(user)
        clients.append(client)
    item = ApprovalItem.objects.get(code="SZ-0001")
    url = reverse("admin:approvals_approvalitem_change", args=[item.pk])
    from tests.test_admin import _post_data

    forms = [_post_data(c.get(url).context["adminform"].form, item, name=f"同时保存{i}") for i, c in enumerate(clients)]
    both_checked = threading.Barrier(2, timeout=10)
    checked = ApprovalItemForm.clean

    def clean_and_wait(form):
        cleaned = checked(form)
        try:
            both_checked.wait()
        except threading.BrokenBarrierError:  # the retry after the lost race passes alone
            pass
        return cleaned

    monkeypatch.setattr(ApprovalItemForm, "clean", clean_and_wait)
    results = _race(*(lambda c=c, data=data: c.post(url, data) for c, data in zip(clients, forms, strict=True)))
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200, 302], results
    loser = next(r for r in results if r.status_code == 200)
    assert str(STALE_MESSAGE) in loser.content.decode()
    winner = forms[[r.status_code for r in results].index(302)]["name"]
    assert ApprovalItem.objects.get(pk=item.pk).name == winner
