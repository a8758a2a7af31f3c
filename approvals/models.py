"""The register: jurisdictions, departments, legal documents, items and their history.

An item's status is never edited directly: it is the consequence of its
`Transfer` events and is written only by the services in `approvals/services.py`,
in the same transaction as the event that explains it.
"""

from concurrency.fields import IntegerVersionField
from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from approvals import codes, vocabulary
from approvals.managers import ApprovalItemQuerySet
from approvals.organisations import Department, DepartmentAlias, Jurisdiction, StaffProfile  # noqa: F401
from approvals.register_version import RegisterBump, RegisterVersion  # noqa: F401
from approvals.search import pinyin_key
from approvals.synonyms import SearchSynonym  # noqa: F401
from approvals.vocabulary import PUBLIC_MAIN, PUBLIC_STATUSES, ItemStatus, ItemType  # noqa: F401  (their old home)


class PolicyDocument(models.Model):
    """A legal document cited by events and editions.

    It belongs to the jurisdiction that issued it: only that jurisdiction's staff change it,
    and the counties (and the city) may cite the documents of the levels above them (see access.py).
    """

    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("发文辖区"),
        on_delete=models.PROTECT,
        related_name="documents",
        help_text=_("印发本文件的辖区：市政府文件属市本级，省政府文件属省级。只有该辖区的工作人员可以修改。"),
    )
    number = models.CharField(_("文号"), max_length=60, unique=True, help_text=_("例如“朔政发〔2022〕20号”。"))
    title = models.CharField(_("标题"), max_length=300)
    issuer = models.CharField(_("发文机关"), max_length=100, blank=True)
    issued_on = models.DateField(_("发文日期"), null=True, blank=True, help_text=_("不清楚时留空。"))
    batch_label = models.CharField(
        _("划转批次名称"),
        max_length=20,
        blank=True,
        help_text=_("依据本文件划转的事项在目录“划转情况”一栏的写法，例如“首次划转”；不是划转批次的文件留空。"),
    )
    url = models.URLField(_("原文链接"), blank=True)

    history = HistoricalRecords(verbose_name=_("文件历史"))

    class Meta:
        verbose_name = _("政策文件")
        verbose_name_plural = _("政策文件")
        ordering = ["issued_on", "number"]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs) -> None:
        from approvals.queries import batch_cache_key  # queries reads this model

        super().save(*args, **kwargs)
        cache.delete(batch_cache_key())  # its batch label may be new to the batch filters


# The service-guide fields the notice asks to standardise (all optional): the admin's form, the flat
# format and the API show them in this order.
GUIDE_FIELDS = (
    "application_materials",
    "acceptance_conditions",
    "procedure",
    "statutory_time_limit",
    "promised_time_limit",
    "fees",
    "legal_basis",
)


