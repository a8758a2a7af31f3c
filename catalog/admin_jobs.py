"""后台任务 in the admin (registered by catalog/admin.py): the list and the page of each job (progress, result
or error, retry).

Jobs are scoped like the register: staff see the jobs of the jurisdictions whose register they may read.
They are written only by catalog/jobs.py, so nobody adds, edits or deletes them here. A job still running
refreshes its page every few seconds (a meta refresh: no script). Listing them first marks failed the
running jobs whose worker is gone.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from approvals.admin_scope import ReadOnlyAdmin, ScopedAdmin
from catalog import admin_claims, admin_counties, import_upload, jobs
from catalog.models import Job

REFRESH_SECONDS = 3


class JobAdmin(ReadOnlyAdmin, ScopedAdmin):
    list_display = ("__str__", "jurisdiction", "status", "progress", "created_by", "created_at", "finished_at")
    list_filter = ("status", "kind", "jurisdiction")
    list_select_related = ("jurisdiction", "created_by")
    search_fields = ("phase", "result", "error")
    date_hierarchy = "created_at"

    @admin.display(description=gettext_lazy("进度"))
    def progress(self, job: Job) -> str:
        done, total, phase = _shown(job)
        if not total:
            return phase or "—"
        return format_html('<progress value="{}" max="{}"></progress> {}% {}', done, total, done * 100 // total, phase)

    def changelist_view(self, request: HttpRequest, extra_context=None):
        jobs.jobs_fail_interrupted()
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        derive = self.admin_site.admin_view(admin_counties.derive_view(self))
        claims = self.admin_site.admin_view(admin_claims.claims_view(self))
        return [
            path("derive-county/<int:county_id>/", derive, name="catalog_job_derive_county"),
            path("county-claims/<int:county_id>/", claims, name="catalog_job_county_claims"),
        ] + super().get_urls()

    def change_view(self, request: HttpRequest, object_id: str, form_url="", extra_context=None) -> HttpResponse:
        """The job's page; a POST with _retry queues a failed job again."""
        job = self.get_object(request, unquote(object_id))
        if job is None:
            raise Http404(_("没有这个任务，或您无权查看。"))
        if not self.has_view_permission(request, job):
            raise PermissionDenied
        if request.method == "POST":
            if "_retry" not in request.POST:
                return HttpResponseNotAllowed(["GET"])
            if not (
                jobs.may_retry(request.user, job)
                and self.scope_rows(Job.objects.filter(pk=job.pk), request, for_change=True).exists()
            ):
                raise PermissionDenied(_("只有失败的任务可以重试，且只能由发起人重试。"))
            jobs.job_retry(job=job, user=request.user)
            self.message_user(request, _("已重新排队：%(job)s。") % {"job": job}, messages.SUCCESS)
            return redirect(reverse("admin:catalog_job_change", args=[job.pk]))
        if job.status == Job.Status.RUNNING and jobs.jobs_fail_interrupted():
            job.refresh_from_db()
        done, total, phase = _shown(job)
        details = job.details or {}
        context = {
            **self.admin_site.each_context(request),
            "title": str(job),
            "opts": self.model._meta,
            "job": job,
            "done": done,
            "total": total,
            "percent": done * 100 // total if total else None,
            "phase": phase,
            "refresh": REFRESH_SECONDS if not job.is_over else None,
            "may_retry": jobs.may_retry(request.user, job),
            "problems": import_upload.preview_from_json(details).get("problems", []) if details else [],
        }
        return TemplateResponse(request, "admin/catalog/job/detail.html", context)


def _shown(job: Job) -> tuple[int, int, str]:
    """(done, total, phase) of a job: live from the worker while it runs, as recorded once it ended."""
    live = jobs.live_progress(job.pk) if job.status == Job.Status.RUNNING else None
    if live is not None:
        return live.done, live.total, live.phase
    if job.status == Job.Status.QUEUED:
        return 0, 0, _("等待后台工作进程（manage.py run_huey）接手……")
    return job.done, job.total, job.phase
