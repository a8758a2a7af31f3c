"""Every admin page speaks Chinese (issue 15): no English left by Django, django-import-export, django-axes or
django-simple-history.

A superuser and a city clerk open every admin URL the resolver knows (the walk of tests/test_access.py), send
back every form they find there (blank, then with text that is not a date or a number), run every action on a
row of each list, and read the pages that follow: form errors, intermediate pages, messages. The login, logout
and lockout pages are read too. What a person reads on a page (its text and title, labels, option texts,
button values, placeholder and title attributes) must hold no Latin word but those allowed below and the data
people typed (codes, slugs, usernames).
"""

from __future__ import annotations

import gettext
import json
import re
from contextlib import ExitStack
from html.parser import HTMLParser
from itertools import chain
from pathlib import Path
from urllib.parse import urlencode

import polib
import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import User
from django.db import connections
from django.urls import reverse
from django.utils import translation

from approvals.models import Department, Jurisdiction
from catalog.models import Edition
from tests import test_access
from tests.conftest import make_user
from tests.test_access import ADMIN_PATTERNS, EXTRA_QUERIES, _url

# The access walk's world (the city's register with a county's and another county's objects) and its city clerk.
world = test_access.world
city_clerk = test_access.city_clerk

LOCALE = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES"

# Latin words that Chinese uses too. Keep it short: each needs its reason.
ALLOWED = {
    "xlsx",
    "csv",
    "json",  # the file formats offered (what the file's name ends with)
    "Excel",  # the program clerks open the tables with
    "Word",  # and the one they open a notice's attachment with
    "IP",  # IP 地址, in django-axes' login records
    "URL",  # Django's "请输入合法的 URL。"
    "Ctrl",  # the key's label: "按住 Ctrl 键……可选择多项" (locale/)
    "GB",
    "T",  # the national standards' own names, as Chinese texts cite them: GB 32100-2015, GB/T 2260
}

# Django renders a boolean as an icon whose alt text is "True"/"False" in Python (admin/utils.py), out of a
# catalogue's reach: alt texts are left out; everything else a reader sees or hears is read.
READ_ATTRIBUTES = ("title", "placeholder", "aria-label")