class ApprovalItem(models.Model):
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="items"
    )
    code = models.CharField(
        _("事项编码"),
        max_length=40,
        unique=True,
        help_text=_("稳定的事项编码，创建时分配，此后不变；与目录中的序号无关。"),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("主项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text=_("子项填写其所属主项；主项留空。"),
    )
    position = models.PositiveIntegerField(_("子项顺序"), default=0, help_text=_("子项在主项下的先后顺序。"))
    name = models.CharField(_("事项名称"), max_length=300)
    item_type = models.CharField(_("事项类型"), max_length=20, choices=ItemType.choices)
    departments = models.ManyToManyField(
        Department, verbose_name=_("划转部门"), through="ItemDepartment", related_name="items", blank=True
    )
    source_text = models.CharField(
        _("事项来源"),
        max_length=60,
        blank=True,
        help_text=_("不属于任何本级部门的事项来源，例如承接的“省政府下放”；有划转部门时留空。"),
    )
    in_base_catalogue = models.BooleanField(
        _("属于基本目录"),
        default=False,
        help_text=_("是否列入《山西省“一枚印章管审批”改革市级行政审批事项划转基本目录》（晋政发〔2021〕47号附件1）。"),
    )
    remarks = models.CharField(_("备注"), max_length=300, blank=True)
    basic_code = models.CharField(
        _("基本编码"),
        max_length=20,
        blank=True,
        validators=[codes.validate_basic_code],
        help_text=_("国家或省级基本目录赋予的基本编码（GB/T 39046）；没有时留空。"),
    )
    exercise_level = models.PositiveSmallIntegerField(
        _("行使层级"),
        choices=codes.ExerciseLevel.choices,
        null=True,
        blank=True,
        help_text=_("GB/T 39046 行使层级；留空时按辖区层级（市本级为市级，县区为县级）。"),
    )
    derived_from = models.ForeignKey(
        "self",
        verbose_name=_("对应市级事项"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="derived_items",
        help_text=_("县级事项由市级目录复制而来时，指向它所依据的市级事项。"),
    )
    review_reason = models.CharField(
        _("待核对原因"),
        max_length=300,
        blank=True,
        help_text=_("市级发布新版本后，对应市级事项有变化时由系统填写；核对完毕后清空。"),
    )

    # Derived from the history; written only by approvals.services together with the Transfer.
    status = models.CharField(
        _("当前状态"), max_length=20, choices=ItemStatus.choices, default=ItemStatus.PENDING, editable=False
    )
    intake = models.ForeignKey(
        "Transfer",
        verbose_name=_("划入事件"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        help_text=_("最近一次把事项划入审批服务管理局的事件（首次划转、二次划转或承接）。"),
    )

    # Service-guide fields the notice asks to standardise; optional.
    application_materials = models.TextField(_("申请材料"), blank=True)
    acceptance_conditions = models.TextField(_("受理条件"), blank=True)
    procedure = models.TextField(_("办理流程"), blank=True)
    statutory_time_limit = models.CharField(_("法定时限"), max_length=100, blank=True)
    promised_time_limit = models.CharField(_("承诺时限"), max_length=100, blank=True)
    fees = models.CharField(_("收费"), max_length=200, blank=True)
    legal_basis = models.TextField(_("设定依据"), blank=True)

    # Written by database triggers only (migration 0005): the search key of the name, and for a main
    # item its sub-items' keys after it, one per line. Search reads this one column, so a main item and
    # its sub-items are found with one indexed condition on one table.
    search_text = models.TextField(_("检索文本"), default="", editable=False)
    # Written by Python only, with the name (approvals.search.pinyin_key; SQL cannot compute pinyin):
    # the triggers copy it into search_text.
    name_pinyin = models.TextField(_("名称拼音"), default="", editable=False)

    version = IntegerVersionField(help_text=_("乐观锁版本号：两人同时修改时拒绝后保存的过期表单。"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    objects = ApprovalItemQuerySet.as_manager()
    history = HistoricalRecords(
        verbose_name=_("事项历史"), excluded_fields=["version", "updated_at", "search_text", "name_pinyin"]
    )

    class Meta:
        verbose_name = _("审批事项")
        verbose_name_plural = _("审批事项")
        ordering = ["code"]
        indexes = [
            # The public list's order (status, code) over the main items it shows, in one jurisdiction or all.
            models.Index(fields=["jurisdiction", "status", "code"], condition=PUBLIC_MAIN, name="item_public_by_place"),
            models.Index(fields=["status", "code"], condition=PUBLIC_MAIN, name="item_public"),
            models.Index(fields=["jurisdiction", "status"], name="item_jurisdiction_status"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs) -> None:
        # The pinyin follows the name whatever saves it (services, the admin, the flat import).
        self.name_pinyin = pinyin_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields and "name_pinyin" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "name_pinyin"]
        super().save(*args, **kwargs)

    @property
    def is_sub_item(self) -> bool:
        return self.parent_id is not None

    def department_text(self) -> str:
        """The 划转部门 cell as the tables print it: short names joined by 、, or the item's source."""
        names = [link.department.short_name for link in self.department_links.all()]
        return "、".join(names) if names else self.source_text

    def batch_text(self) -> str:
        """The 划转情况 cell: how the item last came to the bureau."""
        return self.intake.batch_label() if self.intake_id else ""

    def base_text(self) -> str:
        return vocabulary.base_text(self.in_base_catalogue)


class ItemDepartment(models.Model):
    """An item's departments in the order the tables print them (item 60 has two)."""

    item = models.ForeignKey(
        ApprovalItem, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="department_links"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("部门"), on_delete=models.PROTECT, related_name="item_links"
    )
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    history = HistoricalRecords(verbose_name=_("事项部门历史"))

    class Meta:
        verbose_name = _("事项部门")
        verbose_name_plural = _("事项部门")
        ordering = ["item", "position"]
        constraints = [models.UniqueConstraint(fields=["item", "department"], name="item_department_unique")]

    def __str__(self) -> str:
        return f"{self.item} · {self.department}"


class Transfer(models.Model):
    """One event in an item's history, with the status before and after it."""

    class Kind(models.TextChoices):
        TRANSFER = "transfer", _("划转至审批服务管理局")
        ACCEPT = "accept", _("承接上级下放")
        RETURN = "return", _("退回原部门")
        CANCEL = "cancel", _("取消")
        DEVOLVE = "devolve", _("下放实施")

    item = models.ForeignKey(ApprovalItem, verbose_name=_("事项"), on_delete=models.PROTECT, related_name="transfers")
    sequence = models.PositiveIntegerField(_("序次"), help_text=_("事项历史中的第几个事件，从 1 开始。"))
    kind = models.CharField(_("事件"), max_length=20, choices=Kind.choices)
    from_status = models.CharField(_("原状态"), max_length=20, choices=ItemStatus.choices)
    to_status = models.CharField(_("新状态"), max_length=20, choices=ItemStatus.choices)
    effective_on = models.DateField(_("生效日期"), null=True, blank=True, help_text=_("不清楚时留空。"))
    # Written by approvals.bulk.record and approvals.effective.apply_due only, like the item's status.
    pending = models.BooleanField(
        _("尚未生效"),
        default=False,
        editable=False,
        help_text=_("生效日期晚于登记当天的记录在生效之前为“尚未生效”，到了生效日期系统才按它更新事项状态。"),
    )
    document = models.ForeignKey(
        PolicyDocument,
        verbose_name=_("依据文件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers",
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("划转记录")
        verbose_name_plural = _("划转记录")
        ordering = ["item", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["item", "sequence"], name="transfer_unique_sequence"),
            # An item waits for one dated change at a time (approvals/effective.py): its chain stays in date order.
            models.UniqueConstraint(fields=["item"], condition=models.Q(pending=True), name="transfer_one_pending"),
        ]
        indexes = [
            # The daily question "is anything due?" reads only the few pending rows.
            models.Index(fields=["effective_on"], condition=models.Q(pending=True), name="transfer_pending_due"),
        ]

    def __str__(self) -> str:
        return f"{self.item.code} {self.get_kind_display()}"

    def batch_label(self) -> str:
        """How the 划转情况 column names the batch this event belongs to."""
        document_label = self.document.batch_label if self.kind == self.Kind.TRANSFER and self.document_id else ""
        return self.label_of_batch(self.kind, document_label)

    label_of_batch = staticmethod(vocabulary.batch_label)


class Claim(models.Model):
    """A county's decision on one item of the city's current catalogue (应认尽认, 晋政办发〔2022〕75号).

    The county's own items derive from its claims; an item with no claim is "not yet decided".
    """

    class Decision(models.TextChoices):
        CLAIMED = "claimed", _("认领")
        DEPARTMENT = "department", _("由原部门实施")
        DECLINED = "declined", _("不认领")

    class Reason(models.TextChoices):
        NO_AUTHORITY = "no_authority", _("本级无相应职责权限")
        CANCELLED = "cancelled", _("已取消或下放")
        ENTRUSTED = "entrusted", _("委托事项")
        OTHER = "other", _("其他")

    county = models.ForeignKey(
        Jurisdiction, verbose_name=_("县（市、区）"), on_delete=models.PROTECT, related_name="claims"
    )
    city_item = models.ForeignKey(
        ApprovalItem, verbose_name=_("市级事项"), on_delete=models.PROTECT, related_name="claims"
    )
    decision = models.CharField(_("认领情况"), max_length=20, choices=Decision.choices)
    reason = models.CharField(_("不认领理由"), max_length=20, choices=Reason.choices, blank=True)
    reason_text = models.CharField(_("理由说明"), max_length=300, blank=True, help_text=_("理由为“其他”时必填。"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("决定人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("决定时间"), auto_now=True)

    history = HistoricalRecords(verbose_name=_("认领历史"))

    class Meta:
        verbose_name = _("认领")
        verbose_name_plural = _("认领")
        ordering = ["county", "city_item__code"]
        constraints = [models.UniqueConstraint(fields=["county", "city_item"], name="claim_unique_item")]

    def __str__(self) -> str:
        return f"{self.county} · {self.city_item.code} {self.get_decision_display()}"
