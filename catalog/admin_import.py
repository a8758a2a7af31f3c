"""Uploading an official-layout workbook in the admin: a preview that writes nothing, then a confirmation.

A small workbook is previewed and imported while the clerk waits; one of more than IMPORT_JOB_MIN_ROWS rows
(or of unknown size) by a background job each time, whose page shows the progress and then leads back here
(`?job=…`) to the preview, or on to the new draft. The work itself is in catalog/import_upload.py.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from catalog import import_upload, jobs
from catalog.forms import ImportForm
from catalog.import_upload import stored
from catalog.models import Job

__all__ = ["import_view", "stored"]


def import_view(model_admin) -> Callable[[HttpRequest], HttpResponse]:
    """The admin page of EditionAdmin that uploads, previews and imports a workbook."""

    def view(request: HttpRequest) -> HttpResponse:
        if not model_admin.has_add_permission(request):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
        preview = None
        if request.method == "GET" and "job" in request.GET:
            # Back from the background preview of a large workbook: its result, and the form it was made with.
            job = _finished_preview(request)
            form = ImportForm(job.params, user=request.user)
            form.is_valid()
            preview = import_upload.preview_from_json(job.details)
        elif request.method == "POST" and form.is_valid():
            if form.cleaned_data["file"]:
                data = request.POST.copy()
                data["token"] = import_upload.store(form.cleaned_data["file"], request.user)
                form = ImportForm(data, user=request.user)
                form.is_valid()
            if form.is_valid() and import_upload.is_large(stored(form.cleaned_data["token"], request.user)):
                kind = Job.Kind.IMPORT if "_confirm" in request.POST else Job.Kind.IMPORT_PREVIEW
                job = jobs.job_enqueue(kind=kind, jurisdiction=form.target(), user=request.user, params=form.values())
                return redirect(reverse("admin:catalog_job_change", args=[job.pk]))
            if "_confirm" in request.POST:
                edition, found = import_upload.confirm(form)
                if edition is not None:
                    messages.success(request, import_upload.imported_message(found))
                    return redirect(reverse("admin:catalog_edition_change", args=[edition.pk]))
                preview = {"problems": found, "refused": True}
            else:
                preview = import_upload.preview(form)
        path = stored(form["token"].value() or "", request.user)
        context = {
            **model_admin.admin_site.each_context(request),
            "title": _("导入官方版式工作簿"),
            "opts": model_admin.model._meta,
            "form": form,
            "preview": preview,
            "uploaded": path.name if path else None,
        }
        return TemplateResponse(request, "admin/catalog/edition/import_official.html", context)

    return view


def _finished_preview(request: HttpRequest) -> Job:
    """The user's own finished preview job named by ?job=, or 404."""
    job = Job.objects.filter(
        pk=request.GET["job"] if request.GET["job"].isdigit() else None,
        kind=Job.Kind.IMPORT_PREVIEW,
        status=Job.Status.DONE,
        created_by=request.user,
    ).first()
    if job is None:
        raise Http404(_("没有这个预览任务，或它尚未完成。"))
    return job
