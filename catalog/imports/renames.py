"""Probable renames in an official import: an item the file no longer lists, and a new row that is probably it.

Names are alike when difflib's ratio is at least 0.6, or when the shorter one (of four characters or more)
stands whole in the longer. Official renames mostly add or drop a qualifier (企业投资项目核准 →
企业投资项目核准（含变更）, 0.76) or change a word or two; two different items of one department share at
most a phrase (企业投资项目核准 and 政府投资项目审批, 0.5). A long qualifier added to a short name falls under
0.6 (食品经营许可 → 食品经营许可（含仅销售预包装食品备案）, 0.48), hence the containment; names of two or
three characters (核准, 许可) stand in too many others to count. The pair must also have the same
departments and item type, and the clerk confirms each one: an offer that is wrong costs a click.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Sequence
from typing import NamedTuple

from django.utils.translation import gettext as _

from catalog.imports.plan import Listed, ProbableRename
from catalog.imports.snapshot import KnownItem
from catalog.imports.workbook import ParsedRow

__all__ = ["Candidate", "ProbableRename", "missing_note", "offer_renames", "pair_renames", "similarity"]

RATIO = 0.6
CONTAINED = 4  # the shortest name that counts when it stands whole in the other


class Candidate(NamedTuple):
    """A new main item of section (一): its name, departments (ids) and item type (an `ItemType` value)."""

    name: str
    department_ids: tuple[int, ...]
    item_type: str


def similarity(old: str, new: str) -> float | None:
    """How alike two names are (difflib's ratio), or None when they are not alike enough to offer."""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    short, long = sorted((old, new), key=len)
    contained = len(short) >= CONTAINED and short in long
    # quick_ratio bounds ratio from above: most pairs of a large register are refused without the full count.
    if not contained and matcher.quick_ratio() < RATIO:
        return None
    ratio = matcher.ratio()
    return ratio if ratio >= RATIO or contained else None


def pair_renames(missing: Sequence[KnownItem], candidates: Sequence[Candidate]) -> list[tuple[KnownItem, int]]:
    """Each missing main item with the index of the candidate most like it, each candidate taken once.

    Pairs are taken from the most alike down, so a candidate goes to the item it is most like, and an item
    whose best candidate went to another takes its next best. Ties go to the lower code and the earlier row.
    """
    by_kind: defaultdict[tuple[frozenset[int], str], list[int]] = defaultdict(list)
    for index, candidate in enumerate(candidates):
        by_kind[(frozenset(candidate.department_ids), candidate.item_type)].append(index)
    scored = []
    for item in missing:
        for index in by_kind.get((frozenset(item.department_ids), item.item_type), ()):
            score = similarity(item.name, candidates[index].name)
            if score is not None:
                scored.append((-score, item.code, index, item))
    scored.sort(key=lambda entry: entry[:3])
    taken_items: set[int] = set()
    taken_rows: set[int] = set()
    pairs = []
    for _score, _code, index, item in scored:
        if item.pk in taken_items or index in taken_rows:
            continue
        taken_items.add(item.pk)
        taken_rows.add(index)
        pairs.append((item, index))
    return pairs


def offer_renames(
    missing: Sequence[KnownItem], candidates: Sequence[Candidate], rows: Sequence[ParsedRow], confirmed: frozenset[str]
) -> list[tuple[ProbableRename, KnownItem, int]]:
    """The renames to offer: each with its missing item and the index of its candidate (`rows[index]` is its row)."""
    if not missing or not candidates:
        return []
    offers = []
    for item, index in pair_renames(missing, candidates):
        row = rows[index]
        listed = Listed(item.pk, item.code, f"{item.name}（{row.departments}）")
        offer = ProbableRename(
            listed,
            item.name,
            row.main_name,
            item.item_type,
            row.departments,
            row.sheet,
            row.row,
            item.code in confirmed,
        )
        offers.append((offer, item, index))
    return offers


def missing_note(offer: ProbableRename | None) -> str:
    """What the problem of a missing item adds when a rename is offered for it."""
    if offer is None:
        return ""
    return _("（可能已改名为“%(name)s”，见工作表“%(sheet)s”第 %(row)d 行，请确认或驳回该改名）") % {
        "name": offer.name,
        "sheet": offer.sheet,
        "row": offer.row,
    }
