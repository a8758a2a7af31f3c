"""The item page's "这条信息有误或已过时？" form: a visitor's message goes to the clerks of the item's jurisdiction.

A plain HTML form (no JavaScript). A valid message is saved (catalog.feedback.feedback_submit) and the visitor is
sent back to the item with a thanks; an invalid one, or one over the limit per address, is shown again on a page of
its own with what is wrong.

The form carries no CSRF token: the item page is one cached copy for every anonymous visitor (public/caching.py),
and a token in it would be one visitor's handed to all. What the token guards against, another site making a
visitor's browser post here, is refused by asking the browser where the form was: every browser we serve sends
`Origin` with a form's POST (else `Sec-Fetch-Site`, else `Referer`, which our Referrer-Policy keeps for our own
pages); a POST that names another site, or names none, is refused (403) and nothing is saved.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from approvals.models import ApprovalItem
from catalog.feedback import feedback_submit
from catalog.models import Feedback
from config.client_ip import client_ip

PER_MINUTE = 10  # messages one address may send in any 60 seconds; the 11th is refused
WINDOW_SECONDS = 60
MESSAGE_MAX = Feedback._meta.get_field("message").max_length
CONTACT_MAX = Feedback._meta.get_field("contact").max_length
TAG = "feedback"  # the thanks is shown beside the form only, not wherever messages are listed


class FeedbackForm(forms.Form):
    message = forms.CharField(
        label=gettext_lazy("哪里有误或已过时？"),
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("最多 1000 字。请写明哪一项信息有误，以及您知道的正确情况。"),
        error_messages={
            "required": gettext_lazy("请填写留言内容。"),
            "max_length": gettext_lazy("留言最多 %(limit_value)d 字（现有 %(show_value)d 字）。"),
        },
    )
    contact = forms.CharField(
        label=gettext_lazy("联系方式（选填）"),
        max_length=CONTACT_MAX,
        required=False,
        help_text=gettext_lazy("电话或电子邮箱，仅用于答复您，不会公开。"),
        error_messages={"max_length": gettext_lazy("联系方式最多 %(limit_value)d 字（现有 %(show_value)d 字）。")},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")  # the labels end in their own punctuation (？, ）)
        super().__init__(*args, **kwargs)


def _over_limit(address: str) -> bool:
    """Whether `address` has already sent PER_MINUTE messages in the last minute; if not, this one is counted.

    The times are kept in the shared cache (one per process without CACHE_URL). Two requests at the same
    instant may both pass: a limit against floods, not an exact meter."""
    key = f"feedback:sent:{address}"
    now = time.time()
    recent = [sent for sent in cache.get(key, []) if sent > now - WINDOW_SECONDS]
    if len(recent) >= PER_MINUTE:
        return True
    cache.set(key, [*recent, now], WINDOW_SECONDS)
    return False


def _from_our_pages(request: HttpRequest) -> bool:
    """Whether the browser says the POST was sent by one of our pages: its Origin (or the Referer's) is this site's
    or a trusted one (CSRF_TRUSTED_ORIGINS), or Sec-Fetch-Site says same-origin. No header at all: refused."""
    ours = {f"{request.scheme}://{request.get_host()}", *settings.CSRF_TRUSTED_ORIGINS}
    origin = request.headers.get("Origin")
    if origin is not None:
        return origin in ours
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site == "same-origin"
    referer = urlsplit(request.headers.get("Referer", ""))
    return f"{referer.scheme}://{referer.netloc}" in ours


@csrf_exempt  # checked by _from_our_pages instead: see the module's docstring
@require_http_methods(["GET", "POST"])
def item_feedback(request: HttpRequest, code: str) -> HttpResponse:
    if request.method == "POST" and not _from_our_pages(request):
        raise PermissionDenied(_("留言未能提交：请在本站的事项页面上填写并提交留言。"))
    item = get_object_or_404(ApprovalItem.objects.public().select_related("jurisdiction"), code=code)
    form = FeedbackForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            if not _over_limit(client_ip(request)):
                feedback_submit(item=item, **form.cleaned_data)
                thanks = _("感谢您的留言！已转给%(place)s的工作人员核实处理。") % {"place": item.jurisdiction.name}
                messages.success(request, thanks, extra_tags=TAG)
                return redirect(item.get_absolute_url() + "#feedback")
            limit = _("您在一分钟内已提交 %(count)d 条留言，请稍等一分钟后再提交。") % {"count": PER_MINUTE}
            form.add_error(None, forms.ValidationError(limit, code="rate_limited"))
            status = 429
    return render(request, "public/feedback.html", {"item": item, "form": form}, status=status)