class _Page(HTMLParser):
    """What a reader sees of an HTML page, and the forms on it (name → values as a browser sends them)."""

    SKIPPED = {"script", "style", "template"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
    TEXT_INPUTS = {"", "text", "date", "time", "number", "email", "url", "password", "search", "tel", "textarea"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.forms: list[dict] = []
        self._hidden: list[str] = []  # the open elements of a subtree no one sees (script, display: none)
        self._select: tuple[str, list, list] | None = None  # name, selected values, all values
        self._option_has_value = False
        self._textarea = False

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag not in self.VOID and (
            self._hidden or tag in self.SKIPPED or "hidden" in attrs or "hidden" in attrs.get("class", "").split()
        ):
            self._hidden.append(tag)
        kind = attrs.get("type", "").lower()
        if not self._hidden and kind != "hidden":
            self.text += [attrs[name] for name in READ_ATTRIBUTES if attrs.get(name)]
            if tag == "input" and kind in ("submit", "button", "reset") and attrs.get("value"):
                self.text.append(attrs["value"])
        if tag == "form":
            self.forms.append({"action": attrs.get("action", ""), "method": attrs.get("method", "get").lower()})
            self.forms[-1]["fields"] = []
        if self.forms:
            self._field(tag, kind, attrs, self.forms[-1]["fields"])

    def _field(self, tag, kind, attrs, fields):
        name = attrs.get("name")
        if tag == "input" and name and kind not in ("submit", "button", "reset", "image", "file"):
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            fields.append((name, attrs.get("value", "on" if kind in ("checkbox", "radio") else ""), kind))
        elif tag == "select" and name:
            self._select = (name, [], [])
        elif tag == "option" and self._select is not None:
            # An option without a value sends its text: filled in by handle_data.
            self._option_has_value = "value" in attrs
            self._select[2].append(attrs.get("value", ""))
            if "selected" in attrs:
                self._select[1].append(len(self._select[2]) - 1)
        elif tag == "textarea" and name:
            self._textarea = True
            fields.append((name, "", "textarea"))

    def handle_endtag(self, tag):
        if self._hidden and tag in self._hidden:
            while self._hidden.pop() != tag:
                pass
        if tag == "select" and self._select is not None and self.forms:
            name, selected, values = self._select
            for index in selected or [0][: len(values)]:  # a browser sends the first option when none is selected
                self.forms[-1]["fields"].append((name, values[index], "select"))
            self._select = None
        if tag == "textarea":
            self._textarea = False

    def handle_data(self, data):
        if not self._hidden:
            self.text.append(data)
        if self._select is not None and self._select[2] and not self._option_has_value and data.strip():
            self._select[2][-1] = data.strip()
        if self._textarea and self.forms:
            name, value, kind = self.forms[-1]["fields"][-1]
            self.forms[-1]["fields"][-1] = (name, value + data, kind)


def _parse(response) -> _Page:
    """The page read once: its words and its forms both come from it (kept on the response)."""
    if not hasattr(response, "read_page"):
        response.read_page = _Page()
        response.read_page.feed(response.content.decode(errors="replace"))
        response.read_page.close()
    return response.read_page


def _is_html(response) -> bool:
    return response.get("Content-Type", "").startswith("text/html")


AXES_DATA = ("user_agent", "path_info", "http_accept")


def data_words() -> set[str]:
    """Latin words that are data: jurisdiction codes and code prefixes, slugs and usernames people typed, the
    address and browser of a login that django-axes records ("<unknown>" where the client sent none)."""
    values = chain(
        Jurisdiction.objects.values_list("code", flat=True),
        Jurisdiction.objects.values_list("code_prefix", flat=True),
        Department.objects.values_list("slug", flat=True),
        Edition.objects.values_list("slug", flat=True),
        User.objects.values_list("username", flat=True),
        *(model.objects.values_list(field, flat=True) for model in (AccessAttempt, AccessLog) for field in AXES_DATA),
        ["fgw", "SZ"],  # the examples of a department slug and a code prefix in help texts
    )
    return {word for value in values for word in re.findall(r"[A-Za-z]+", value)}


def english_words(response, data: set[str]) -> set[str]:
    """The Latin words a reader sees on an HTML page, less the allowed ones and the data."""
    if not _is_html(response):
        return set()
    text = " ".join(_parse(response).text)
    return {word for word in re.findall(r"[A-Za-z]+", text) if word not in ALLOWED and word not in data}


def _form_data(form: dict, fill: str) -> dict[str, list[str]]:
    """A form's fields as a browser sends them, each text field set to `fill` (blank or nonsense)."""
    data: dict[str, list[str]] = {}
    for name, value, kind in form["fields"]:
        if kind in _Page.TEXT_INPUTS and not name.endswith("_FORMS"):  # a formset's counts stay
            value = fill
        data.setdefault(name, []).append(value)
    return data


# SQL that adds no change to the database (a rollback only takes changes back); anything else is a write.
READ_ONLY_SQL = re.compile(r"\s*(SELECT|SAVEPOINT|RELEASE|ROLLBACK)\b", re.IGNORECASE)


class Walk:
    """The pages one user opens, and the English each shows.

    A request the walk has already sent (same method, URL, data and cookies) with no write to the database since
    it was first sent gets the same page again: it is not sent twice, its page is the one already read. (After each
    action of a changelist the walk sends back the changelist's forms; a form without text fields is sent "blank"
    and "with nonsense" alike.) Any write in between, by the request itself or a later one, and it is sent again."""

    def __init__(self, client, who: str):
        self.client, self.who = client, who
        self.client.raise_request_exception = False
        self.data = data_words()
        self.found: dict[str, set[str]] = {}
        self.pages = 0
        self.writes = 0
        self.sent: dict[tuple, tuple[int, object]] = {}  # request → (writes before it was sent, its response)

    def _note_write(self, execute, sql, params, many, context):
        if not READ_ONLY_SQL.match(sql):
            self.writes += 1
        return execute(sql, params, many, context)

    def _send(self, method: str, url: str, data: dict | None):
        cookies = tuple(sorted((name, morsel.value) for name, morsel in self.client.cookies.items()))
        request = (method, url, json.dumps(data, sort_keys=True), cookies)
        writes, response = self.sent.get(request, (None, None))
        if writes == self.writes:
            return response, False
        before = self.writes
        with ExitStack() as watching:
            for alias in connections:
                watching.enter_context(connections[alias].execute_wrapper(self._note_write))
            if method == "GET":
                response = self.client.get(url)
            else:
                response = self.client.post(url, data, follow=True)
        self.sent[request] = (before, response)
        return response, True

    def read(self, label: str, response):
        self.pages += 1
        words = english_words(response, self.data)
        if response.status_code >= 500:
            words.add(f"HTTP {response.status_code}")
        if words:
            self.found[f"{self.who} {label}"] = words
        return response

    def get(self, url: str):
        response, new = self._send("GET", url, None)
        return self.read(f"GET {url}", response) if new else response

    def post(self, url: str, data: dict, label: str = ""):
        response, new = self._send("POST", url, data)
        return self.read(f"POST {url} {label}".rstrip(), response) if new else response

    def send_back_forms(self, url: str, response) -> None:
        """Each form of the page sent back blank, then with nonsense in its text fields."""
        if response.status_code != 200 or not _is_html(response):
            return
        for form in _parse(response).forms:
            action = form["action"] or url
            if action.endswith(("/logout/", "/delete/")) or url.endswith("/delete/"):
                continue  # logging out would end the walk (done last); a delete form deletes
            for fill in ("", "无效"):
                data = _form_data(form, fill)
                if form["method"] == "post":
                    self.post(action, data, f"(form “{fill}”)")
                else:
                    self.get(f"{action.split('?')[0]}?{urlencode(data, doseq=True)}")

    def run_actions(self, url: str, response) -> None:
        """Every action of a changelist on its first row: the intermediate pages and the messages."""
        if response.status_code != 200:
            return
        body = response.content.decode()
        first = re.search(rf'name="{ACTION_CHECKBOX_NAME}" value="([^"]+)"', body)
        if not first or 'name="action"' not in body:
            return
        actions = re.findall(r'<option value="([^"]+)"', body.split('name="action"')[1].split("</select>")[0])
        for action in actions:
            page = self.post(url, {"action": action, ACTION_CHECKBOX_NAME: [first.group(1)]}, f"(action {action})")
            if action != "delete_selected":
                self.send_back_forms(url, page)

    def report(self) -> str:
        return "\n".join(f"{page}: {' '.join(sorted(words))}" for page, words in sorted(self.found.items()))


def _walk_admin(walk: Walk, objects: dict) -> None:
    """Every named admin URL, at the object of `objects` (or the first) where it takes one."""
    huairen = Jurisdiction.objects.get(code="huairen").pk
    for label, name, n_args in ADMIN_PATTERNS:
        if name in ("jsi18n", "logout"):
            continue  # JavaScript (its catalogue is checked below); logging out ends the walk
        model = apps.get_model(label) if label else None
        target = (objects.get(model) or model._default_manager.order_by("pk").first()) if model else None
        url = _url(label, name, n_args, target)
        if not url:
            continue
        response = walk.get(url)
        for query in EXTRA_QUERIES.get(name, []):
            walk.get(url + query.format(huairen=huairen))
        if name.endswith("_changelist"):
            walk.run_actions(url, response)  # its search and filters are the queries above
        elif not name.endswith("_delete"):
            walk.send_back_forms(url, response)


@pytest.fixture
def login_records(db):
    """A row of each of django-axes' models, so that their change pages open."""
    attempt = {"username": "试探者", "ip_address": "192.0.2.1", "user_agent": "浏览器", "path_info": "/admin/login/"}
    AccessAttempt.objects.create(**attempt, failures_since_start=2)
    AccessLog.objects.create(**attempt)
    AccessFailureLog.objects.create(**attempt, locked_out=False)


def test_every_admin_page_a_superuser_opens_is_in_chinese(client, world, login_records):
    client.force_login(make_user("root", superuser=True))
    walk = Walk(client, "superuser")
    _walk_admin(walk, world["city"])
    assert walk.pages > 180
    assert not walk.found, walk.report()


def test_every_admin_page_a_city_clerk_opens_is_in_chinese(client, world, city_clerk):
    client.force_login(city_clerk)
    walk = Walk(client, "city clerk")
    _walk_admin(walk, world["city"])
    assert walk.pages > 120
    assert not walk.found, walk.report()


def test_the_login_logout_and_lockout_pages_are_in_chinese(client, clerk):
    walk = Walk(client, "visitor")
    login = reverse("admin:login")
    walk.get(login)
    for _attempt in range(5):  # the fifth failure locks the username from this address (settings: AXES_*)
        last = walk.post(login, {"username": "clerk", "password": "wrong"}, "(wrong password)")
    assert last.status_code == 429
    assert "登录已暂时锁定" in last.content.decode()
    assert "朔州市行政审批事项划转目录 · 管理" in last.content.decode()  # the site's name, not "Django 管理"
    client.force_login(clerk)
    walk.get(reverse("admin:password_change"))
    walk.post(reverse("admin:logout"), {}, "(log out)")
    assert not walk.found, walk.report()


def _translated(entry: polib.POEntry) -> str:
    if entry.msgid_plural:
        if entry.msgctxt:
            return translation.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, 2)
        return translation.ngettext(entry.msgid, entry.msgid_plural, 2)
    if entry.msgctxt:
        return translation.pgettext(entry.msgctxt, entry.msgid)
    return translation.gettext(entry.msgid)


def test_django_admin_and_auth_translate_every_message_they_have():
    """A Django upgrade that brings new admin messages fails here, not on a clerk's screen."""
    missing = []
    with translation.override("zh-hans"):
        for app in ("admin", "auth"):
            english = Path(apps.get_app_config(app).path) / "locale" / "en" / "LC_MESSAGES" / "django.po"
            for entry in polib.pofile(str(english)):
                words = re.sub(r"%(\(\w+\))?[sdr]", "", entry.msgid)  # "%(class_name)s %(instance)s": no words
                if re.search("[A-Za-z]", words) and _translated(entry) in (entry.msgid, entry.msgid_plural):
                    missing.append(entry.msgid)
    assert not missing


def test_the_admin_javascript_speaks_chinese(client, admin_user):
    """The pickers of groups and permissions (SelectFilter2.js), the calendar and the clock: JavaScript's catalogue."""
    client.force_login(admin_user)
    script = client.get(reverse("admin:jsi18n")).content.decode()
    catalogue = json.loads(re.search(r"const newcatalog = (\{.*?\});", script, re.S).group(1))
    english = polib.pofile(
        str(Path(apps.get_app_config("admin").path) / "locale" / "en" / "LC_MESSAGES" / "djangojs.po")
    )
    keys = [f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid for entry in english if entry.msgid]
    missing = [key for key in keys if key not in catalogue]
    assert not missing


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_the_compiled_catalogue_holds_what_its_po_file_says(domain):
    """locale/…/*.mo is committed beside its .po, so that no install step and no GNU gettext is needed: the two
    must agree. After editing the .po, rebuild with
    .venv/bin/python -c "import polib; polib.pofile('locale/zh_Hans/LC_MESSAGES/django.po').save_as_mofile(
    'locale/zh_Hans/LC_MESSAGES/django.mo')"  (the same for djangojs), or manage.py compilemessages."""
    source = polib.pofile(str(LOCALE / f"{domain}.po"))
    with open(LOCALE / f"{domain}.mo", "rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)._catalog
    expected = {}
    for entry in source.translated_entries():
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        if entry.msgid_plural:
            expected.update({(key, n): text for n, text in entry.msgstr_plural.items()})
        else:
            expected[key] = entry.msgstr
    assert {key: text for key, text in catalogue.items() if key != ""} == expected
    assert not source.untranslated_entries() and not source.fuzzy_entries()
