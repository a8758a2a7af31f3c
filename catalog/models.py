"""Publication: editions of the catalogue and their rows, frozen once published."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from approvals.models import ApprovalItem, Jurisdiction, PolicyDocument
from catalog.rows import CELL_FIELDS, Row

# A published edition is the public record: neither it nor its rows may change (see migrations 0004 and 0005).
EDITION_CHANGED = _("目录版本“%(slug)s”已发布，不能修改。")
EDITION_DELETED = _("目录版本“%(slug)s”已发布，不能删除。")
ENTRY_ADDED = _("目录版本“%(slug)s”已发布，其条目不能增加。")
ENTRY_CHANGED = _("目录版本“%(slug)s”已发布，其条目不能修改。")
ENTRY_DELETED = _("目录版本“%(slug)s”已发布，其条目不能删除。")


def publication_order(through: str = "", *, newest_first: bool = False) -> list[models.OrderBy]:
    """order_by() arguments for `EditionQuerySet.in_publication_order`, of editions reached `through` a relation."""
    fields = (f"{through}published_on", f"{through}published_at", f"{through}id")
    if newest_first:
        return [models.F(field).desc(nulls_last=True) for field in fields]
    return [models.F(field).asc(nulls_first=True) for field in fields]


def _refuse_published(editions: "EditionQuerySet", message) -> None:
    """Raise `message` naming the first published edition among `editions` (one query)."""
    slug = editions.published().order_by("slug").values_list("slug", flat=True).first()
    if slug is not None:
        raise ValidationError(message, code="published", params={"slug": slug})


class EditionQuerySet(models.QuerySet):
    """Publishing changes an edition through `Edition.save`; a queryset cannot change a published one."""

    def update(self, **kwargs) -> int:
        _refuse_published(self, EDITION_CHANGED)
        return super().update(**kwargs)

    update.alters_data = True

    def delete(self):
        _refuse_published(self, EDITION_DELETED)
        return super().delete()

    delete.alters_data = True
    delete.queryset_only = True

    def published(self) -> "EditionQuerySet":
        """Editions that have been published; only these are public."""
        return self.filter(status=Edition.Status.PUBLISHED)

    def in_publication_order(self) -> "EditionQuerySet":
        """Published editions, earliest first: by publication date, then the moment of publishing, then id.

        The one order of editions: `latest_published` is the last of it and `Edition.previous` the one
        before an edition, so that two editions published on the same day still follow each other.
        An edition without a date or a moment (published by hand in SQL) counts as the first of its day.
        """
        return self.published().order_by(*publication_order())

    def latest_published(self, jurisdiction: Jurisdiction | None = None) -> "Edition | None":
        """The last published edition in publication order (of one jurisdiction when given)."""
        qs = self.in_publication_order()
        if jurisdiction is not None:
            qs = qs.filter(jurisdiction=jurisdiction)
        return qs.last()

    def with_previous(self) -> list["Edition"]:
        """These published editions in publication order, each with `previous_edition`: the one before it
        of its jurisdiction among them (what `Edition.previous` answers when all are given); one query."""
        editions = list(self.in_publication_order())
        last: dict[int, Edition] = {}
        for edition in editions:
            edition.previous_edition = last.get(edition.jurisdiction_id)
            last[edition.jurisdiction_id] = edition
        return editions


class Edition(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")

    slug = models.SlugField(_("版本代码"), max_length=40, unique=True, help_text=_("网址和命令中使用，例如 2022。"))
    title = models.CharField(_("标题"), max_length=200, help_text=_("表格标题行，照原文书写。"))
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="editions"
    )
    document = models.ForeignKey(
        PolicyDocument,
        verbose_name=_("依据文件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="editions",
    )
    published_on = models.DateField(_("发布日期"), null=True, blank=True)
    published_at = models.DateTimeField(
        _("发布时间"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("发布的时刻，发布时记录；同一天发布的版本按它排先后。草稿为空。"),
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    section1_heading = models.CharField(_("第一部分标题"), max_length=200, help_text=_("照原文书写，含事项数。"))
    section2_heading = models.CharField(_("第二部分标题"), max_length=200, help_text=_("照原文书写，含事项数。"))
    notes = models.TextField(_("表后备注"), blank=True, help_text=_("第一部分表格后的备注，每行一条。"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("生成人"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("生成或导入草稿的人；发布须由另一位审核人完成（四眼原则）。"),
    )
    # Written when it is published (catalog/prepublication.py): the warnings of the pre-publication checks
    # that the publisher read and accepted, one line per rule with its count.
    acknowledged_warnings = models.TextField(_("发布时确认的提醒"), blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = EditionQuerySet.as_manager()

    class Meta:
        verbose_name = _("目录版本")
        verbose_name_plural = _("目录版本")
        ordering = ["-published_on", "-published_at", "-id"]
        permissions = [("publish_edition", _("可以发布目录版本"))]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        # Publishing saves a row that is still a draft in the database; a published row stays as it is.
        if self.pk:
            _refuse_published(Edition.objects.filter(pk=self.pk), EDITION_CHANGED)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_published:
            raise ValidationError(EDITION_DELETED, code="published", params={"slug": self.slug})
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def previous(self) -> "Edition | None":
        """The published edition of the same jurisdiction just before this one in publication order
        (`EditionQuerySet.in_publication_order`); for a draft, the latest published one."""
        editions = Edition.objects.filter(jurisdiction_id=self.jurisdiction_id).with_previous()
        for edition in editions:
            if edition.pk == self.pk:
                return edition.previous_edition
        return editions[-1] if editions else None


class EntryQuerySet(models.QuerySet):
    """Rows of a published edition are neither added, changed nor removed, in bulk or not.

    Each write asks once which of the editions involved are published, whatever the number of rows.
    """

    def bulk_create(self, objs, *args, **kwargs) -> list["Entry"]:
        objs = list(objs)
        _refuse_published(Edition.objects.filter(pk__in={obj.edition_id for obj in objs}), ENTRY_ADDED)
        return super().bulk_create(objs, *args, **kwargs)

    bulk_create.alters_data = True

    def bulk_update(self, objs, fields, *args, **kwargs) -> int:
        # Checked before Django's bulk_update opens its transaction: a refusal leaves the caller's one usable.
        objs = list(objs)
        editions = models.Q(pk__in=self.filter(pk__in=[obj.pk for obj in objs]).values("edition_id"))
        if "edition" in fields or "edition_id" in fields:
            editions |= models.Q(pk__in={obj.edition_id for obj in objs})
        _refuse_published(Edition.objects.filter(editions), ENTRY_CHANGED)
        return super().bulk_update(objs, fields, *args, **kwargs)

    bulk_update.alters_data = True

    def update(self, **kwargs) -> int:
        editions = models.Q(pk__in=self.values("edition_id"))
        target = kwargs.get("edition", kwargs.get("edition_id"))
        if isinstance(target, Edition | int):
            editions |= models.Q(pk=getattr(target, "pk", target))
        _refuse_published(Edition.objects.filter(editions), ENTRY_CHANGED)
        return super().update(**kwargs)

    update.alters_data = True

    def delete(self):
        _refuse_published(Edition.objects.filter(pk__in=self.values("edition_id")), ENTRY_DELETED)
        return super().delete()

    delete.alters_data = True
    delete.queryset_only = True


class Entry(models.Model):
    """One printed row of an edition, with its cells exactly as published."""

    class Section(models.IntegerChoices):
        TRANSFERRED = 1, _("（一）划转至审批服务管理局实施")
        RETURNED = 2, _("（二）调整回原行业主管部门实施")

    edition = models.ForeignKey(Edition, verbose_name=_("目录版本"), on_delete=models.CASCADE, related_name="entries")
    section = models.PositiveSmallIntegerField(_("部分"), choices=Section.choices)
    row = models.PositiveIntegerField(_("行"), help_text=_("本部分表格中的第几行，从 1 开始。"))
    number = models.PositiveIntegerField(_("序号"), help_text=_("所属主项的序号；同一主项的各子项行序号相同。"))
    item = models.ForeignKey(
        ApprovalItem,
        verbose_name=_("事项"),
        on_delete=models.PROTECT,
        related_name="entries",
        help_text=_("本行对应的事项：子项行对应子项，其余对应主项。"),
    )
    main_name = models.CharField(_("主项名称"), max_length=300, help_text=_("第二部分为“事项名称”。"))
    sub_name = models.CharField(_("子项名称"), max_length=300, blank=True)
    item_type = models.CharField(_("事项类型"), max_length=40)
    departments = models.CharField(_("划转部门"), max_length=200)
    batch = models.CharField(_("划转情况"), max_length=40)
    base = models.CharField(_("对应基本目录情况"), max_length=40)
    remarks = models.CharField(_("备注"), max_length=300, blank=True)

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("目录条目")
        verbose_name_plural = _("目录条目")
        ordering = ["edition", "section", "row"]
        constraints = [models.UniqueConstraint(fields=["edition", "section", "row"], name="entry_unique_row")]
        indexes = [models.Index(fields=["item", "edition"], name="entry_item_edition")]

    def __str__(self) -> str:
        return f"{self.edition.slug} ({self.section}) {self.number} {self.sub_name or self.main_name}"

    def save(self, *args, **kwargs) -> None:
        if self._state.adding:
            _refuse_published(Edition.objects.filter(pk=self.edition_id), ENTRY_ADDED)
        else:  # neither out of a published edition nor into one
            _refuse_published(
                Edition.objects.filter(models.Q(pk=self.edition_id) | models.Q(entries=self.pk)), ENTRY_CHANGED
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _refuse_published(Edition.objects.filter(entries=self.pk), ENTRY_DELETED)
        return super().delete(*args, **kwargs)

    def cells(self) -> list[str]:
        """The row's text cells after 序号, in the official column order of its section."""
        return self.as_row().cells(self.section)[1:]

    def as_row(self) -> Row:
        return Row(*(getattr(self, name) for name in ("number", *CELL_FIELDS)))


