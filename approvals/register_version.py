"""The register's version: one number that every committed write to the register or its publication raises.

Public pages use it as their validator (ETag) and as the key of their shared cache, and the replica router
compares the primary's with the replica's to tell a replica that lags. For that the number must change exactly
when the data a page shows changes, whoever writes (the admin, an import, a job, a shell), so database triggers
raise it, not Python:
- PostgreSQL: a statement-level trigger on each table marks the transaction (one row in
  `approvals_registerbump`, once per transaction); a deferred constraint trigger on that row raises the number
  when the transaction commits. The version row is locked only for the moment of the commit: a long import does
  not hold back the clerks' saves, and a transaction that commits late still raises the number at its commit (a
  number taken when it wrote would already be older than another's that committed first).
- SQLite: a row-level trigger on each table raises the number in the writer's transaction (SQLite has one writer).

The triggers are installed by migrations (approvals 0016 for the register's tables, catalog 0012 for the
publication's) through `install_sql`; tests/test_register_version.py checks that every table has them, so a
table added later, or one that a SQLite table rebuild left without its triggers, fails the suite.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connections, models
from django.utils import timezone
from django.utils.dateparse import parse_datetime

# Tables whose rows no public page or API response shows: writing them leaves the version as it is.
UNVERSIONED = {
    "approvals_registerversion",
    "approvals_registerbump",
    "catalog_job",
    "catalog_feedback",
    "catalog_upstreamchange",
}
SINGLETON = 1


class RegisterVersion(models.Model):
    """The one row (id 1) holding the register's version; written only by the triggers."""

    number = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField()

    class Meta:
        verbose_name = "目录版本号"
        verbose_name_plural = "目录版本号"

    def __str__(self) -> str:
        return str(self.number)


class RegisterBump(models.Model):
    """PostgreSQL: the mark that a transaction wrote (see the module's docstring); empty between transactions."""

    class Meta:
        verbose_name = "目录版本号待增"
        verbose_name_plural = "目录版本号待增"

    def __str__(self) -> str:
        return str(self.pk)


@dataclass(frozen=True)
class Version:
    """A version is the number and the moment it last changed: a database emptied and filled again (a restored
    backup, a test's flush) starts counting afresh, and the moment tells its versions from the old ones."""

    number: int
    changed_at: datetime.datetime

    @property
    def tag(self) -> str:
        """The version as one token, for an ETag and a cache key."""
        return f"{self.number}.{int(self.changed_at.timestamp() * 1_000_000)}"


NONE = Version(0, datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC))


def current(using: str = "default") -> Version:
    """The version as the database `using` has it now: one query by primary key."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT number, changed_at FROM approvals_registerversion WHERE id = %s",
            [SINGLETON],
        )
        row = cursor.fetchone()
    if row is None:  # emptied by a flush, before post_migrate wrote it again
        return NONE
    number, changed_at = row
    # SQLite keeps UTC as text, which its driver gives as text or (Django's converter for the column's declared
    # type) as a naive datetime: UTC either way, never the process's local time.
    if isinstance(changed_at, str):
        changed_at = parse_datetime(changed_at)
    if timezone.is_naive(changed_at):
        changed_at = changed_at.replace(tzinfo=datetime.UTC)
    return Version(number, changed_at)


_request_version: contextvars.ContextVar[Version | None] = contextvars.ContextVar("register_version", default=None)


def of_request() -> Version:
    """The version for this request, read once by the public pages' middleware (public/caching.py), which every
    cache of what they show is keyed by; outside such a block, read now."""
    return _request_version.get() or current()


@contextlib.contextmanager
def reading(version: Version) -> Iterator[None]:
    """Within the block `of_request()` is `version`."""
    token = _request_version.set(version)
    try:
        yield
    finally:
        _request_version.reset(token)


def ensure_row(using: str = "default", **_kwargs) -> None:
    """The version's row, written again after `flush` empties every table (Django's post_migrate follows it)."""
    if RegisterVersion._meta.db_table not in connections[using].introspection.table_names():
        return  # migrated back to before 0016
    with connections[using].cursor() as cursor:
        cursor.execute(
            "INSERT INTO approvals_registerversion (id, number, changed_at) SELECT %s, 0, %s "
            "WHERE NOT EXISTS (SELECT 1 FROM approvals_registerversion WHERE id = %s)",
            [SINGLETON, timezone.now(), SINGLETON],
        )


PG_FUNCTIONS = [
    """
    CREATE OR REPLACE FUNCTION approvals_register_written() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        -- Once per transaction (the setting is local to it, and undone with a rolled-back savepoint).
        IF coalesce(current_setting('approvals.register_written', true), '') = '' THEN
            PERFORM set_config('approvals.register_written', '1', true);
            INSERT INTO approvals_registerbump DEFAULT VALUES;
        END IF;
        RETURN NULL;
    END $$;
    """,
    """
    CREATE OR REPLACE FUNCTION approvals_register_committing() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE approvals_registerversion SET number = number + 1, changed_at = clock_timestamp() WHERE id = 1;
        DELETE FROM approvals_registerbump WHERE id = NEW.id;
        RETURN NULL;
    END $$;
    """,
    "DROP TRIGGER IF EXISTS approvals_register_committing ON approvals_registerbump;",
    """
    CREATE CONSTRAINT TRIGGER approvals_register_committing AFTER INSERT ON approvals_registerbump
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION approvals_register_committing();
    """,
]
TRIGGER = "register_version"


def install_sql(vendor: str, tables: list[str]) -> list[str]:
    """The statements that make writes to `tables` raise the version (idempotent: each drops what it creates)."""
    statements = []
    for table in tables:
        if vendor == "postgresql":
            statements += [
                f'DROP TRIGGER IF EXISTS {TRIGGER} ON "{table}";',
                f'CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '
                f"FOR EACH STATEMENT EXECUTE FUNCTION approvals_register_written();",
            ]
        else:
            for event in ("INSERT", "UPDATE", "DELETE"):
                name = f"{TRIGGER}_{table}_{event.lower()}"
                statements += [
                    f'DROP TRIGGER IF EXISTS "{name}";',
                    f'CREATE TRIGGER "{name}" AFTER {event} ON "{table}" BEGIN '
                    f"UPDATE approvals_registerversion SET number = number + 1, "
                    f"changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1; END;",
                ]
    return statements


def versioned_tables(app_configs) -> list[str]:
    """The tables of these apps (their many-to-many tables included) whose writes raise the version."""
    tables = {
        model._meta.db_table
        for app_config in app_configs
        for model in app_config.get_models(include_auto_created=True)
        if not model._meta.proxy and model._meta.managed
    }
    return sorted(tables - UNVERSIONED)
