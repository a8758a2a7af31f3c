"""Deriving a county catalogue from the jurisdiction's admin page: a form, then a background job.

The form takes the county's legal basis (a registered document, or a new one registered with the derive);
the job copies the city's latest edition (catalog/counties.py) and ends on the alignment report. Only the
county's own staff (and superusers) may derive it; others do not find the page (404) or are refused (403).
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from approvals import access
from approvals.models import ApprovalItem, Jurisdiction
from catalog import jobs
from catalog.forms import CountyDeriveForm
from catalog.models import Edition, Job


def derive_view(model_admin) -> Callable[[HttpRequest, int], HttpResponse]:
    """The page of JobAdmin that starts deriving the county `county_id`."""

    def view(request: HttpRequest, county_id: int) -> HttpResponse:
        user = request.user
        county = (
            access.viewable_jurisdictions(user)
            .filter(pk=county_id, level=Jurisdiction.Level.COUNTY)
            .select_related("parent")
            .first()
        )
        if county is None:
            raise Http404(_("没有这个县（市、区），或您无权查看。"))
        if not (user.has_perm("approvals.add_approvalitem") and access.can_change(user, county.pk)):
            raise PermissionDenied(_("只有本县（市、区）的经办人可以派生其目录。"))
        edition = Edition.objects.latest_published(county.parent) if county.parent else None
        form = CountyDeriveForm(request.POST if request.method == "POST" else None, user=user)
        if edition is None:
            form.add_error(None, _("%(city)s还没有发布的目录版本。") % {"city": county.parent or _("上级市")})
        elif request.method == "POST" and form.is_valid():
            job = jobs.job_enqueue(kind=Job.Kind.COUNTY, jurisdiction=county, user=user, params=form.values())
            return redirect(reverse("admin:catalog_job_change", args=[job.pk]))
        context = {
            **model_admin.admin_site.each_context(request),
            "title": _("派生%(county)s的划转目录") % {"county": county.name},
            "opts": Jurisdiction._meta,
            "form": form,
            "county": county,
            "edition": edition,
            "items": ApprovalItem.objects.filter(jurisdiction=county).count(),
        }
        return TemplateResponse(request, "admin/catalog/job/derive_county.html", context)

    return view
