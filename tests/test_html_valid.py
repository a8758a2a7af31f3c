"""The public pages are valid HTML as the Nu HTML Checker (the W3C's validator, run locally) reads it.

Skips without Java and node_modules/vnu-jar (`make checkers`) unless REQUIRE_HTML_CHECKER=1 (CI)."""

import pytest

from tests.checkers import html_errors, public_pages, require_html_checker

pytestmark = pytest.mark.django_db


def test_every_kind_of_public_page_has_no_html_error(client, tmp_path):
    require_html_checker()
    pages = public_pages()
    for number, url in enumerate(pages):
        response = client.get(url)
        assert response.status_code == (404 if url == "/items/SZ-9999/" else 200), url
        (tmp_path / f"{number:02d}.html").write_bytes(response.content)
    errors = html_errors(tmp_path)
    assert errors == [], "\n".join(f"{pages[int(e[:2])]} {e}" for e in errors)