class Job(models.Model):
    """Long work done by the background worker, with what the admin shows of it (catalog/jobs.py writes it)."""

    class Kind(models.TextChoices):
        IMPORT_PREVIEW = "import_preview", _("导入预览")
        IMPORT = "import", _("导入")
        DOWNLOADS = "downloads", _("准备下载文件")
        COUNTY = "county", _("派生县级目录")

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("运行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    kind = models.CharField(_("任务"), max_length=20, choices=Kind.choices)
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="+", help_text=_("任务所属辖区。")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("发起时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    params = models.JSONField(
        _("参数"), default=dict, blank=True, help_text=_("发起任务时填写的内容，重试时照样再用。")
    )
    done = models.PositiveIntegerField(_("已完成"), default=0)
    total = models.PositiveIntegerField(_("总量"), default=0)
    phase = models.CharField(_("当前步骤"), max_length=200, blank=True)
    result = models.TextField(_("结果"), blank=True)
    result_url = models.CharField(_("结果链接"), max_length=300, blank=True)
    details = models.JSONField(_("结果明细"), default=dict, blank=True, help_text=_("预览的调整清单、导入的问题等。"))
    error = models.TextField(_("错误"), blank=True, help_text=_("失败的原因，中文，不含程序堆栈。"))
    attempts = models.PositiveSmallIntegerField(_("运行次数"), default=0)
    worker = models.CharField(
        _("工作进程"), max_length=120, blank=True, help_text=_("正在运行它的工作进程（主机:进程号:标记）。")
    )

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status"], name="job_status")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_over(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class FeedbackQuerySet(models.QuerySet):
    def open(self) -> "FeedbackQuerySet":
        """Messages the clerks still owe an answer: 新收到 and 处理中 (`Feedback.OPEN_STATUSES`)."""
        return self.filter(status__in=Feedback.OPEN_STATUSES)


class Feedback(models.Model):
    """A citizen's report that an item's published information is wrong or out of date (issue 20).

    It goes to the clerks of the item's jurisdiction: `jurisdiction` is copied from the item so that the admin's
    scoping (approvals.access) reads one column."""

    class Status(models.TextChoices):
        NEW = "new", _("新收到")
        HANDLING = "handling", _("处理中")
        ANSWERED = "answered", _("已答复")
        REJECTED = "rejected", _("不予采纳")

    OPEN_STATUSES = (Status.NEW, Status.HANDLING)

    item = models.ForeignKey(ApprovalItem, verbose_name=_("事项"), on_delete=models.PROTECT, related_name="feedback")
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="feedback"
    )
    message = models.TextField(_("留言"), max_length=1000)
    contact = models.CharField(_("联系方式"), max_length=100, blank=True)
    status = models.CharField(_("处理状态"), max_length=20, choices=Status.choices, default=Status.NEW)
    reply = models.TextField(_("答复"), blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("答复人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("收到时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = FeedbackQuerySet.as_manager()

    class Meta:
        verbose_name = _("群众留言")
        verbose_name_plural = _("群众留言")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["jurisdiction", "status", "created_at"], name="feedback_queue")]

    def __str__(self) -> str:
        return f"{self.item.code} · {self.created_at:%Y-%m-%d %H:%M}"


# The upstream review queue lives beside its services (catalog/upstream.py); imported here so that Django
# finds the model with the app's others. At the end: that module reads Edition from this one.
from catalog.upstream import UpstreamChange  # noqa: E402, F401
