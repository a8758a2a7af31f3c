"""Open data: DCAT for editions, CPSV-AP 3.2 JSON-LD for items, SKOS for code lists (shapes: test_shacl.py)."""

import json

import pytest

pytestmark = pytest.mark.django_db

# CPSV-AP 3.2: mandatory properties of a Public Service and of a Public Organisation.
PUBLIC_SERVICE_REQUIRED = ("dct:identifier", "dct:title", "dct:description", "cv:hasCompetentAuthority")
PUBLIC_ORGANISATION_REQUIRED = ("skos:prefLabel", "dct:spatial")


def _get(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    return json.loads(response.content)


def _assert_public_service(service: dict) -> None:
    assert service["@type"] == "cpsv:PublicService"
    for key in PUBLIC_SERVICE_REQUIRED:
        assert service.get(key), key
    authority = service["cv:hasCompetentAuthority"]
    assert authority["@type"] == "cv:PublicOrganisation"
    for key in PUBLIC_ORGANISATION_REQUIRED:
        assert authority.get(key), key
    for key in ("dct:title", "dct:description"):
        assert service[key]["@language"] == "zh-Hans"
    assert {"cpsv", "cv", "dct"} <= set(service["@context"])


def test_an_item_at_the_bureau_is_a_public_service_of_the_bureau(client):
    service = _get(client, "/items/SZ-0001/cpsv.jsonld")
    _assert_public_service(service)
    assert service["dct:identifier"] == "SZ-0001"
    assert service["dct:title"]["@value"] == "招标方案核准"
    assert service["@id"] == "http://testserver/items/SZ-0001/"
    assert service["cv:hasCompetentAuthority"]["skos:prefLabel"]["@value"] == "朔州市行政审批服务管理局"
    assert service["dct:type"] == {
        "@id": "http://testserver/vocabularies/item-types.jsonld#licensing",
        "@type": "skos:Concept",
        "skos:prefLabel": {"@language": "zh-Hans", "@value": "行政许可"},
        "skos:inScheme": {"@id": "http://testserver/vocabularies/item-types.jsonld#scheme"},
    }
    assert service["adms:status"]["@id"] == "http://testserver/vocabularies/statuses.jsonld#bureau"
    assert service["adms:status"]["skos:prefLabel"]["@value"] == "由审批服务管理局实施"
    assert [r["eli:id_local"] for r in service["cv:hasLegalResource"]] == ["朔政发〔2020〕7号"]


def test_a_returned_item_names_its_department_and_both_documents(client):
    service = _get(client, "/items/SZ-0216/cpsv.jsonld")
    _assert_public_service(service)
    authority = service["cv:hasCompetentAuthority"]
    assert authority["skos:prefLabel"]["@value"] == "朔州市教育局"
    assert authority["@id"] == "http://testserver/departments/jyj/"
    assert [
        (r["eli:id_local"], r["dct:type"]["@id"], r["dct:type"]["skos:prefLabel"]["@value"])
        for r in service["cv:hasLegalResource"]
    ] == [
        ("朔政发〔2020〕7号", "http://testserver/vocabularies/events.jsonld#transfer", "划转至审批服务管理局"),
        ("朔政发〔2022〕20号", "http://testserver/vocabularies/events.jsonld#return", "退回原部门"),
    ]
    assert service["cv:hasLegalResource"][1]["eli:date_document"]["@value"] == "2022-08-09"


def test_sub_items_and_main_items_are_related_services_of_each_other(client):
    main = _get(client, "/items/SZ-0003/cpsv.jsonld")
    codes = ["SZ-0003-01", "SZ-0003-02", "SZ-0003-03"]
    parts = [{"@id": f"http://testserver/items/{code}/", "dct:identifier": code} for code in codes]
    assert main["cv:relatedService"] == parts
    assert main["dct:hasPart"] == parts
    sub = _get(client, "/items/SZ-0003-02/cpsv.jsonld")
    _assert_public_service(sub)
    assert sub["cv:relatedService"] == [{"@id": "http://testserver/items/SZ-0003/", "dct:identifier": "SZ-0003"}]
    assert "dct:isPartOf" not in sub and "dct:hasPart" not in sub


def test_an_accepted_item_is_carried_out_by_the_bureau(client):
    service = _get(client, "/items/SZ-0143/cpsv.jsonld")
    assert service["dct:title"]["@value"] == "床土调酸剂登记"
    assert service["cv:hasCompetentAuthority"]["skos:prefLabel"]["@value"] == "朔州市行政审批服务管理局"
    assert service["cv:hasLegalResource"] == []


def test_service_guide_fields_appear_when_filled(client):
    from approvals.models import ApprovalItem

    ApprovalItem.objects.filter(code="SZ-0001").update(
        promised_time_limit="5个工作日", fees="不收费", legal_basis="《中华人民共和国招标投标法》"
    )
    service = _get(client, "/items/SZ-0001/cpsv.jsonld")
    assert service["dct:description"]["@value"].endswith("承诺时限：5个工作日。")
    assert "cv:processingTime" not in service  # an xsd:duration, which 工作日 are not
    assert service["cv:hasCost"] == {
        "@type": "cv:Cost",
        "dct:identifier": "SZ-0001/收费",
        "dct:description": {"@language": "zh-Hans", "@value": "不收费"},
    }
    assert service["cv:hasLegalResource"][0]["dct:title"]["@value"] == "设定依据"
    assert service["cv:hasLegalResource"][0]["dct:description"]["@value"] == "《中华人民共和国招标投标法》"


def test_the_item_description_runs_a_fixed_number_of_queries(client, django_assert_num_queries):
    # The register's version (the page's validators), then the item page's loader: the item with its jurisdiction,
    # bureau, parent and intake, its departments, its events, its sub-items.
    with django_assert_num_queries(5):
        _get(client, "/items/SZ-0003/cpsv.jsonld")


def test_a_published_edition_is_a_dcat_dataset_with_three_distributions(client):
    dataset = _get(client, "/editions/2022/dcat.jsonld")
    assert dataset["@type"] == "dcat:Dataset"
    assert dataset["@id"] == "http://testserver/editions/2022/dcat.jsonld#dataset"
    assert dataset["dct:identifier"] == "2022"
    assert dataset["dct:title"]["@value"] == "朔州市相对集中行政许可权改革市级划转事项调整目录 （2022年版）"
    assert dataset["dct:issued"]["@value"] == "2022-08-09"
    assert dataset["dct:temporal"] == {
        "@type": "dct:PeriodOfTime",
        "dcat:startDate": {"@type": "xsd:date", "@value": "2022-08-09"},
    }
    assert dataset["dct:publisher"]["@id"] == dataset["dcat:contactPoint"]["vcard:hasURL"]["@id"]
    assert dataset["dct:publisher"]["foaf:name"]["@value"] == "朔州市行政审批服务管理局"
    assert dataset["dcat:contactPoint"]["vcard:fn"]["@value"] == "朔州市行政审批服务管理局"
    assert dataset["dcat:theme"]["@id"] == "http://publications.europa.eu/resource/authority/data-theme/GOVE"
    assert dataset["dct:relation"]["eli:id_local"] == "朔政发〔2022〕20号"
    distributions = {d["dct:format"]["@id"].rsplit("/", 1)[1]: d for d in dataset["dcat:distribution"]}
    assert set(distributions) == {"XLSX", "DOCX", "CSV", "JSON"}
    # Every distribution's download is there: the files the edition page offers, the Word attachment included.
    for distribution in distributions.values():
        url = distribution["dcat:downloadURL"]["@id"].removeprefix("http://testserver")
        assert client.get(url).status_code in (200, 202), url
    assert distributions["DOCX"]["dcat:downloadURL"]["@id"] == "http://testserver/editions/2022/download.docx"
    csv = distributions["CSV"]
    assert csv["@id"] == "http://testserver/editions/2022/dcat.jsonld#csv"
    assert csv["dcat:downloadURL"]["@id"] == "http://testserver/editions/2022/download.csv"
    assert csv["dcat:mediaType"]["@id"] == "https://www.iana.org/assignments/media-types/text/csv"
    assert csv["dct:license"]["@id"] == "https://creativecommons.org/licenses/by/4.0/"


def test_the_licence_of_the_files_is_a_setting(client, settings):
    settings.OPEN_DATA_LICENSE = "https://example.gov.cn/licence"
    dataset = _get(client, "/editions/2022/dcat.jsonld")
    assert {d["dct:license"]["@id"] for d in dataset["dcat:distribution"]} == {"https://example.gov.cn/licence"}
    assert "dct:type" not in dataset["dcat:distribution"][0]["dct:license"]  # no ADMS licence type known for it


def test_the_catalogue_lists_every_published_edition(client):
    import datetime

    from approvals.models import Jurisdiction
    from catalog.publishing import edition_compile

    city = Jurisdiction.objects.get(code="shuozhou")
    edition_compile(slug="2024", title="2024年版（草稿）", jurisdiction=city, on=datetime.date(2024, 1, 1))
    catalog = _get(client, "/editions/dcat.jsonld")
    assert catalog["@id"] == "http://testserver/editions/dcat.jsonld#catalog"
    assert catalog["@type"] == "dcat:Catalog"
    assert [d["@id"] for d in catalog["dcat:dataset"]] == ["http://testserver/editions/2022/dcat.jsonld#dataset"]
    assert catalog["dcat:dataset"][0] == {
        k: v for k, v in _get(client, "/editions/2022/dcat.jsonld").items() if k != "@context"
    }
    assert catalog["dct:publisher"]["foaf:name"]["@value"] == "朔州市行政审批服务管理局"
    assert catalog["dct:modified"]["@value"] == "2022-08-09"


def test_the_code_lists_are_concept_schemes(client):
    scheme = _get(client, "/vocabularies/events.jsonld")
    assert scheme["@id"] == "http://testserver/vocabularies/events.jsonld#scheme"
    assert scheme["@type"] == "skos:ConceptScheme"
    assert scheme["dct:title"]["@value"] == "事项划转事件"
    assert [(c["skos:notation"], c["skos:prefLabel"]["@value"]) for c in scheme["skos:hasTopConcept"]] == [
        ("transfer", "划转至审批服务管理局"),
        ("accept", "承接上级下放"),
        ("return", "退回原部门"),
        ("cancel", "取消"),
        ("devolve", "下放实施"),
    ]
    assert len(_get(client, "/vocabularies/item-types.jsonld")["skos:hasTopConcept"]) == 10
    assert len(_get(client, "/vocabularies/statuses.jsonld")["skos:hasTopConcept"]) == 5


def test_unknown_items_and_unpublished_editions_are_not_found(client):
    import datetime

    from approvals.models import Jurisdiction
    from catalog.publishing import edition_compile

    city = Jurisdiction.objects.get(code="shuozhou")
    edition_compile(slug="2024", title="2024年版（草稿）", jurisdiction=city, on=datetime.date(2024, 1, 1))
    for url in (
        "/items/NOPE/cpsv.jsonld",
        "/editions/nope/dcat.jsonld",
        "/editions/2024/dcat.jsonld",
        "/vocabularies/nope.jsonld",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "您要找的页面或事项不存在，可能已经调整。" in response.content.decode()


def test_the_catalogue_and_a_dataset_run_a_fixed_number_of_queries(client, django_assert_num_queries):
    # Each request reads the register's version first (public/caching.py).
    with django_assert_num_queries(1 + 4):  # editions, their bureaus, the city, its bureau
        _get(client, "/editions/dcat.jsonld")
    with django_assert_num_queries(1 + 3):  # the edition, its bureau, the editions of its jurisdiction in order
        _get(client, "/editions/2022/dcat.jsonld")
    with django_assert_num_queries(1):
        _get(client, "/vocabularies/item-types.jsonld")
