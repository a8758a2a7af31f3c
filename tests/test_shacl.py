"""The open data of the official 2022 catalogue against the official SHACL shapes (../shared/shapes/).

Every public item's CPSV-AP JSON-LD, merged into one graph, against CPSV-AP 3.2.0; the catalogue, every
published edition's DCAT and the code lists against DCAT-AP 3.0.1 (the release's SHACL, and its core shapes
with the class ranges), with no violation; and against DCAT-AP's recommended properties, with a warning
only where our data has nothing to say. Documents come through the test client and their contexts are inline,
so nothing is fetched from another site. The shapes lie beside the repository; CI sets REQUIRE_SHAPES=1.
"""

from pathlib import Path

import pytest
from django.conf import settings
from rdflib import Graph, Namespace
from rdflib.namespace import RDF

from tests.conftest import require

pytestmark = [
    pytest.mark.django_db,
    # rdflib's JSON-LD parser warns about its own use of ConjunctiveGraph.
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning"),
]

SHAPES = Path(settings.BASE_DIR).parent / "shared" / "shapes"
SH = Namespace("http://www.w3.org/ns/shacl#")
CPSV = Namespace("http://purl.org/vocab/cpsv#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
CV = Namespace("http://data.europa.eu/m8g/")
VOCABULARIES = ("item-types", "statuses", "events")


@pytest.fixture
def shapes():
    require("REQUIRE_SHAPES", SHAPES.is_dir(), "需要 ../shared/shapes/（SEMIC 发布的 SHACL 形状）")

    def load(*names: str) -> Graph:
        graph = Graph()
        for name in names:
            graph.parse(SHAPES / name, format="turtle")
        return graph

    return load


def _graph(client, urls: list[str]) -> Graph:
    graph = Graph()
    graph.bind("dct", "http://purl.org/dc/terms/", replace=True)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        graph.parse(data=response.content, format="json-ld", base=f"http://testserver{url}")
    return graph


def _results(data: Graph, shapes: Graph) -> list[tuple[str, str, str, str]]:
    """(severity, focus node's class, path, constraint) of each result, sorted."""
    import pyshacl

    _conforms, report, _text = pyshacl.validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
    results = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        kind = data.value(focus, RDF.type)
        results.append(
            (
                str(report.value(result, SH.resultSeverity)).split("#")[-1],
                data.namespace_manager.normalizeUri(kind) if kind else "",
                data.namespace_manager.normalizeUri(report.value(result, SH.resultPath)),
                str(report.value(result, SH.sourceConstraintComponent)).split("#")[-1],
            )
        )
    return sorted(results)


def _count(graph: Graph, kind) -> int:
    return len(set(graph.subjects(RDF.type, kind)))


def _item_urls() -> list[str]:
    from approvals.models import ApprovalItem

    return [f"/items/{code}/cpsv.jsonld" for code in ApprovalItem.objects.public().values_list("code", flat=True)]


def _dcat_urls() -> list[str]:
    from catalog.models import Edition

    editions = [f"/editions/{slug}/dcat.jsonld" for slug in Edition.objects.published().values_list("slug", flat=True)]
    return ["/editions/dcat.jsonld", *editions, *(f"/vocabularies/{slug}.jsonld" for slug in VOCABULARIES)]


def test_every_public_item_conforms_to_cpsv_ap_3_2_0(client, shapes):
    data = _graph(client, _item_urls())
    assert _results(data, shapes("cpsv-ap-3.2.0-SHACL.ttl")) == []
    assert _count(data, CPSV.PublicService) == 320
    assert _count(data, SKOS.Concept) == 3 + 2 + 2  # the item types, statuses and event kinds in use
    # Each of the 17 sub-items and its main item are related services, both ways.
    related = set(data.subject_objects(CV.relatedService))
    assert len(related) == 2 * 17
    assert all((o, s) in related for s, o in related)


def test_the_offices_contact_points_and_channels_conform_to_cpsv_ap_3_2_0(client, shapes):
    """Issue 20: with every contact field filled (the official data has none yet), the bureau's items and a returned
    item's department give contact points and channels that the shapes accept."""
    from approvals.models import Department

    contacts = {"address": "开发区民福东街", "phone": "0349-2021234", "office_hours": "工作日 9:00—17:30"}
    Department.objects.filter(jurisdiction__code="shuozhou").update(**contacts, website="https://zwfw.example/")
    data = _graph(client, ["/items/SZ-0001/cpsv.jsonld", "/items/SZ-0002/cpsv.jsonld", "/items/SZ-0216/cpsv.jsonld"])
    assert _results(data, shapes("cpsv-ap-3.2.0-SHACL.ttl")) == []
    assert _count(data, CV.ContactPoint) == 3
    assert _count(data, CV.Channel) == 6  # each item's hall and online service


def test_the_catalogue_editions_and_code_lists_conform_to_dcat_ap_3_0_1(client, shapes):
    data = _graph(client, _dcat_urls())
    assert _results(data, shapes("dcat-ap-3.0.1-SHACL.ttl")) == []
    assert _results(data, shapes("dcat-ap-3.0.1-shapes.ttl", "dcat-ap-3.0.1-range.ttl")) == []
    assert _count(data, DCAT.Catalog) == 1
    assert _count(data, DCAT.Dataset) == 1
    assert _count(data, DCAT.Distribution) == 4  # xlsx, docx, csv, json
    assert _count(data, SKOS.ConceptScheme) == 3 + 1  # ours and the EU's data themes


def test_only_what_our_data_lacks_is_missing_from_the_recommended_properties(client, shapes):
    """No geometry of a jurisdiction (dcat:bbox, dcat:centroid of each dct:Location: the catalogue's and the
    dataset's), and no end to the coverage of the current edition, which no later edition has replaced."""
    data = _graph(client, ["/editions/dcat.jsonld"])
    location = [
        ("Warning", "dct:Location", "dcat:bbox", "MinCountConstraintComponent"),
        ("Warning", "dct:Location", "dcat:centroid", "MinCountConstraintComponent"),
    ]
    assert _results(data, shapes("dcat-ap-3.0.1-shapes_recommended.ttl")) == [
        *sorted(location * 2),
        ("Warning", "dct:PeriodOfTime", "dcat:endDate", "MinCountConstraintComponent"),
    ]
