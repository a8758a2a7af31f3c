"""DCAT-AP 3.0 for the published editions: one dataset per edition, and the catalogue of all of them.

Each description is a JSON-LD document; what it describes has an IRI of its own inside it
(`…/editions/2022/dcat.jsonld#dataset`, `…/editions/dcat.jsonld#catalog`), so that the dataset and the file
that describes it are not confused. Code lists are the EU's authority tables and IANA's media types, each
value typed as DCAT-AP's ranges ask. The licence of the files is the setting OPEN_DATA_LICENSE.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse

from approvals.models import Department, Jurisdiction
from catalog.models import Edition
from public.opendata import LANGUAGE, location

Absolute = Callable[[str], str]

DCAT_CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcatap": "http://data.europa.eu/r5r/",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "eli": "http://data.europa.eu/eli/ontology#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
AUTHORITY = "http://publications.europa.eu/resource/authority/"
IANA = "https://www.iana.org/assignments/media-types/"
# format: (media type, EU file type, title, description)
FORMATS = {
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "XLSX",
        "Excel 表格（官方版式）",
        "与通知附件版式一致的 Excel 工作簿：第一部分、第二部分各一张工作表。",
    ),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "DOCX",
        "Word 文档（通知附件版式）",
        "可作为通知附件印发的 Word 文档：A4 横向，表格与官方版式一致，带页码。",
    ),
    "csv": ("text/csv", "CSV", "CSV（UTF-8，带 BOM）", "每行一个事项或子项，列与官方表格相同，另含事项编码。"),
    "json": (
        "application/json",
        "JSON",
        "JSON（每行一个对象，含事项编码）",
        "每行一个 JSON 对象（JSON Lines），含事项编码。",
    ),
}
KEYWORDS = ("行政审批", "相对集中行政许可权", "划转事项", "权力清单", "审批服务管理局")
THEME = ("data-theme/GOVE", "政府和公共部门")
# ADMS licence types of the licences most often chosen; another licence is published without a type.
LICENCE_TYPES = {
    "creativecommons.org/licenses/by/": ("Attribution", "署名"),
    "creativecommons.org/publicdomain/zero/": ("PublicDomain", "公有领域"),
}


def _text(value: str) -> dict:
    return {"@language": LANGUAGE, "@value": value}


def _date(value) -> dict:
    return {"@type": "xsd:date", "@value": value.isoformat()}


def _concept(iri: str, label: str, kind: str = "skos:Concept") -> dict:
    return {"@id": iri, "@type": kind, "skos:prefLabel": _text(label)}


def licence() -> dict:
    iri = settings.OPEN_DATA_LICENSE
    document = {"@id": iri, "@type": "dct:LicenseDocument"}
    kind = next((kind for prefix, kind in LICENCE_TYPES.items() if prefix in iri), None)
    if kind:
        document["dct:type"] = _concept(f"http://purl.org/adms/licencetype/{kind[0]}", kind[1])
    return document


def _bureau(jurisdiction: Jurisdiction):
    return next((d for d in jurisdiction.departments.all() if d.is_bureau), None)


def _publisher(jurisdiction: Jurisdiction, absolute: Absolute) -> dict:
    """The bureau that keeps the register (an IRI: its page), or the jurisdiction when it has none."""
    bureau = _bureau(jurisdiction)
    name = (bureau.full_name or bureau.short_name) if bureau else jurisdiction.name
    path = bureau.get_absolute_url() if bureau else reverse("public:index") + f"?jurisdiction={jurisdiction.code}"
    return {
        "@id": absolute(path),
        "@type": "foaf:Agent",
        "foaf:name": _text(name),
        "dct:type": _concept("http://purl.org/adms/publishertype/LocalAuthority", "地方政府机关"),
    }


def _contact_point(jurisdiction: Jurisdiction, absolute: Absolute) -> dict:
    publisher = _publisher(jurisdiction, absolute)
    return {
        "@type": ["vcard:Kind", "vcard:Organization"],
        "vcard:fn": publisher["foaf:name"],
        "vcard:hasURL": {"@id": publisher["@id"]},
    }


def dataset_iri(edition: Edition, absolute: Absolute) -> str:
    return absolute(reverse("opendata:edition", args=[edition.slug])) + "#dataset"


def edition_dcat(edition: Edition, absolute: Absolute, next_edition: Edition | None = None) -> dict:
    """A published edition as a DCAT `dcat:Dataset` with one distribution per export format.

    It covers the time from its publication to that of the next edition of its jurisdiction, if any.
    `edition` should come with `jurisdiction__departments` and `document`."""
    iri = dataset_iri(edition, absolute)
    base = edition.get_absolute_url()
    period = {"@type": "dct:PeriodOfTime"}
    if edition.published_on:
        period["dcat:startDate"] = _date(edition.published_on)
    if next_edition and next_edition.published_on:
        period["dcat:endDate"] = _date(next_edition.published_on)
    dataset = {
        "@id": iri,
        "@type": "dcat:Dataset",
        "dct:identifier": edition.slug,
        "dct:title": _text(edition.title),
        "dct:description": _text(f"{edition.section1_heading}；{edition.section2_heading}。"),
        "dcat:keyword": [_text(word) for word in KEYWORDS],
        "dcat:theme": _concept(AUTHORITY + THEME[0], THEME[1]),
        "dct:language": {"@id": AUTHORITY + "language/ZHO", "@type": "dct:LinguisticSystem"},
        "dct:spatial": location(edition.jurisdiction),
        "dct:temporal": period,
        "dct:publisher": _publisher(edition.jurisdiction, absolute),
        "dcat:contactPoint": _contact_point(edition.jurisdiction, absolute),
        "dcat:landingPage": {"@id": absolute(base), "@type": "foaf:Document"},
        "dcat:distribution": [
            {
                "@id": f"{iri[: -len('#dataset')]}#{fmt}",
                "@type": "dcat:Distribution",
                "dct:title": _text(title),
                "dct:description": _text(description),
                "dcat:downloadURL": {"@id": absolute(f"{base}download.{fmt}")},
                "dcat:accessURL": {"@id": absolute(f"{base}download.{fmt}")},
                "dcat:mediaType": {"@id": IANA + media_type, "@type": "dct:MediaType"},
                "dct:format": {"@id": f"{AUTHORITY}file-type/{file_type}", "@type": "dct:MediaTypeOrExtent"},
                "dct:license": licence(),
                "dcatap:availability": _concept(AUTHORITY + "planned-availability/STABLE", "长期"),
            }
            for fmt, (media_type, file_type, title, description) in FORMATS.items()
        ],
    }
    if edition.published_on:
        dataset["dct:issued"] = _date(edition.published_on)
    if edition.document_id:
        # The notice that published the edition. DCAT-AP's dct:source is for a source dataset, so the notice
        # is a related legal resource.
        document = edition.document
        notice = {"@type": "eli:LegalResource", "eli:id_local": document.number, "dct:title": _text(document.title)}
        if document.url:
            notice["@id"] = document.url
        dataset["dct:relation"] = notice
    return dataset


def _next_editions(editions: list[Edition]) -> dict[int, Edition]:
    """Each edition's successor among `editions` (from `EditionQuerySet.with_previous`)."""
    return {e.previous_edition.pk: e for e in editions if e.previous_edition is not None}


