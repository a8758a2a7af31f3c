"""The filters of the public catalogue and of the API: one FilterSet for both."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import lru_cache

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, QuerySet
from django.forms.utils import flatatt
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from approvals.models import ApprovalItem, ItemDepartment, ItemStatus, ItemType, Jurisdiction
from approvals.queries import batch_condition
from approvals.search import MAX_TERM
from approvals.vocabulary import BASE_TEXTS
from public.selectors import filter_choices, register_items


@lru_cache(maxsize=2048)
def options_html(choices: tuple[tuple[str, str], ...], selected: frozenset[str]) -> str:
    """The <option>s of `choices` (value, label as text), `selected` marked; kept per process.

    The list page draws six selects on every request, one of them a province's 128 jurisdictions;
    the choices change rarely (a clerk adding a department), and a change is a new key.
    """
    rows = ((value, " selected" if value in selected else "", label) for value, label in choices)
    return format_html_join("", '<option value="{}"{}>{}</option>', rows)


class QuickSelect(forms.Select):
    """A <select> written directly instead of through the widget templates.

    The list page draws five on every request; the template path took a fifth of the page's time.
    Plain (value, label) choices only.
    """

    def render(self, name, value, attrs=None, renderer=None) -> str:
        chosen = frozenset(str(v) for v in self.format_value(value))
        options = options_html(tuple((str(v), str(label)) for v, label in self.choices), chosen)
        return format_html(
            '<select name="{}"{}>{}</select>', name, flatatt(self.build_attrs(self.attrs, attrs)), options
        )


class QuickDateInput(forms.DateInput):
    """An <input type="date"> written directly, as QuickSelect writes its <select>."""

    input_type = "date"

    def render(self, name, value, attrs=None, renderer=None) -> str:
        value = self.format_value(value)
        shown = format_html(' value="{}"', value) if value is not None else ""
        return format_html(
            '<input type="date" name="{}"{}{}>', name, shown, flatatt(self.build_attrs(self.attrs, attrs))
        )


def _by_value(data, choices: dict[str, list[tuple[str, str]]]):
    """`data` with each parameter of `choices` given by its label (首次划转, 市交通局) turned to its value.

    The API returns labels, and a filter takes back what the API returns. The choices are the ones the
    filterset has loaded already: no query more.
    """
    changed = {}
    for name, pairs in choices.items():
        value = data.get(name)
        if value and value not in {code for code, _label in pairs}:
            code = next((code for code, label in pairs if label == value), None)
            if code is not None:
                changed[name] = code
    if not changed:
        return data
    data = data.copy()
    for name, code in changed.items():
        data[name] = code
    return data


def _offered(choices: list[tuple[str, str]], present: set[str], chosen: str | None) -> list[tuple[str, str]]:
    """The `choices` that have listed items (`present`), and the one `chosen` even without: a link with a
    value that has no items yet (a department with none) shows its empty list, not "无法识别，已忽略"."""
    return [(value, label) for value, label in choices if value in present or value == chosen]


class ItemFilter(django_filters.FilterSet):
    """The one filterset of the public list, its downloads and the API's item list.

    It chooses the listed main items (`ApprovalItemQuerySet.listed`) of a jurisdiction, or with `on`
    the main items at the bureau on that day (`ApprovalItemQuerySet.at_bureau`, the admin's rule for
    the register on a date); then each filter narrows them. Always bound: django-filter skips
    `filter_queryset`, and with it the choice of items, for a filterset without data.
    """

    q = django_filters.CharFilter(
        method="filter_q",
        label=_("搜索"),
        help_text=_(
            "按事项名称或子项名称查找，例如“危险货物”，也可以输入拼音或拼音首字母（weixianhuowu、wxhw）；标点和空格不影响结果。"
        ),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("输入事项名称中的字词"), "maxlength": 200}),
    )
    section = django_filters.ChoiceFilter(
        widget=QuickSelect,
        method="filter_section",
        label=_("部分"),
        empty_label=_("全部"),
        choices=[("transferred", _("（一）划转至审批服务管理局")), ("returned", _("（二）调整回原部门"))],
        help_text=_("第一部分是由审批服务管理局实施的事项，第二部分是退回原行业主管部门实施的事项。"),
    )
    department = django_filters.ChoiceFilter(
        widget=QuickSelect,
        method="filter_department",
        label=_("划转部门"),
        empty_label=_("全部"),
        help_text=_("事项原属的行业主管部门。"),
    )
    item_type = django_filters.ChoiceFilter(
        widget=QuickSelect,
        field_name="item_type",
        label=_("事项类型"),
        empty_label=_("全部"),
        choices=ItemType.choices,
        help_text=_("国家规定的行政权力类型。"),
    )
    batch = django_filters.ChoiceFilter(
        widget=QuickSelect,
        method="filter_batch",
        label=_("划转批次"),
        empty_label=_("全部"),
        help_text=_("事项划入审批服务管理局的批次。"),
    )
    base = django_filters.ChoiceFilter(
        widget=QuickSelect,
        method="filter_base",
        label=_("基本目录"),
        empty_label=_("全部"),
        choices=list(zip(("yes", "no"), BASE_TEXTS, strict=True)),
        help_text=_("是否列入晋政发〔2021〕47号公布的划转基本目录。"),
    )
    on = django_filters.DateFilter(
        method="filter_on",
        label=_("目录日期"),
        help_text=_("某一天（过去或将来）在审批服务管理局实施的事项，例如 2027-03-01；不填为当前目录。"),
        widget=QuickDateInput(format="%Y-%m-%d"),
        error_messages={"invalid": _("请按“年-月-日”填写日期，例如 2027-03-01。")},
    )

    class Meta:
        model = ApprovalItem
        fields = ["q", "section", "department", "item_type", "batch", "base", "on"]

    def __init__(
        self,
        data=None,
        queryset=None,
        *,
        jurisdiction: Jurisdiction | None = None,
        departments: list[tuple[str, str]] | None = None,
        **kwargs,
    ):
        """`departments`: the department filter's (slug, label) choices, by default the jurisdiction's."""
        if queryset is None:
            queryset = register_items(jurisdiction)
        choices = filter_choices(jurisdiction)
        departments = choices["departments"] if departments is None else departments
        data = _by_value({} if data is None else data, {"department": departments, "batch": choices["batches"]})
        super().__init__(data, queryset, **kwargs)
        self.jurisdiction = jurisdiction
        accepted = {"department": departments, "batch": choices["batches"]}
        for name, present in choices["present"].items():
            every = accepted[name] if name in accepted else self.filters[name].extra["choices"]
            self.filters[name].extra["choices"] = _offered(every, present, data.get(name))
            # A form field built earlier from the class's filters (the API schema reads them) was copied with
            # every choice: built again from these.
            self.filters[name].__dict__.pop("_field", None)

    @property
    def search_indexed(self) -> bool:
        """Whether a term is looked up through the search index: across all jurisdictions. Within one, its own
        index narrows the rows to a few hundred, which are read without it (the search and the near miss alike)."""
        return self.jurisdiction is None

    def filter_queryset(self, queryset: QuerySet[ApprovalItem]) -> QuerySet[ApprovalItem]:
        indexed = self.search_indexed
        return self._filtered(queryset, lambda items, term: items.search(term, indexed=indexed) if term else items)

    def filter_q(self, queryset, name: str, value: str):
        return queryset  # in _filtered: the search is one of three (the page's, the walk's, the estimate's)

    def filter_on(self, queryset, name: str, value: datetime.date):
        return queryset  # in _filtered: the day chooses the items the other filters narrow

    def filter_section(self, queryset, name: str, value: str):
        return queryset.filter(status=ItemStatus.BUREAU if value == "transferred" else ItemStatus.RETURNED)

    def filter_department(self, queryset, name: str, value: str):
        links = ItemDepartment.objects.filter(item_id=OuterRef("pk"), department__slug=value)
        return queryset.filter(Exists(links))

    def filter_batch(self, queryset, name: str, value: str):
        condition = batch_condition(value)
        return queryset.filter(condition) if condition is not None else queryset

    def filter_base(self, queryset, name: str, value: str):
        return queryset.filter(in_base_catalogue=value == "yes")

    def search_candidates(self) -> QuerySet[ApprovalItem]:
        """The filtered items with only the indexed part of the search (`ApprovalItemQuerySet.search_candidates`).

        For the planner's estimate of how many match: with the exact substring test beside it, it
        counts the term's selectivity twice.
        """
        return self._filtered(self.queryset, lambda items, term: items.search_candidates(term))

    def unsearched(self) -> QuerySet[ApprovalItem]:
        """The filtered items without the search, where a near miss of a term that found nothing is looked for."""
        return self._filtered(self.queryset, lambda items, term: items)

    def walked(self) -> QuerySet[ApprovalItem]:
        """The filtered items with only the exact part of the search, for walking the list in order."""
        return self._filtered(self.queryset, lambda items, term: items.search(term, indexed=False))

    def _filtered(self, items: QuerySet[ApprovalItem], search: Callable) -> QuerySet[ApprovalItem]:
        # As django-filter's filter_queryset applies the filters, on this filterset (a second
        # FilterSet cost a page 1 ms), with `search` for the q filter. An invalid value is left out
        # of cleaned_data: ignored, as the page says (`ignored`).
        data = self.form.cleaned_data
        on = data.get("on")
        items = items.main_items().at_bureau(on=on).order_by("code") if on else items.listed()
        for name, value in data.items():
            if name == "q":
                items = search(items, (value or "")[: MAX_TERM * 2])  # its key is cut to MAX_TERM by approvals.search
            else:
                items = self.filters[name].filter(items, value)
        return items

    def active(self) -> list[tuple[str, str, str]]:
        """(parameter, label, shown value) of each filter in effect, for the removable chips."""
        self.form.is_valid()
        chips = []
        for name, value in self.form.cleaned_data.items():
            if value in (None, ""):
                continue
            field = self.form.fields[name]
            if isinstance(value, datetime.date):
                shown = date_format(value, "Y年n月j日")
            else:
                shown = dict(field.choices).get(value, value) if hasattr(field, "choices") else value
            chips.append((name, str(field.label), str(shown)))
        return chips

    def described(self) -> str:
        """The filters in effect in words, for a download's title: 市交通局、“危险货物”, or "" when none."""
        words = []
        for name, label, shown in self.active():
            if name == "q":
                shown = f"“{shown}”"
            elif name == "on":
                shown = f"{label}{shown}"
            words.append(shown)
        return "、".join(words)

    def ignored(self) -> list[str]:
        """Labels of parameters whose value was not understood (they are ignored, not an error)."""
        self.form.is_valid()
        return [str(self.form.fields[name].label) for name in self.form.errors]
