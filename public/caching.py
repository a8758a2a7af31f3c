"""Validators and the shared page cache of the public site and the API (issue 19 §2).

Everything a public page or API response shows comes from the register and its publications, and every
committed write to them raises the register's version (approvals/register_version.py). So the version is the
page's validator and the key of its cached copy:
- every GET or HEAD outside /admin/ that answers 200 without setting a cookie carries `ETag: W/"<version>…"`
  and `Last-Modified`, and a conditional request that still matches answers 304 before any view runs: one
  query (the version), no rendering;
- an anonymous request (no session cookie, no pending message) is answered from Django's cache (Redis with
  CACHE_URL, else each process's memory) under the version: a clerk's change makes a new version, whose key
  no copy has yet, so the next request renders the change. Nothing has to be deleted.

`Cache-Control: max-age=0, must-revalidate`: a browser (or a proxy) may keep the page but must ask before each
use. A max-age of even a few seconds would show a page from before a clerk's change, which the issue rules out;
asking costs one query and a 304 without a body.

The middleware stands outside the session, CSRF and messages middlewares, so it sees every cookie they set: a
response that sets one is neither given validators nor stored. The item page's feedback form therefore carries
no CSRF token (a token in a stored page would be handed to every visitor, and a page with a token per visitor
could not be stored): public/feedback.py checks instead that the POST comes from our own pages (its Origin,
else Sec-Fetch-Site, else Referer), which is what the token protects against, and the form stays on the item
page. A page that used `get_token` still gets its cookie (Django then sets it) and so is never stored.

The version is read once per request: `request.register_version` when the replica router (outside this one)
has read the primary's, else here; within the request `register_version.of_request()` gives it to the selectors,
which key their own caches by it.
Streaming responses (exports, downloads) get the validators but are not stored.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import math
from collections.abc import Callable
from email.utils import formatdate
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import parse_http_date_safe

from approvals import register_version
from approvals.register_version import Version

CACHE_SECONDS = 600  # a copy outlives its version by at most this: old versions' keys are never asked again
CACHE_CONTROL = {"max_age": 0, "must_revalidate": True}
# Vary headers the key already covers (Accept), or that change nothing here: one language, no compression in
# Django, and Cookie because only requests without a session or messages cookie are stored (a page reading
# the CSRF cookie sets it, and is not stored).
KEYED_VARY = {"accept", "accept-language", "accept-encoding", "cookie"}
MESSAGES_COOKIE = "messages"  # django.contrib.messages' CookieStorage
SKEW_SECONDS = 2  # the database's clock may run ahead of this process's: Last-Modified's second must be over


class PublicCacheMiddleware:
    """Validators, 304s and the anonymous page cache for GET and HEAD outside /admin/ (see the module)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "HEAD") or _excluded(request.path_info):
            return self.get_response(request)
        current = getattr(request, "register_version", None) or register_version.current()
        with register_version.reading(current):
            return self._respond(request, current)

    def _respond(self, request: HttpRequest, current: Version) -> HttpResponse:
        etag = _etag(request, current)
        # A pending message (the feedback's thanks) is shown once, by a full page that then deletes its cookie.
        personal = MESSAGES_COOKIE in request.COOKIES
        signed_in = settings.SESSION_COOKIE_NAME in request.COOKIES
        if not personal and _still_fresh(request, etag, current):
            return _not_modified(etag, current, private=signed_in)
        stored_pages = settings.PUBLIC_PAGE_CACHE and not (personal or signed_in)
        key = _key(request, etag) if stored_pages else None
        if key is not None:
            stored = cache.get(key)
            if stored is not None:
                response = _rebuilt(stored)
                _add_validators(response, etag, current, private=False)
                return response
        response = self.get_response(request)
        if not _validatable(response):
            return response
        if key is not None and not response.streaming and _storable(response):
            cache.set(key, (response.status_code, list(response.items()), response.content), CACHE_SECONDS)
        _add_validators(response, etag, current, private=signed_in)
        return response


