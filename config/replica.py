"""Reads from a PostgreSQL streaming replica (DATABASE_REPLICA_URL): a router and the middleware that chooses.

A citizen's GET or HEAD of a public page or of the API reads the register from the replica, when the replica has
replayed every commit the primary has: their register versions (approvals/register_version.py, raised by every
committed write) are equal. Otherwise the whole request reads the primary, as do the admin, every POST, anyone
signed in (staff, who read their own writes), and everything outside a request (commands, background jobs).
Writes always go to the primary. Only the tables whose writes raise the version are read from the replica:
sessions, users and the job records are not covered by the comparison, so they are read where they are written.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, router
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from approvals import register_version

logger = logging.getLogger(__name__)

REPLICA = "replica"
# The apps whose tables carry the version's triggers (migrations approvals 0016, catalog 0012).
VERSIONED_APPS = {"approvals", "catalog"}

# Where the current request reads the register; None outside a request that the middleware sent to the replica.
_reads_from: ContextVar[str | None] = ContextVar("reads_from", default=None)


def versioned(model: type[Model]) -> bool:
    """A model whose writes raise the register version: a replica with the primary's version has its rows."""
    meta = model._meta
    return meta.app_label in VERSIONED_APPS and meta.db_table not in register_version.UNVERSIONED


class ReplicaRouter:
    """Installed by settings.py only when DATABASE_REPLICA_URL names a replica."""

    def db_for_read(self, model: type[Model], **hints) -> str | None:
        # Inside a transaction on the primary a read must see that transaction's writes (and a row locked
        # for update can only be read there).
        if _reads_from.get() == REPLICA and versioned(model) and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model: type[Model], **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints) -> bool:
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db: str, app_label: str, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS  # the replica copies the primary's schema


@contextlib.contextmanager
def reading_from(alias: str) -> Iterator[None]:
    """Within the block the register's tables are read from `alias` (the router's choice for this request)."""
    token = _reads_from.set(alias)
    try:
        yield
    finally:
        _reads_from.reset(token)


def enabled() -> bool:
    """A replica is configured and its router installed (settings.py does both or neither; tests may take the
    router away to read the primary only)."""
    return REPLICA in settings.DATABASES and any(isinstance(r, ReplicaRouter) for r in router.routers)


def _citizens_read(request: HttpRequest) -> bool:
    """A GET or HEAD outside the admin from a visitor without a session: only the admin signs anyone in, so a
    session is staff's (looking into it would cost a query, before the session middleware has even run)."""
    if request.method not in ("GET", "HEAD") or request.path_info.startswith(reverse("admin:index")):
        return False
    return settings.SESSION_COOKIE_NAME not in request.COOKIES


def _replica_version() -> register_version.Version | None:
    try:
        return register_version.current(REPLICA)
    except DatabaseError:
        logger.warning("the replica could not be read; this request reads the primary", exc_info=True)
        return None


class ReplicaReadsMiddleware:
    """Chooses, once for the whole request, where a citizen's read reads (see the module's docstring).

    Sets `request.register_version` (the primary's) when it reads it, so that the middleware after it need not
    read it again. A replica that cannot be reached leaves the request to the primary, with a warning in the
    log. A streamed response's body is produced after this middleware returns: it reads the primary.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not enabled() or not _citizens_read(request):
            return self.get_response(request)
        # The primary's first: a replica that has its version has every commit made before this request.
        primary = register_version.current(DEFAULT_DB_ALIAS)
        request.register_version = primary
        with reading_from(REPLICA if _replica_version() == primary else DEFAULT_DB_ALIAS):
            return self.get_response(request)
