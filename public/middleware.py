"""Input no page can use, refused in one place before any view reads it."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

NUL = "\x00"


class UnusableInputMiddleware:
    """A NUL character in the address answers 404, one in the query string 400, on every URL.

    PostgreSQL cannot store or compare text with NUL in it: a lookup of `/items/%00/` raised an error
    (500) where it should find nothing. No address or filter value of ours contains one, so the
    request is refused before a view reads it, on SQLite as on PostgreSQL. The API answers JSON.
    Other broken text needs nothing here: Django re-escapes invalid UTF-8 in the path and replaces
    it in the query string, so no lone surrogate reaches a view.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if NUL in request.path_info:
            return self._refuse(request, Http404(_("网址中含有无法识别的字符（空字符），没有这个页面。")))
        if any(NUL in key or any(NUL in value for value in values) for key, values in request.GET.lists()):
            return self._refuse(request, BadRequest(_("查询参数中含有无法识别的字符（空字符），请检查网址。")))
        return self.get_response(request)

    @staticmethod
    def _refuse(request: HttpRequest, error: Http404 | BadRequest) -> HttpResponse:
        if request.path_info.startswith(reverse("api:root")):
            # The shapes the schema gives every 404 and 400 (public/api/schema.py): a 400 lists its messages.
            if isinstance(error, Http404):
                body, status = {"detail": str(error)}, 404
            else:
                body, status = {"detail": [str(error)]}, 400
            return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
        raise error  # the site's own 404 and 400 pages, through Django's handlers
