"""Open data: DCAT for editions and CPSV-AP 3.2 JSON-LD for items, checked against the required properties."""

import json

import pytest

pytestmark = pytest.mark.django_db

# CPSV-AP 3.2: mandatory properties of a Public Service and of a Public Organisation.
PUBLIC_SERVICE_REQUIRED = ("dct:identifier", "dct:title", "dct:description", "cv:hasCompetentAuthority")
PUBLIC_ORGANISATION_REQUIRED = ("skos:prefLabel", "cv:spatial")


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
    assert service["dct:type"]["skos:prefLabel"]["@value"] == "行政许可"
    assert service["adms:status"]["skos:prefLabel"]["@value"] == "由审批服务管理局实施"
    assert [r["eli:id_local"] for r in service["cv:hasLegalResource"]] == ["朔政发〔2020〕7号"]


def test_a_returned_item_names_its_department_and_both_documents(client):
    service = _get(client, "/items/SZ-0216/cpsv.jsonld")
    _assert_public_service(service)
    authority = service["cv:hasCompetentAuthority"]
    assert authority["skos:prefLabel"]["@value"] == "朔州市教育局"
    assert authority["@id"] == "http://testserver/departments/jyj/"
    assert [(r["eli:id_local"], r["dct:type"]) for r in service["cv:hasLegalResource"]] == [
        ("朔政发〔2020〕7号", "划转至审批服务管理局"),
        ("朔政发〔2022〕20号", "退回原部门"),
    ]
    assert service["cv:hasLegalResource"][1]["eli:date_document"]["@value"] == "2022-08-09"


def test_sub_items_and_main_items_point_at_each_other(client):
    main = _get(client, "/items/SZ-0003/cpsv.jsonld")
    assert [part["dct:identifier"] for part in main["dct:hasPart"]] == ["SZ-0003-01", "SZ-0003-02", "SZ-0003-03"]
    sub = _get(client, "/items/SZ-0003-02/cpsv.jsonld")
    _assert_public_service(sub)
    assert sub["dct:isPartOf"] == {"@id": "http://testserver/items/SZ-0003/", "dct:identifier": "SZ-0003"}


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
    assert service["cv:processingTime"] == "5个工作日"
    assert service["cv:hasCost"]["dct:description"]["@value"] == "不收费"
    assert service["cv:hasLegalResource"][0]["dct:type"] == "设定依据"


def test_the_item_description_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):
        _get(client, "/items/SZ-0003/cpsv.jsonld")


def test_a_published_edition_is_a_dcat_dataset_with_three_distributions(client):
    dataset = _get(client, "/editions/2022/dcat.jsonld")
    assert dataset["@type"] == "dcat:Dataset"
    assert dataset["@id"] == "http://testserver/editions/2022/dcat.jsonld"
    assert dataset["dct:identifier"] == "2022"
    assert dataset["dct:title"]["@value"] == "朔州市相对集中行政许可权改革市级划转事项调整目录 （2022年版）"
    assert dataset["dct:issued"]["@value"] == "2022-08-09"
    assert dataset["dct:publisher"]["foaf:name"]["@value"] == "朔州市行政审批服务管理局"
    distributions = {d["dct:format"]: d for d in dataset["dcat:distribution"]}
    assert set(distributions) == {"XLSX", "CSV", "JSON"}
    assert distributions["CSV"]["dcat:downloadURL"]["@id"] == "http://testserver/editions/2022/download.csv"
    assert distributions["XLSX"]["dcat:mediaType"].startswith("application/vnd.openxmlformats")


def test_unknown_items_and_unpublished_editions_are_not_found(client):
    import datetime

    from approvals.models import Jurisdiction
    from catalog.publishing import edition_compile

    city = Jurisdiction.objects.get(code="shuozhou")
    edition_compile(slug="2024", title="2024年版（草稿）", jurisdiction=city, on=datetime.date(2024, 1, 1))
    for url in ("/items/NOPE/cpsv.jsonld", "/editions/nope/dcat.jsonld", "/editions/2024/dcat.jsonld"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "您要找的页面或事项不存在，可能已经调整。" in response.content.decode()
