"""The one definition of how a search term matches an item name.

Both sides are reduced to a key: ASCII letters lowered, whitespace and the
punctuation below removed (so 人防工程竣工验收 finds 人防工程竣工验收、备案, and a
pasted name with other brackets still matches). Everything else, % and _
included, matches literally as a substring of the key.

PostgreSQL indexes the key's characters and overlapping character pairs in a
GIN full-text index (`approvals_bigrams`), so that two-character terms such as
许可 are served by the index (pg_trgm extracts nothing from them); SQLite scans.
The SQL functions are created by migration 0004 from the constants here.

Pinyin (migration 0015): SQL cannot compute it, so `pinyin_key` writes each item's
`name_pinyin` in Python wherever a name is written, and the triggers copy it into
`search_text` as more lines: xuke and xk find 许可 through the same index.
"""

from __future__ import annotations

import functools
import re

PUNCTUATION = " \t\n\r\u3000、，。；：？！“”‘’（）《》〈〉【】〔〕「」『』…—·～,.;:?!\"'()[]{}<>/\\|-"
MAX_TERM = 100
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_DROP = str.maketrans("", "", PUNCTUATION + "\x00")
_NOT_HAN = "\x01"  # marks what pypinyin passes through unconverted
NEAR_MISS_FROM = 3  # shorter terms are one edit away from too many names to suggest one
# From this length a near miss asks the index one alternative at a time (`near_miss_tsqueries`): each keeps three
# pairs or more, which the index skips along. A shorter term's alternatives keep one or two, a single character
# among them (道 & 运数 for 道路运数): one of them alone may offer thousands of items the pattern then rejects one
# by one (道路运数: 52 ms as one OR, 668 ms one by one, across 3,000,000 items).
NEAR_MISS_APART_FROM = 6


def search_key(text: str) -> str:
    """The key a name or a term is compared by (see the module docstring)."""
    return text.translate(_ASCII_LOWER).translate(_DROP)


def term_key(term: str) -> str:
    """The key of a search term as typed: NUL bytes dropped, at most MAX_TERM characters."""
    return search_key((term or "")[: MAX_TERM * 2])[:MAX_TERM]


def tsquery(key: str) -> str:
    """The tsquery text every match of `key` satisfies: all its character pairs (or its one character)."""
    return " & ".join(_quoted(gram) for gram in _grams(key))


def _grams(key: str) -> list[str]:
    return [key] if len(key) == 1 else sorted({key[i : i + 2] for i in range(len(key) - 1)})


def _quoted(gram: str) -> str:
    return "'" + gram.replace("\\", "\\\\").replace("'", "''") + "'"


def sql_punctuation_literal() -> str:
    """PUNCTUATION as a SQL string literal body (quotes doubled)."""
    return PUNCTUATION.replace("'", "''")


@functools.lru_cache(maxsize=8192)  # a register writes the same names again and again (imports, edits)
def pinyin_key(name: str) -> str:
    """The pinyin lines of a name: in full, then by initials (许可证 → "xukezheng\\nxkz").

    The one writer of `ApprovalItem.name_pinyin`: the model's save(), approvals/bulk.py, the
    fixture builder and the benchmark's generator all call it. SQL cannot compute pinyin, so the
    database triggers only copy these lines into `search_text`. Characters that are not Chinese
    (X光机, 5万平方米) keep their own key in both lines. ü is written v (绿 → lv), as typed.
    """
    # Imported here: its dictionaries take about 55 MB and a second to load, which only processes that
    # write names need (the public pages and the API never compute pinyin).
    from pypinyin import lazy_pinyin

    syllables = lazy_pinyin(name, errors=lambda chunk: _NOT_HAN + chunk)
    full = "".join(s[1:] if s.startswith(_NOT_HAN) else s for s in syllables)
    initials = "".join(s[1:] if s.startswith(_NOT_HAN) else s[:1] for s in syllables)
    return f"{search_key(full)}\n{search_key(initials)}"


def near_miss_patterns(key: str) -> list[list[str]]:
    """Regular expressions for the words one edit away from `key`, for "您是不是要找", best kind first.

    Inside the term: one character replaced (危险货勿 → 危险.勿), one missing (危险物 → 危险.物),
    one too many (危险货货物 → 危险货物); then at either end: replaced (危险货勿 → 危险货.), and
    one too many. An edit inside is preferred, since the words around it are confirmed on both
    sides: 危险物 suggests 危险货物, not 危险货 (its end replaced). `.` is any character but a line break,
    as each line of the search text is one name. Empty for a term shorter than NEAR_MISS_FROM.
    """
    if len(key) < NEAR_MISS_FROM:
        return []
    chars = [re.escape(c) for c in key]
    any_char = "[^\\n]"
    n = len(chars)

    def replaced(i: int) -> str:
        return "".join([*chars[:i], any_char, *chars[i + 1 :]])

    def dropped(i: int) -> str:
        return "".join(chars[:i] + chars[i + 1 :])

    inside = range(1, n - 1)
    return [
        [replaced(i) for i in inside],
        ["".join([*chars[:i], any_char, *chars[i:]]) for i in range(1, n)],
        sorted({dropped(i) for i in inside}),
        [replaced(0), replaced(n - 1)],
        [dropped(0), dropped(n - 1)],
    ]


def near_miss_tsquery(key: str) -> str:
    """A tsquery every item one edit away from `key` satisfies: for some position, every pair not touching it."""
    return " | ".join(f"({query})" for query in near_miss_tsqueries(key))


def near_miss_tsqueries(key: str) -> list[str]:
    """The alternatives of `near_miss_tsquery`, one tsquery a position (duplicates removed, sorted); [] for none.

    The GIN index of the search text serves each, so a near miss reads only the items that share
    most of the term's character pairs. They are asked one by one (`ApprovalItemQuerySet.near_miss`):
    an OR of them makes the index read every posting of every pair in full, the commonest too (a
    single character at either end, 人 or 收), 124-193 ms for 人防工成竣工验收 across 3,000,000 items,
    where each alternative alone skips along its rarest pair (27 ms for all eight; bench/RESULTS.md).
    """
    alternatives = set()
    for i in range(len(key)):
        # Pairs wholly left or right of position i survive replacing, dropping or inserting there.
        grams = sorted({gram for part in (key[:i], key[i + 1 :]) if part for gram in _grams(part)})
        if not grams:
            return []  # a term this short has no pair every near miss keeps: no index condition
        alternatives.add(" & ".join(_quoted(gram) for gram in grams))
    return sorted(alternatives)


def any_tsquery(keys: list[str]) -> str:
    """The tsquery of items that may contain any of `keys` (a term and its synonyms)."""
    return " | ".join(f"({tsquery(key)})" for key in keys)
