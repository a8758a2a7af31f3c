"""The rows of the public list, written in Python as the admin writes its result rows.

A province's list draws 20 to 100 rows of about fifteen values on every request; through the
template language they took 2 ms of a 15 ms page at 100,000 items. format_html then took 1–2 ms of a 25 ms page
(it escapes each heading again on every row and marks every piece safe): f-strings over html.escape write the
same bytes. The rows are the plain dicts of public.listing.load_rows.
"""

from __future__ import annotations

import html

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def item_rows(rows: list[dict], *labels: str, place: str = "") -> SafeString:
    """<tr>s of the list table: 序号, name with its sub-items, type, departments, status and batch.

    `labels`: the five column headings, repeated on each cell for the phone layout (data-label).
    `place`: the 辖区 column's heading, when the list holds several jurisdictions: a first column.
    """
    headings = tuple(escape(str(label)) for label in labels)  # escaped once, not once a row
    return mark_safe("".join(_row(row, headings, escape(str(place)) if place else "") for row in rows))


def escape(value: object) -> str:
    """Django's escape() without its SafeString: the stdlib's html.escape, which escapes the same five characters
    (& < > " ') the same way. Every value of a row passes through it; nothing in a row is marked safe."""
    return html.escape(str(value))


def _row(row: dict, headings: tuple[str, ...], place: str) -> str:
    number, name, kind, departments, status = headings
    subs = ""
    if row["subs"]:
        links = "".join(f'<li><a href="{escape(url)}">{escape(text)}</a></li>' for url, text in row["subs"])
        subs = f'<ul class="subs">{links}</ul>'
    if row["departments"]:
        where = "、".join(f'<a href="{escape(url)}">{escape(short)}</a>' for url, short in row["departments"])
    else:
        where = escape(row["source"])
    batch = f"<br><small>{escape(row['batch'])}</small>" if row["batch"] else ""
    first = f'<td class="place" data-label="{place}">{escape(row["place"])}</td>' if place else ""
    shown_number = row["number"] if row["number"] is not None else "—"
    return (
        f"<tr>{first}"
        f'<td data-label="{number}">{escape(shown_number)}</td>'
        f'<td data-label="{name}"><a href="{escape(row["url"])}">{escape(row["name"])}</a>{subs}</td>'
        f'<td data-label="{kind}">{escape(row["type"])}</td>'
        f'<td data-label="{departments}">{where}</td>'
        f'<td data-label="{status}"><span class="status status-{escape(row["status"])}">'
        f"{escape(row['status_label'])}</span>{batch}</td>"
        "</tr>"
    )
