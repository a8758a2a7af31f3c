"""A published edition is frozen: Django refuses to add, change or remove its rows in bulk too, and the
database refuses the SQL itself (migrations 0004 and 0005); drafts stay open until they are published."""

import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, transaction

from approvals.models import ApprovalItem, Jurisdiction
from catalog.models import Edition, Entry
from catalog.publishing import edition_compile, edition_publish

pytestmark = pytest.mark.django_db

ADDED = "目录版本“2022”已发布，其条目不能增加。"
CHANGED = "目录版本“2022”已发布，其条目不能修改。"
DELETED = "目录版本“2022”已发布，其条目不能删除。"
ROWS_2022 = 310


@pytest.fixture
def published() -> Edition:
    return Edition.objects.get(slug="2022")


@pytest.fixture
def draft() -> Edition:
    city = Jurisdiction.objects.get(code="shuozhou")
    return edition_compile(slug="2024", title="2024年版", jurisdiction=city, on=datetime.date(2024, 6, 30))


def _new_row(edition: Edition, row: int) -> Entry:
    return Entry(
        edition=edition,
        section=1,
        row=row,
        number=row,
        item=ApprovalItem.objects.get(code="SZ-0001"),
        main_name="新增事项",
        item_type="行政许可",
        departments="市发改委",
        batch="首次划转",
        base="基本目录",
    )


def _refused(error: pytest.ExceptionInfo, message: str) -> bool:
    return error.value.messages == [message] and error.value.code == "published"


def _unchanged(published: Edition) -> bool:
    published.refresh_from_db()
    return (
        published.is_published
        and published.entries.count() == ROWS_2022
        and not published.entries.filter(remarks="改写").exists()
    )


class TestDjangoRefusesBulkWrites:
    def test_bulk_create_refuses_rows_for_a_published_edition_in_one_query(
        self, published, draft, django_assert_num_queries
    ):
        rows = [_new_row(draft, 900), _new_row(published, 900), _new_row(published, 901)]
        with django_assert_num_queries(1), pytest.raises(ValidationError) as error:
            Entry.objects.bulk_create(rows)
        assert _refused(error, ADDED)
        assert _unchanged(published)
        assert not draft.entries.filter(row=900).exists()

    def test_update_refuses_a_published_editions_rows(self, published, django_assert_num_queries):
        with django_assert_num_queries(1), pytest.raises(ValidationError) as error:
            Entry.objects.filter(edition__slug="2022").update(remarks="改写")
        assert _refused(error, CHANGED)
        assert _unchanged(published)

    def test_update_refuses_to_move_a_drafts_rows_into_a_published_edition(self, published, draft):
        with pytest.raises(ValidationError) as error:
            draft.entries.filter(row=1).update(edition=published, row=900)
        assert _refused(error, CHANGED)
        assert _unchanged(published)

    def test_bulk_update_refuses_a_published_editions_rows(self, published):
        rows = list(published.entries.order_by("row")[:3])
        for row in rows:
            row.remarks = "改写"
        with pytest.raises(ValidationError) as error:
            Entry.objects.bulk_update(rows, ["remarks"])
        assert _refused(error, CHANGED)
        assert _unchanged(published)

    def test_bulk_update_refuses_to_move_a_drafts_rows_into_a_published_edition(self, published, draft):
        row = draft.entries.get(section=1, row=1)
        row.edition, row.row = published, 900
        with pytest.raises(ValidationError) as error:
            Entry.objects.bulk_update([row], ["edition", "row"])
        assert _refused(error, CHANGED)
        assert _unchanged(published)

    def test_delete_refuses_a_published_editions_rows(self, published, django_assert_num_queries):
        with django_assert_num_queries(1), pytest.raises(ValidationError) as error:
            published.entries.filter(row=1).delete()
        assert _refused(error, DELETED)
        assert _unchanged(published)

    def test_save_refuses_a_new_row_and_moving_a_row_out_of_a_published_edition(self, published, draft):
        with pytest.raises(ValidationError) as error:
            _new_row(published, 900).save()
        assert _refused(error, ADDED)
        row = published.entries.get(section=1, row=1)
        row.edition, row.row = draft, 900
        with pytest.raises(ValidationError) as error:
            row.save()
        assert _refused(error, CHANGED)
        assert _unchanged(published)

    def test_an_edition_queryset_cannot_unpublish_or_delete_a_published_edition(self, published):
        with pytest.raises(ValidationError) as error:
            Edition.objects.filter(slug="2022").update(status=Edition.Status.DRAFT)
        assert error.value.messages == ["目录版本“2022”已发布，不能修改。"]
        with pytest.raises(ValidationError) as error:
            Edition.objects.filter(slug__in=["2022"]).delete()
        assert error.value.messages == ["目录版本“2022”已发布，不能删除。"]
        assert _unchanged(published)

    def test_a_drafts_rows_take_every_bulk_write_and_then_it_publishes(self, draft, publisher):
        rows = draft.entries.count()
        Entry.objects.bulk_create([_new_row(draft, 900), _new_row(draft, 901)])
        assert draft.entries.filter(section=1).filter(row__in=[1, 2, 3]).update(remarks="草稿修订") == 3
        changed = list(draft.entries.filter(row__in=[900, 901]))
        for row in changed:
            row.remarks = "草稿修订"
        assert Entry.objects.bulk_update(changed, ["remarks"]) == 2
        assert draft.entries.filter(row=901).delete()[0] == 1
        assert draft.entries.count() == rows + 1
        assert draft.entries.filter(remarks="草稿修订").count() == 4
        # Row 900 is one more main item: the heading counts it, as publishing checks (catalog/prepublication.py).
        draft.section1_heading = draft.section1_heading.replace("（213项）", "（214项）")
        draft.save()
        assert edition_publish(edition=draft, user=publisher).is_published
        with pytest.raises(ValidationError):
            draft.entries.filter(row=900).delete()

    def test_a_draft_is_published_by_a_queryset_update_and_then_frozen(self, draft):
        Edition.objects.filter(pk=draft.pk).update(status=Edition.Status.PUBLISHED)
        with pytest.raises(ValidationError) as error:
            Edition.objects.filter(pk=draft.pk).update(status=Edition.Status.DRAFT)
        assert error.value.messages == ["目录版本“2024”已发布，不能修改。"]


