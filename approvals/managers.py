"""Read rules of the register, as QuerySet methods whose docstrings state the rule."""

from __future__ import annotations

import datetime
import re
from collections import Counter

from django.db import connection, models
from django.db.models import BooleanField, Count, F, Func, OuterRef, Q, Subquery, Value

from approvals.search import (
    NEAR_MISS_APART_FROM,
    any_tsquery,
    near_miss_patterns,
    near_miss_tsqueries,
    term_key,
    tsquery,
)
from approvals.synonyms import expansions, synonym_pairs
from approvals.vocabulary import PUBLIC_MAIN, ItemStatus


class DepartmentQuerySet(models.QuerySet):
    def named(self, name: str) -> DepartmentQuerySet:
        """Departments whose short name, full name or one of whose aliases is exactly `name`."""
        name = name.strip()
        return self.filter(Q(short_name=name) | Q(full_name=name) | Q(aliases__name=name)).distinct()

    def with_item_counts(self) -> DepartmentQuerySet:
        """Each department with `items_at_bureau` and `items_registered`, counted in main items (主项).

        The one count of a department's items wherever it is shown (the admin's department list,
        the API, the statistics page): main items whose departments include this one, at any
        position (item 60, 临时性建筑物搭建…, counts for 市住建局 and for 市城市管理局 alike).
        Sub-items are not counted: they are rows of their main item's table entry (表格行), not
        items of their own. `items_at_bureau` counts those the bureau carries out now (status
        at the bureau); `items_registered` those in any status.
        """
        main = Q(items__parent__isnull=True)
        counted = self.annotate(
            items_at_bureau=Count("items", filter=main & Q(items__status=ItemStatus.BUREAU), distinct=True),
            items_registered=Count("items", filter=main, distinct=True),
        )
        # A counted (GROUP BY) query drops the model's default order; lists and pagers need it stated.
        return counted if self.query.order_by else counted.order_by(*self.model._meta.ordering)


class JurisdictionQuerySet(models.QuerySet):
    def registers(self) -> JurisdictionQuerySet:
        """Jurisdictions that keep a register: the city and the counties (the province only issues documents)."""
        return self.exclude(level="province")


