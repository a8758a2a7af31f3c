"""The item list's parameters as the API takes them: the values it accepts, and a 400 for any other.

The catalogue page forgives (an unknown value is ignored and the page says so); an API answers 400,
naming the values it takes, and its OpenAPI schema lists them (`public.api.schema`).
"""

from __future__ import annotations

from django.core.cache import cache
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from approvals import register_version
from approvals.models import Department, Jurisdiction
from public import selectors

# Parameters of a fixed set of values: given empty, they are refused rather than read as "any".
LABELLED = ("department", "batch")  # taken by code (slug) or by the label the API returns
CHOSEN = ("section", "department", "item_type", "batch", "base", "on", "jurisdiction", "page", "page_size")


def department_choices() -> list[tuple[str, str]]:
    """(slug, label) of every department of every register, once by short name and once by full name.

    The API's department filter takes a department of any register: in another jurisdiction's list it
    simply finds no item. Cached as the page's filter choices are.
    """
    key = f"api:departments:{register_version.of_request().tag}"  # a new version: a department may have been added
    choices = cache.get(key)
    if choices is None:
        departments = (
            Department.objects.filter(is_bureau=False, jurisdiction__in=Jurisdiction.objects.registers())
            .order_by("jurisdiction__position", "position", "pk")
            .values_list("slug", "short_name", "full_name")
        )
        choices = []
        for slug, short, full in departments:
            choices += [(slug, short)] + ([(slug, full)] if full and full != short else [])
        cache.set(key, choices, selectors.CHOICES_SECONDS)
    return choices


def accepted_values(choices: list[tuple[str, str]]) -> list[str]:
    """Every value a choice filter takes: its codes, then its labels."""
    return list(dict.fromkeys([code for code, _label in choices] + [str(label) for _code, label in choices]))


def jurisdiction_codes() -> list[str]:
    return [selectors.ALL, *(code for code, _name in selectors.filter_choices(None)["jurisdictions"])]


def check_not_empty(params) -> None:
    """400 for a parameter of a fixed set of values given empty (`section=`): leave it out for "any"."""
    empty = [name for name in CHOSEN if name in params and not params[name]]
    if empty:
        raise ValidationError({name: [_("不能为空；不限时请省略这个参数。")] for name in empty})


def jurisdiction_of(params) -> Jurisdiction | None:
    """The jurisdiction asked for (None: every one); 400 naming the codes for an unknown one."""
    jurisdiction, unknown = selectors.jurisdiction_asked(params.get("jurisdiction", ""))
    if unknown:
        raise ValidationError({"jurisdiction": [refused(params["jurisdiction"], jurisdiction_codes())]})
    return jurisdiction


def refused(value: str, allowed: list[str]) -> str:
    value = value if len(value) <= 40 else value[:40] + "…"
    return _("“%(value)s”不是可选的值。可选：%(allowed)s。") % {"value": value, "allowed": "、".join(allowed)}


def filter_errors(filterset) -> dict[str, list[str]]:
    """The filterset's errors in Chinese, a choice's refusal naming the values it takes."""
    errors = {}
    for name, messages in filterset.errors.items():
        field = filterset.form.fields.get(name)
        codes = {error.code for error in filterset.form.errors.as_data()[name]}
        if getattr(field, "choices", None) and "invalid_choice" in codes:
            choices = [(code, label) for code, label in field.choices if code != ""]
            allowed = accepted_values(choices) if name in LABELLED else [code for code, _label in choices]
            errors[name] = [refused(filterset.data[name], allowed)]
        else:
            errors[name] = list(messages)
    return errors