def _insert_row(edition_id: int, row: int) -> tuple[str, list]:
    item = ApprovalItem.objects.get(code="SZ-0001").pk
    return (
        'INSERT INTO catalog_entry (edition_id, section, "row", number, item_id, main_name, sub_name, item_type,'
        " departments, batch, base, remarks) VALUES (%s, 1, %s, %s, %s, '新增', '', '行政许可', '市发改委',"
        " '首次划转', '基本目录', '')",
        [edition_id, row, row, item],
    )


def _database_refuses(sql: str, params=()) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except IntegrityError as error:
        return "published edition is frozen" in str(error)
    return False


class TestTheDatabaseRefusesSql:
    """The same on SQLite and PostgreSQL, except DELETE: see the PostgreSQL class below."""

    def test_it_refuses_an_insert_into_a_published_edition(self, published):
        assert _database_refuses(*_insert_row(published.pk, 900))
        assert _unchanged(published)

    def test_it_refuses_to_change_a_published_editions_rows(self, published):
        assert _database_refuses("UPDATE catalog_entry SET remarks = '改写' WHERE edition_id = %s", [published.pk])
        assert _unchanged(published)

    def test_it_refuses_to_move_rows_into_or_out_of_a_published_edition(self, published, draft):
        into = (
            'UPDATE catalog_entry SET edition_id = %s, "row" = 900 WHERE edition_id = %s AND section = 1 AND "row" = 1'
        )
        assert _database_refuses(into, [published.pk, draft.pk])
        assert _database_refuses(into, [draft.pk, published.pk])
        assert _unchanged(published)

    def test_it_refuses_to_turn_a_published_edition_back_into_a_draft(self, published):
        assert _database_refuses("UPDATE catalog_edition SET status = 'draft' WHERE id = %s", [published.pk])
        assert _unchanged(published)

    def test_it_lets_a_draft_gain_and_change_rows(self, draft):
        rows = draft.entries.count()
        with connection.cursor() as cursor:
            cursor.execute(*_insert_row(draft.pk, 900))
            cursor.execute("UPDATE catalog_entry SET remarks = '草稿修订' WHERE edition_id = %s", [draft.pk])
        assert draft.entries.filter(remarks="草稿修订").count() == rows + 1


