"""Open-data descriptions other systems read: DCAT for editions, CPSV-AP 3.2 for items.

Both are plain JSON-LD dictionaries built from the register and the editions;
the views only serialise them. URLs are absolute, built by the caller's
`absolute(path)` so that the same code serves any host name.
"""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse

from approvals.models import ApprovalItem, ItemStatus, Transfer
from catalog.models import Edition

Absolute = Callable[[str], str]

CPSV_CONTEXT = {
    "cpsv": "http://purl.org/vocab/cpsv#",
    "cv": "http://data.europa.eu/m8g/",
    "dct": "http://purl.org/dc/terms/",
    "adms": "http://www.w3.org/ns/adms#",
    "eli": "http://data.europa.eu/eli/ontology#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
DCAT_CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
FORMATS = {
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX", "Excel 表格（官方版式）"),
    "csv": ("text/csv", "CSV", "CSV（UTF-8，带 BOM）"),
    "json": ("application/json", "JSON", "JSON（每行一个对象，含事项编码）"),
}
LANGUAGE = "zh-Hans"


def _text(value: str) -> dict:
    return {"@language": LANGUAGE, "@value": value}


def _concept(label: str, scheme: str) -> dict:
    return {"@type": "skos:Concept", "skos:prefLabel": _text(label), "skos:inScheme": scheme}


def _organisation(item: ApprovalItem, absolute: Absolute) -> dict:
    """Who carries the item out now: the bureau while it is there, otherwise its own department(s)."""
    jurisdiction = item.jurisdiction
    spatial = {"@type": "dct:Location", "skos:prefLabel": _text(jurisdiction.name)}
    departments = [link.department for link in item.department_links.all()]
    if item.status == ItemStatus.BUREAU:
        bureau = next((d for d in jurisdiction.departments.all() if d.is_bureau), None)
        departments = [bureau] if bureau else departments
    if not departments:
        return {"@type": "cv:PublicOrganisation", "skos:prefLabel": _text(item.source_text), "cv:spatial": spatial}
    department = departments[0]
    return {
        "@id": absolute(department.get_absolute_url()),
        "@type": "cv:PublicOrganisation",
        "skos:prefLabel": _text(department.full_name or department.short_name),
        "cv:spatial": spatial,
    }


def _legal_resources(item: ApprovalItem, absolute: Absolute) -> list[dict]:
    resources = []
    if item.legal_basis:
        resources.append(
            {"@type": "eli:LegalResource", "dct:description": _text(item.legal_basis), "dct:type": "设定依据"}
        )
    seen = set()
    for transfer in item.transfers.all():
        document = transfer.document
        if document is None or document.pk in seen:
            continue
        seen.add(document.pk)
        resource = {
            "@type": "eli:LegalResource",
            "eli:id_local": document.number,
            "dct:title": _text(document.title),
            "dct:type": str(Transfer.Kind(transfer.kind).label),
        }
        if document.issued_on:
            resource["eli:date_document"] = {"@type": "xsd:date", "@value": document.issued_on.isoformat()}
        if document.url:
            resource["@id"] = document.url
        resources.append(resource)
    return resources


def item_jsonld(item: ApprovalItem, absolute: Absolute) -> dict:
    """The item as a CPSV-AP 3.2 `cpsv:PublicService`.

    `item` should come with `jurisdiction__departments`, `department_links__department`,
    `transfers__document`, `parent` and `children` prefetched.
    """
    description = f"{item.get_item_type_display()}事项：{item.name}。当前{item.get_status_display()}。"
    if item.remarks:
        description += item.remarks
    service = {
        "@context": CPSV_CONTEXT,
        "@id": absolute(item.get_absolute_url()),
        "@type": "cpsv:PublicService",
        "dct:identifier": item.code,
        "dct:title": _text(item.name),
        "dct:description": _text(description),
        "dct:type": _concept(item.get_item_type_display(), "国家行政权力事项类型"),
        "adms:status": _concept(item.get_status_display(), "事项划转状态"),
        "dct:spatial": {"@type": "dct:Location", "skos:prefLabel": _text(item.jurisdiction.name)},
        "cv:hasCompetentAuthority": _organisation(item, absolute),
        "cv:hasLegalResource": _legal_resources(item, absolute),
    }
    if item.parent_id:
        service["dct:isPartOf"] = {"@id": absolute(item.parent.get_absolute_url()), "dct:identifier": item.parent.code}
    children = list(item.children.all())
    if children:
        service["dct:hasPart"] = [{"@id": absolute(c.get_absolute_url()), "dct:identifier": c.code} for c in children]
    if item.promised_time_limit or item.statutory_time_limit:
        service["cv:processingTime"] = item.promised_time_limit or item.statutory_time_limit
    if item.fees:
        service["cv:hasCost"] = {"@type": "cv:Cost", "dct:description": _text(item.fees)}
    if item.application_materials:
        service["cv:hasInputEvidence"] = {"@type": "cv:Evidence", "dct:description": _text(item.application_materials)}
    return service


def edition_dcat(edition: Edition, absolute: Absolute, download_path: Callable[[str], str]) -> dict:
    """A published edition as a DCAT `dcat:Dataset` with one distribution per export format."""
    dataset = {
        "@context": DCAT_CONTEXT,
        "@id": absolute(reverse("opendata:edition", args=[edition.slug])),
        "@type": "dcat:Dataset",
        "dct:identifier": edition.slug,
        "dct:title": _text(edition.title),
        "dct:description": _text(f"{edition.section1_heading}；{edition.section2_heading}。"),
        "dct:language": {"@id": "http://publications.europa.eu/resource/authority/language/ZHO"},
        "dct:spatial": {"@type": "dct:Location", "dct:title": _text(edition.jurisdiction.name)},
        "dct:publisher": {"@type": "foaf:Agent", "foaf:name": _text(_publisher(edition))},
        "dcat:landingPage": {"@id": absolute(edition.get_absolute_url())},
        "dcat:distribution": [
            {
                "@type": "dcat:Distribution",
                "dct:title": _text(title),
                "dcat:downloadURL": {"@id": absolute(download_path(fmt))},
                "dcat:accessURL": {"@id": absolute(download_path(fmt))},
                "dcat:mediaType": media_type,
                "dct:format": label,
            }
            for fmt, (media_type, label, title) in FORMATS.items()
        ],
    }
    if edition.published_on:
        dataset["dct:issued"] = {"@type": "xsd:date", "@value": edition.published_on.isoformat()}
    if edition.document_id:
        dataset["dct:source"] = _text(f"{edition.document.number} {edition.document.title}")
    return dataset


def _publisher(edition: Edition) -> str:
    bureau = edition.jurisdiction.departments.filter(is_bureau=True).first()
    return bureau.full_name if bureau and bureau.full_name else edition.jurisdiction.name
