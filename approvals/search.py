"""The one definition of how a search term matches an item name.

Both sides are reduced to a key: ASCII letters lowered, whitespace and the
punctuation below removed (so 人防工程竣工验收 finds 人防工程竣工验收、备案, and a
pasted name with other brackets still matches). Everything else, % and _
included, matches literally as a substring of the key.

PostgreSQL indexes the key's characters and overlapping character pairs in a
GIN full-text index (`approvals_bigrams`), so that two-character terms such as
许可 are served by the index (pg_trgm extracts nothing from them); SQLite scans.
The SQL functions are created by migration 0004 from the constants here.
"""

from __future__ import annotations

PUNCTUATION = " \t\n\r\u3000、，。；：？！“”‘’（）《》〈〉【】〔〕「」『』…—·～,.;:?!\"'()[]{}<>/\\|-"
MAX_TERM = 100
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_DROP = str.maketrans("", "", PUNCTUATION + "\x00")


def search_key(text: str) -> str:
    """The key a name or a term is compared by (see the module docstring)."""
    return text.translate(_ASCII_LOWER).translate(_DROP)


def term_key(term: str) -> str:
    """The key of a search term as typed: NUL bytes dropped, at most MAX_TERM characters."""
    return search_key((term or "")[: MAX_TERM * 2])[:MAX_TERM]


def tsquery(key: str) -> str:
    """The tsquery text every match of `key` satisfies: all its character pairs (or its one character)."""
    grams = [key] if len(key) == 1 else sorted({key[i : i + 2] for i in range(len(key) - 1)})
    return " & ".join("'" + gram.replace("\\", "\\\\").replace("'", "''") + "'" for gram in grams)


def sql_punctuation_literal() -> str:
    """PUNCTUATION as a SQL string literal body (quotes doubled)."""
    return PUNCTUATION.replace("'", "''")
