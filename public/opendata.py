"""Open-data descriptions other systems read: CPSV-AP 3.2 for items (DCAT for editions: `opendata_dcat`).

Both are plain JSON-LD dictionaries built from the register and the editions;
the views only serialise them. URLs are absolute, built by the caller's
`absolute(path)` so that the same code serves any host name.
"""

from __future__ import annotations

from collections.abc import Callable

from approvals.models import ApprovalItem, Department, Jurisdiction
from approvals.offices import handling_offices
from public import vocabularies

Absolute = Callable[[str], str]

CPSV_CONTEXT = {
    "cpsv": "http://purl.org/vocab/cpsv#",
    "cv": "http://data.europa.eu/m8g/",
    "dct": "http://purl.org/dc/terms/",
    "adms": "http://www.w3.org/ns/adms#",
    "eli": "http://data.europa.eu/eli/ontology#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "locn": "http://www.w3.org/ns/locn#",
    "time": "http://www.w3.org/2006/time#",
    "foaf": "http://xmlns.com/foaf/0.1/",
}
LANGUAGE = vocabularies.LANGUAGE


def _text(value: str) -> dict:
    return {"@language": LANGUAGE, "@value": value}


def location(jurisdiction: Jurisdiction) -> dict:
    return {"@type": "dct:Location", "skos:prefLabel": _text(jurisdiction.name)}


def _organisation(item: ApprovalItem, office: Department | None, absolute: Absolute) -> dict:
    """Who carries the item out now: the (first) office that handles it (approvals.offices.handling_offices);
    a cancelled or devolved item names its departments as the table prints them."""
    organisation = {"@type": "cv:PublicOrganisation", "dct:spatial": location(item.jurisdiction)}
    if office is None:
        return {**organisation, "skos:prefLabel": _text(item.department_text())}
    return {
        "@id": absolute(office.get_absolute_url()),
        **organisation,
        "skos:prefLabel": _text(office.full_name or office.short_name),
    }


def _opening_hours(office: Department) -> dict:
    # cv:openingHours takes a time:TemporalEntity; the register has the hours in words, its description.
    return {"@type": "time:TemporalEntity", "dct:description": _text(office.office_hours)}


def _contact_point(office: Department) -> dict:
    """The office's contact point: telephone, address, hours and web page, those the register has."""
    point: dict = {"@type": "cv:ContactPoint"}
    if office.phone:
        point["cv:telephone"] = office.phone
    if office.address:
        point["locn:address"] = {"@type": "locn:Address", "locn:fullAddress": _text(office.address)}
    if office.office_hours:
        point["cv:openingHours"] = _opening_hours(office)
    if office.website:
        point["cv:contactPage"] = {"@id": office.website, "@type": "foaf:Document"}
    return point


def _channels(item: ApprovalItem, office: Department) -> list[dict]:
    """The office's hall, and its online service when it has one. Blank nodes: the same office serves many
    items, and each channel names the item it is for (dct:identifier, one per channel)."""
    name = office.full_name or office.short_name
    hall = {
        "@type": "cv:Channel",
        "dct:identifier": f"{item.code}/{office.slug}/窗口",
        "dct:description": _text(f"到{name}办理" + (f"：{office.address}" if office.address else "")),
    }
    if office.office_hours:
        hall["cv:openingHours"] = _opening_hours(office)
    channels = [hall]
    if office.website:
        online = {
            "@type": "cv:Channel",
            "dct:identifier": f"{item.code}/{office.slug}/网上办理",
            "dct:description": _text(f"网上办理：{office.website}"),
            "foaf:page": {"@id": office.website},
        }
        channels.append(online)
    return channels


def _legal_resources(item: ApprovalItem, absolute: Absolute) -> list[dict]:
    resources = []
    if item.legal_basis:
        resources.append(
            {"@type": "eli:LegalResource", "dct:title": _text("设定依据"), "dct:description": _text(item.legal_basis)}
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
            # What the document did to this item: the kind of its event, a concept of /vocabularies/events.jsonld.
            "dct:type": vocabularies.concept("events", transfer.kind, absolute),
        }
        if document.issued_on:
            resource["eli:date_document"] = {"@type": "xsd:date", "@value": document.issued_on.isoformat()}
        if document.url:
            resource["@id"] = document.url
        resources.append(resource)
    return resources


def _service_reference(item: ApprovalItem, absolute: Absolute) -> dict:
    return {"@id": absolute(item.get_absolute_url()), "dct:identifier": item.code}


def item_jsonld(item: ApprovalItem, absolute: Absolute) -> dict:
    """The item as a CPSV-AP 3.2 `cpsv:PublicService`.

    A sub-item and its main item are related services (`cv:relatedService`, both ways); the main item also
    names its sub-items as its parts. The office that handles it (approvals.offices) is the competent
    authority, its contact point and its channels. `item` should come from public.item_page.item_page or
    public.selectors.item_pages (`department_links__department`, the jurisdiction's bureau, `transfers__document`,
    `parent` and `children` loaded).
    """
    offices = handling_offices(item)
    description = f"{item.get_item_type_display()}事项：{item.name}。当前{item.get_status_display()}。"
    if item.remarks:
        description += item.remarks
    # cv:processingTime is an xsd:duration; 工作日 (working days) have none, so the limit stays in words.
    for label, limit in (("承诺时限", item.promised_time_limit), ("法定时限", item.statutory_time_limit)):
        if limit:
            description += f"{label}：{limit}。"
    service = {
        "@context": CPSV_CONTEXT,
        "@id": absolute(item.get_absolute_url()),
        "@type": "cpsv:PublicService",
        "dct:identifier": item.code,
        "dct:title": _text(item.name),
        "dct:description": _text(description),
        "dct:type": vocabularies.concept("item-types", item.item_type, absolute),
        "adms:status": vocabularies.concept("statuses", item.status, absolute),
        "dct:spatial": location(item.jurisdiction),
        "cv:hasCompetentAuthority": _organisation(item, offices[0] if offices else None, absolute),
        "cv:hasLegalResource": _legal_resources(item, absolute),
    }
    if offices:
        # CPSV-AP 3.2 names the property cv:contactPoint (its SHACL shape's path), not cv:hasContactPoint.
        service["cv:contactPoint"] = [_contact_point(office) for office in offices]
        service["cv:hasChannel"] = [channel for office in offices for channel in _channels(item, office)]
    children = list(item.children.all())
    related = [item.parent] if item.parent_id else children
    if related:
        service["cv:relatedService"] = [_service_reference(other, absolute) for other in related]
    if children:
        service["dct:hasPart"] = [_service_reference(child, absolute) for child in children]
    if item.fees:
        service["cv:hasCost"] = {
            "@type": "cv:Cost",
            "dct:identifier": f"{item.code}/收费",
            "dct:description": _text(item.fees),
        }
    if item.application_materials:
        service["cpsv:hasInput"] = {
            "@type": "cv:Evidence",
            "dct:identifier": f"{item.code}/申请材料",
            "dct:title": _text("申请材料"),
            "dct:description": _text(item.application_materials),
        }
    return service