class TestLoadingAFixture:
    """catalog's loaddata writes a published edition as a draft, then publishes it once its rows are in."""

    def _fixture(self, tmp_path, objects: list[dict]) -> str:
        path = tmp_path / "editions.json"
        path.write_text(json.dumps(objects, ensure_ascii=False), "utf-8")
        return str(path)

    def _entry(self, pk: int, edition: int) -> dict:
        row = _new_row(Edition(pk=edition), 900)
        fields = {f.name: getattr(row, f.attname) for f in Entry._meta.concrete_fields if f.name != "id"}
        return {"model": "catalog.entry", "pk": pk, "fields": fields}

    def test_it_loads_a_published_edition_with_its_rows(self, tmp_path, published):
        edition = {
            "model": "catalog.edition",
            "pk": 900,
            "fields": {
                "slug": "2030",
                "title": "2030年版",
                "jurisdiction": published.jurisdiction_id,
                "status": "published",
                "published_on": "2030-01-01",
                "section1_heading": "（一）",
                "section2_heading": "（二）",
                "created_at": "2030-01-01T00:00:00Z",
            },
        }
        call_command("loaddata", self._fixture(tmp_path, [edition, self._entry(90000, 900)]), verbosity=0)
        loaded = Edition.objects.get(slug="2030")
        assert loaded.is_published and loaded.entries.count() == 1
        assert _database_refuses(*_insert_row(loaded.pk, 901))

    def test_it_refuses_a_row_for_an_edition_already_published(self, tmp_path, published):
        with pytest.raises(IntegrityError, match="published edition is frozen"), transaction.atomic():
            call_command("loaddata", self._fixture(tmp_path, [self._entry(90000, published.pk)]), verbosity=0)
        assert _unchanged(published)


class TestOnPostgreSQL:
    """What SQLite cannot do: refuse DELETE (Django's test flush empties tables with DELETE there), and keep
    the application's role, as README's "Database roles" sets it up, from TRUNCATE or disabling triggers."""

    def test_it_refuses_to_delete_a_published_edition_or_its_rows(self, postgres, published):
        assert _database_refuses('DELETE FROM catalog_entry WHERE edition_id = %s AND "row" = 1', [published.pk])
        assert _database_refuses("DELETE FROM catalog_edition WHERE id = %s", [published.pk])
        assert _unchanged(published)

    def test_the_application_role_can_edit_but_not_unfreeze(self, postgres, published, draft):
        role = connection.ops.quote_name(f"{connection.settings_dict['NAME']}_app")
        with transaction.atomic(), connection.cursor() as cursor:
            # Rolled back with the test: the role, its grants and the SET ROLE.
            cursor.execute(f"CREATE ROLE {role} NOLOGIN")
            cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}")
            cursor.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}")
            cursor.execute(f"SET LOCAL ROLE {role}")

            assert _database_refuses(*_insert_row(published.pk, 900))
            assert _database_refuses("UPDATE catalog_entry SET remarks = '改写' WHERE edition_id = %s", [published.pk])
            assert _database_refuses("DELETE FROM catalog_entry WHERE edition_id = %s", [published.pk])
            for statement in (
                "TRUNCATE catalog_entry",
                "ALTER TABLE catalog_entry DISABLE TRIGGER ALL",
                "DROP TRIGGER catalog_entry_frozen_insert ON catalog_entry",
            ):
                with pytest.raises(DatabaseError, match="permission denied|must be owner"), transaction.atomic():
                    cursor.execute(statement)

            cursor.execute("UPDATE approvals_approvalitem SET remarks = '改写' WHERE code = 'SZ-0001'")
            assert cursor.rowcount == 1
            cursor.execute(*_insert_row(draft.pk, 900))
            cursor.execute("RESET ROLE")
        assert _unchanged(published)
        assert draft.entries.filter(row=900).exists()
