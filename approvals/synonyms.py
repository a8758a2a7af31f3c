"""Synonyms the clerks keep: the words citizens use for what the catalogue calls otherwise.

A search for a term also finds the items named with its synonyms (approvals/managers.py,
`ApprovalItemQuerySet.search`): 营业执照 finds 企业登记. The list is shared by every
jurisdiction's search, as citizens' words do not change at a county's border.
"""

from __future__ import annotations

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from approvals import register_version
from approvals.search import search_key

# Every search reads the list: it is kept in the cache, dropped when a clerk saves or deletes a synonym,
# and at most this old in another process (each keeps its own cache unless CACHE_URL names a shared one).
CACHE_KEY = "approvals:search-synonyms"
CACHE_SECONDS = 60


class SearchSynonym(models.Model):
    term = models.CharField(
        _("群众说法"), max_length=50, help_text=_("群众搜索时常用的说法，例如“营业执照”。标点和空格不影响匹配。")
    )
    canonical = models.CharField(
        _("目录用语"),
        max_length=100,
        help_text=_("目录中事项名称使用的说法，例如“企业登记”。搜索“群众说法”时，也查找含有它的事项（一分钟内生效）。"),
    )

    class Meta:
        verbose_name = _("搜索同义词")
        verbose_name_plural = _("搜索同义词")
        ordering = ["term", "canonical"]
        constraints = [models.UniqueConstraint(fields=["term", "canonical"], name="synonym_unique_pair")]

    def __str__(self) -> str:
        return f"{self.term} → {self.canonical}"

    def clean(self) -> None:
        if not search_key(self.term) or not search_key(self.canonical):
            raise ValidationError(_("“群众说法”和“目录用语”都要有文字，不能只有标点或空格。"), code="blank")
        if search_key(self.term) == search_key(self.canonical):
            raise ValidationError(_("“目录用语”与“群众说法”相同，不必登记。"), code="same")

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        cache.delete(cache_key())

    def delete(self, *args, **kwargs):
        deleted = super().delete(*args, **kwargs)
        cache.delete(cache_key())
        return deleted


def synonym_pairs() -> list[tuple[str, str]]:
    """Every synonym as (term, canonical), in the order they were added; cached (CACHE_SECONDS)."""
    key = cache_key()
    pairs = cache.get(key)
    if pairs is None:
        pairs = list(SearchSynonym.objects.order_by("pk").values_list("term", "canonical"))
        cache.set(key, pairs, CACHE_SECONDS)
    return pairs


def cache_key() -> str:
    # Under the register's version, as every cache of what the public pages show: a synonym a clerk adds is
    # searched for on the next request on every process (the delete on save serves the same transaction's reads).
    return f"{CACHE_KEY}:{register_version.of_request().tag}"


def expansions(key: str, pairs: list[tuple[str, str]]) -> list[str]:
    """The keys a search key also stands for: the key with each synonym's term replaced by its canonical words.

    `pairs` are (term, canonical) as typed; both are compared by their search keys. A synonym whose
    term is not in the key adds nothing; the key itself comes first.
    """
    keys = [key]
    for term, canonical in pairs:
        term_key, canonical_key = search_key(term), search_key(canonical)
        if term_key and canonical_key and term_key in key:
            expanded = key.replace(term_key, canonical_key)
            if expanded not in keys:
                keys.append(expanded)
    return keys