def edition_document(edition: Edition, absolute: Absolute) -> dict:
    editions = Edition.objects.filter(jurisdiction_id=edition.jurisdiction_id).with_previous()
    return {"@context": DCAT_CONTEXT, **edition_dcat(edition, absolute, _next_editions(editions).get(edition.pk))}


def catalog_document(absolute: Absolute) -> dict:
    """The catalogue of every published edition, each described in full; published by the city's bureau."""
    editions = (
        Edition.objects.select_related("jurisdiction", "document")
        .prefetch_related(Prefetch("jurisdiction__departments", queryset=Department.objects.filter(is_bureau=True)))
        .with_previous()
    )
    following = _next_editions(editions)
    bureaus = Prefetch("departments", queryset=Department.objects.filter(is_bureau=True))
    city = Jurisdiction.objects.filter(level=Jurisdiction.Level.CITY).prefetch_related(bureaus).first()
    catalog = {
        "@context": DCAT_CONTEXT,
        "@id": absolute(reverse("opendata:catalog")) + "#catalog",
        "@type": "dcat:Catalog",
        "dct:title": _text("行政审批事项划转目录开放数据"),
        "dct:description": _text("各辖区已发布的行政审批事项划转目录版本，每个版本提供 Excel、CSV 和 JSON 下载。"),
        "dct:language": {"@id": AUTHORITY + "language/ZHO", "@type": "dct:LinguisticSystem"},
        "dct:license": licence(),
        "foaf:homepage": {"@id": absolute(reverse("public:editions")), "@type": "foaf:Document"},
        "dcat:themeTaxonomy": {
            "@id": AUTHORITY + "data-theme",
            "@type": "skos:ConceptScheme",
            "dct:title": _text("数据主题"),
        },
        "dcat:dataset": [edition_dcat(e, absolute, following.get(e.pk)) for e in editions],
    }
    if city is not None:
        catalog["dct:publisher"] = _publisher(city, absolute)
        catalog["dct:spatial"] = location(city)
    dates = [e.published_on for e in editions if e.published_on]
    if dates:
        catalog["dct:issued"] = _date(min(dates))
        catalog["dct:modified"] = _date(max(dates))
    return catalog