class ApprovalItemQuerySet(models.QuerySet):
    def main_items(self) -> ApprovalItemQuerySet:
        """Items that are not sub-items of another item."""
        return self.filter(parent__isnull=True)

    def public(self) -> ApprovalItemQuerySet:
        """Items whose own page is public: the HTML page, the API detail and the CPSV-AP JSON-LD.

        An item is public in every status but 未划转 (pending): at the bureau, returned, cancelled
        and devolved items keep a page that shows their history. A sub-item is public when it is
        and its main item is too. The public lists show fewer items (`listed`), all of them public.
        """
        pending = ItemStatus.PENDING
        return self.filter(~Q(status=pending), Q(parent__isnull=True) | ~Q(parent__status=pending))

    def listed(self) -> ApprovalItemQuerySet:
        """Main items the public catalogue lists and exports: those at the bureau or returned.

        The condition is `PUBLIC_MAIN`, which the partial indexes of the list share; every listed
        item is `public`.
        """
        return self.filter(PUBLIC_MAIN)

    def at_bureau(self, on: datetime.date | None = None) -> ApprovalItemQuerySet:
        """Items the bureau carries out: now, or on the day `on`, past or future.

        Now is the stored status, which follows every event in force today (an event
        dated later waits, pending, until approvals/effective.py applies it on its day).
        On a given day it is the new status of the item's last event effective on or
        before that day, a pending one included from its date on; events whose date is
        unknown count as having happened before every known date. The admin's register
        on a date, the public list and the API on a date all ask this one rule.
        """
        if on is None:
            return self.filter(status=ItemStatus.BUREAU)
        return self.annotate(status_on=self._status_on(on)).filter(status_on=ItemStatus.BUREAU)

    def returned(self) -> ApprovalItemQuerySet:
        """Items handed back from the bureau to their original departments."""
        return self.filter(status=ItemStatus.RETURNED)

    def _status_on(self, on: datetime.date) -> Subquery:
        # The event model through the relation: managers.py is imported by models.py, not the reverse.
        events = self.model._meta.get_field("transfers").related_model
        last = (
            events.objects.filter(item=OuterRef("pk"))
            .filter(Q(effective_on__lte=on) | Q(effective_on__isnull=True))
            .order_by("-sequence")
            .values("to_status")[:1]
        )
        return Subquery(last)

    def search(self, term: str, *, indexed: bool = True) -> ApprovalItemQuerySet:
        """Main items whose name or one of whose sub-items' names contains the term, or its synonym.

        Compared by `approvals.search.search_key` on both sides; `search_text` holds the keys and
        the names' pinyin in full and by initials (database triggers keep it), so xuke and xk find
        许可. A term containing a clerk's synonym (approvals/synonyms.py) also matches with the
        synonym's catalogue words in its place. An empty term matches every main item. `indexed=False` leaves
        out the condition the GIN index serves, for a set another index already narrows (one
        jurisdiction's few hundred items): PostgreSQL would otherwise intersect it with every
        posting of a common pair (11 ms for 核发 in one county at 100,000 items, against 1 ms).
        """
        key = term_key(term)
        if not key:
            return self.main_items()
        keys = _with_synonyms(key)
        matches = Q()
        for one in keys:
            matches |= Q(search_text__contains=one)
        items = self.filter(matches, parent__isnull=True)
        if indexed and connection.vendor == "postgresql":
            # The partial GIN index serves BigramMatch; `contains` then removes its false positives.
            items = items.filter(BigramMatch("search_text", tsquery(key) if len(keys) == 1 else any_tsquery(keys)))
        return items

    def near_miss(self, term: str, *, candidates: int = 200, indexed: bool = True) -> str:
        """The words one edit away from the term that these items' names contain most, or "".

        For a search that found nothing: 危险货勿 → 危险货物. One character replaced, missing or
        one too many, in a term of NEAR_MISS_FROM characters or more; an edit inside the term is
        preferred to one at its ends (approvals.search.near_miss_patterns), then the commonest words.
        Only the first `candidates` rows found are read, and on PostgreSQL the index offers only
        items that keep the term's pairs around some position, so a common term stays cheap.
        `indexed=False`, as for `search`, leaves the index out for a set another index already narrows (one
        jurisdiction's few hundred items): the index offers the candidates of every jurisdiction, which the
        narrowing then rejects one by one (70-100 ms for 人防工成竣工验收 in one of 2,900 jurisdictions).
        """
        key = term_key(term)
        kinds = near_miss_patterns(key)
        if not kinds:
            return ""
        items = self.filter(parent__isnull=True, search_text__regex="|".join(p for ps in kinds for p in ps))
        items = items.order_by().values_list("pk", "search_text")
        queries = near_miss_tsqueries(key) if indexed and connection.vendor == "postgresql" else []
        if len(key) >= NEAR_MISS_APART_FROM and len(queries) > 1:
            # One index scan an alternative, in one query (UNION ALL, read until `candidates` rows): see
            # near_miss_tsqueries. An item near the term at two positions comes twice and counts once.
            parts = [items.filter(BigramMatch("search_text", query)) for query in queries]
            items = parts[0].union(*parts[1:], all=True)
        elif queries:
            items = items.filter(BigramMatch("search_text", " | ".join(f"({query})" for query in queries)))
        texts = list(dict(items[:candidates]).values())
        for patterns in kinds:
            found = Counter(m for text in texts for m in set(re.findall("|".join(patterns), text)) if m != key)
            if found:
                return min(found, key=lambda words: (-found[words], words))
        return ""

    def search_candidates(self, term: str) -> ApprovalItemQuerySet:
        """Main items whose search text has every character pair of the term (PostgreSQL only).

        A superset of search(term), for the planner's estimate of how many match: with the exact
        substring test beside it, the planner counts the term's selectivity twice.
        """
        key = term_key(term)
        if not key or connection.vendor != "postgresql":
            return self.main_items()
        keys = _with_synonyms(key)
        query = tsquery(key) if len(keys) == 1 else any_tsquery(keys)
        return self.filter(BigramMatch("search_text", query), parent__isnull=True)

    def for_lists(self) -> ApprovalItemQuerySet:
        """Without the long texts no list shows (the service guide, the search text): lighter rows."""
        return self.defer(*LIST_DEFERRED)

    def with_table_cells(self) -> ApprovalItemQuerySet:
        """Everything needed to print an item's row, in a fixed number of queries."""
        return self.select_related("jurisdiction", "intake__document", "parent").prefetch_related(
            "department_links__department"
        )


def _with_synonyms(key: str) -> list[str]:
    return expansions(key, synonym_pairs())


LIST_DEFERRED = (
    "search_text",
    "application_materials",
    "acceptance_conditions",
    "procedure",
    "legal_basis",
)


class BigramMatch(Func):
    """The text's character pairs contain all of the query's (PostgreSQL, GIN-indexed by migration 0005)."""

    output_field = BooleanField()

    def __init__(self, field: str, query: str):
        super().__init__(F(field), Value(query))

    def as_sql(self, compiler, connection, **extra_context):
        name_sql, name_params = compiler.compile(self.source_expressions[0])
        query_sql, query_params = compiler.compile(self.source_expressions[1])
        sql = f"approvals_bigrams({name_sql}) @@ ({query_sql})::tsquery"
        return sql, [*name_params, *query_params]
