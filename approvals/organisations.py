"""Who keeps and carries out the register: jurisdictions with their national codes, departments (the bureau
among them) with where citizens reach them, and the jurisdiction each member of staff keeps.

Re-exported by approvals.models, their home for every import.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from approvals import codes
from approvals.managers import DepartmentQuerySet, JurisdictionQuerySet


class Jurisdiction(models.Model):
    class Level(models.TextChoices):
        PROVINCE = "province", _("省级")
        CITY = "city", _("市本级")
        COUNTY = "county", _("县（市、区）")

    code = models.SlugField(
        _("代码"), max_length=40, unique=True, help_text=_("网址和事项编码中使用的简短代码，例如 shuozhou。")
    )
    name = models.CharField(_("名称"), max_length=60, unique=True, help_text=_("例如“朔州市本级”或“朔城区”。"))
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices, default=Level.COUNTY)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    code_prefix = models.CharField(
        _("编码前缀"), max_length=8, unique=True, help_text=_("本辖区事项编码的前缀，例如 SZ，一经使用不再修改。")
    )
    item_counter = models.PositiveIntegerField(
        _("已分配编码数"), default=0, editable=False, help_text=_("本辖区已分配的主项编码个数，由系统维护。")
    )
    division_code = models.CharField(
        _("行政区划代码"),
        max_length=6,
        blank=True,
        validators=[codes.validate_division_code],
        help_text=_("GB/T 2260 六位行政区划代码，例如朔州市 140600。"),
    )
    position = models.PositiveIntegerField(_("排序"), default=0)

    objects = JurisdictionQuerySet.as_manager()

    class Meta:
        verbose_name = _("辖区")
        verbose_name_plural = _("辖区")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="departments"
    )
    slug = models.SlugField(_("网址代码"), max_length=60, help_text=_("公开页面网址中使用，例如 fgw。"))
    short_name = models.CharField(_("简称"), max_length=60, help_text=_("目录表格中使用的名称，例如“市发改委”。"))
    full_name = models.CharField(_("全称"), max_length=120, blank=True, help_text=_("例如“朔州市发展和改革委员会”。"))
    is_bureau = models.BooleanField(
        _("是审批服务管理局"), default=False, help_text=_("勾选表示这是承接划转事项的行政审批服务管理局本身。")
    )
    position = models.PositiveIntegerField(_("排序"), default=0, help_text=_("目录中部门的先后顺序。"))
    credit_code = models.CharField(
        _("统一社会信用代码"),
        max_length=18,
        blank=True,
        validators=[codes.validate_credit_code],
        help_text=_("18 位，按 GB 32100-2015 校验；不清楚时留空。"),
    )
    # Where citizens go (issue 20): shown in the item page's 去哪里办 block, the API and the JSON-LD.
    address = models.CharField(_("办公地址"), max_length=200, blank=True)
    phone = models.CharField(_("咨询电话"), max_length=60, blank=True)
    office_hours = models.CharField(
        _("办公时间"), max_length=200, blank=True, help_text=_("例如“工作日 9:00—12:00，13:30—17:00”。")
    )
    website = models.URLField(_("网上办事链接"), blank=True)

    objects = DepartmentQuerySet.as_manager()
    history = HistoricalRecords(verbose_name=_("部门历史"))

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["jurisdiction__position", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "short_name"], name="department_unique_short_name"),
            models.UniqueConstraint(fields=["jurisdiction", "slug"], name="department_unique_slug"),
        ]

    def __str__(self) -> str:
        return self.short_name


class DepartmentAlias(models.Model):
    """Another name under which the tables print a department (市市场监管局 for 市市场监督管理局)."""

    department = models.ForeignKey(Department, verbose_name=_("部门"), on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(_("别名"), max_length=60)

    class Meta:
        verbose_name = _("部门别名")
        verbose_name_plural = _("部门别名")
        ordering = ["department", "name"]
        constraints = [models.UniqueConstraint(fields=["department", "name"], name="department_alias_unique")]

    def __str__(self) -> str:
        return self.name


class StaffProfile(models.Model):
    """The jurisdiction whose register a member of staff keeps."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="staff_profile"
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="staff"
    )

    class Meta:
        verbose_name = _("工作人员辖区")
        verbose_name_plural = _("工作人员辖区")
        ordering = ["jurisdiction", "user"]

    def __str__(self) -> str:
        return f"{self.user} · {self.jurisdiction}"