def _excluded(path: str) -> bool:
    return path.startswith(("/admin/", settings.STATIC_URL or "/static/"))


@functools.cache
def _build() -> str:
    """The code and templates this process serves, as a short digest: a deployment changes the bytes of every
    page without changing the register, so its pages must not be answered with copies or 304s of the last one.
    Computed once per process from the files' contents, so every process and server of one release agrees."""
    root = Path(settings.BASE_DIR)
    digest = hashlib.sha256()
    apps = ("approvals", "catalog", "config", "public", "spreadsheets")
    files = [path for name in apps for path in (root / name).rglob("*.py")]
    files += [*(root / "templates").rglob("*.html"), *(root / "locale").rglob("*.mo")]
    static_root = getattr(settings, "STATIC_ROOT", None)
    if static_root:  # the hashed names of the static files the pages link to
        files.append(Path(static_root) / "staticfiles.json")
    for path in sorted(files):
        if path.is_file():
            digest.update(str(path.relative_to(root) if path.is_relative_to(root) else path).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def _variant(request: HttpRequest) -> str:
    """What besides the address and the version changes a response's bytes: the API's content negotiation, and
    the day (the register on a date, the date in a download's name), which turns without a write when no event
    falls due."""
    accept = hashlib.sha256(request.headers.get("Accept", "").encode()).hexdigest()[:8]
    return f"{timezone.localdate():%Y%m%d}-{accept}"


def _etag(request: HttpRequest, current: Version) -> str:
    # Weak: the same page in the same version, not the same bytes once a proxy compresses it.
    return f'W/"{current.tag}-{_build()}-{_variant(request)}"'


def _key(request: HttpRequest, etag: str) -> str:
    # The ETag names the version, the release, the day and the Accept header; the address adds the scheme and the
    # host, since the API, the feeds and the open data write absolute links.
    address = f"{request.method} {request.build_absolute_uri()}"
    return f"page:{etag}:{hashlib.sha256(address.encode()).hexdigest()}"


def _last_modified(current: Version) -> int:
    """Last-Modified in whole seconds. Until the version's second is over (and then some, for the clocks'
    difference) another write may commit within it, and a client asking If-Modified-Since that second would
    be told "not modified": so until then the second before is given, and such a client is answered in full."""
    changed = current.changed_at.timestamp()
    now = datetime.datetime.now(datetime.UTC).timestamp()
    second = math.floor(changed)
    return second if now >= second + 1 + SKEW_SECONDS else second - 1


def _still_fresh(request: HttpRequest, etag: str, current: Version) -> bool:
    """Whether the client's copy is this version's (If-None-Match wins over If-Modified-Since, RFC 9110)."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        theirs = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in theirs or etag.removeprefix("W/") in theirs
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    # Against the version's own second: a copy given while that second was not over carries the one before.
    return since is not None and since >= math.floor(current.changed_at.timestamp())


def _validatable(response: HttpResponse) -> bool:
    """A response of the version only: a 200 that sets no cookie and that the view did not mark private."""
    if response.status_code != 200 or response.cookies:
        return False
    control = response.get("Cache-Control", "").lower()
    return "private" not in control and "no-store" not in control


def _storable(response: HttpResponse) -> bool:
    vary = {header.strip().lower() for header in response.get("Vary", "").split(",") if header.strip()}
    return vary <= KEYED_VARY


def _add_validators(response: HttpResponse, etag: str, current: Version, *, private: bool) -> None:
    response["ETag"] = etag
    response["Last-Modified"] = formatdate(_last_modified(current), usegmt=True)
    patch_cache_control(response, **CACHE_CONTROL, **({"private": True} if private else {}))


def _not_modified(etag: str, current: Version, *, private: bool) -> HttpResponse:
    response = HttpResponseNotModified()
    _add_validators(response, etag, current, private=private)
    return response


def _rebuilt(stored: tuple[int, list[tuple[str, str]], bytes]) -> HttpResponse:
    status, headers, content = stored
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response[name] = value
    return response
