"""The register's code lists as SKOS concept schemes, each at a stable URL of the site.

A scheme is the JSON-LD document `/vocabularies/<slug>.jsonld`; the scheme itself is `…#scheme` and each
concept `…#<value>`, the value stored in the database, which never changes once chosen. The labels are
those the official tables print.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import models
from django.urls import reverse

from approvals.models import Transfer
from approvals.vocabulary import ItemStatus, ItemType

Absolute = Callable[[str], str]
LANGUAGE = "zh-Hans"

# slug: (title, description, choices)
SCHEMES: dict[str, tuple[str, str, type[models.TextChoices]]] = {
    "item-types": ("国家行政权力事项类型", "事项目录“事项类型”一栏的十类行政权力。", ItemType),
    "statuses": ("事项划转状态", "事项当前由谁实施：审批服务管理局、原部门，或已取消、已下放。", ItemStatus),
    "events": (
        "事项划转事件",
        "事项历史中的事件，及其法律文件所起的作用：划转、承接、退回、取消、下放。",
        Transfer.Kind,
    ),
}
SKOS_CONTEXT = {
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
}


def scheme_iri(slug: str, absolute: Absolute) -> str:
    return absolute(reverse("opendata:scheme", args=[slug])) + "#scheme"


def concept(slug: str, value: str, absolute: Absolute) -> dict:
    """A reference to one concept, with its label and scheme, for use inside another description."""
    title, _description, choices = SCHEMES[slug]
    return {
        "@id": absolute(reverse("opendata:scheme", args=[slug])) + f"#{value}",
        "@type": "skos:Concept",
        "skos:prefLabel": {"@language": LANGUAGE, "@value": str(choices(value).label)},
        "skos:inScheme": {"@id": scheme_iri(slug, absolute)},
    }


def scheme_jsonld(slug: str, absolute: Absolute) -> dict:
    """The whole scheme: its title and description, and every concept as its top concept."""
    title, description, choices = SCHEMES[slug]
    concepts = [concept(slug, value, absolute) for value in choices.values]
    for item in concepts:
        item["skos:topConceptOf"] = item["skos:inScheme"]
        item["skos:notation"] = item["@id"].rsplit("#", 1)[1]
    return {
        "@context": SKOS_CONTEXT,
        "@id": scheme_iri(slug, absolute),
        "@type": "skos:ConceptScheme",
        "dct:title": {"@language": LANGUAGE, "@value": title},
        "skos:prefLabel": {"@language": LANGUAGE, "@value": title},
        "dct:description": {"@language": LANGUAGE, "@value": description},
        "skos:hasTopConcept": concepts,
    }
