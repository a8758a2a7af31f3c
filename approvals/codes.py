"""The national codes a register entry carries, and their checks (issue 18).

- GB/T 2260 行政区划代码: six digits per jurisdiction.
- GB 32100-2015 统一社会信用代码: 18 characters, the last a check character over the first 17.
- GB/T 39046-2020 事项类型代码 (01 行政许可 … 10 其他行政权力) and 行使层级 (1 国家级 … 6 村级).

Pure functions and Django validators; no models, so that models, forms, imports and the API share them.
"""

import functools
import re
import string
from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from approvals.vocabulary import ItemType

# GB 32100-2015 §4.2: the 31 characters a credit code may use (no I, O, S, V, Z), each worth its index.
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# §4.3: the weight of each of the first 17 positions (3^i mod 31).
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

DIVISION_CODE_RE = re.compile(r"^\d{6}$")


class ExerciseLevel(models.IntegerChoices):
    """GB/T 39046-2020 行使层级."""

    NATIONAL = 1, _("国家级")
    PROVINCE = 2, _("省级")
    CITY = 3, _("市级")
    COUNTY = 4, _("县级")
    TOWNSHIP = 5, _("镇（乡、街道）级")
    VILLAGE = 6, _("村级")


# A jurisdiction's level (Jurisdiction.Level's values; no model is imported here) → the 行使层级 of its items.
LEVEL_OF_JURISDICTION = {"province": ExerciseLevel.PROVINCE, "city": ExerciseLevel.CITY, "county": ExerciseLevel.COUNTY}


def exercise_level_of(stored: int | None, jurisdiction_level: str) -> int | None:
    """An item's 行使层级: the one stored on it, or else its jurisdiction's (市本级 3 市级, 县区 4 县级, 省 2 省级).

    The one rule wherever the level is shown or composed; None when neither says (an unknown level).
    """
    if stored:
        return int(stored)
    level = LEVEL_OF_JURISDICTION.get(jurisdiction_level)
    return int(level) if level is not None else None


def credit_code_check_character(first17: str) -> str:
    """The 18th character of a 统一社会信用代码 whose first 17 characters are `first17`."""
    pairs = zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    total = sum(CREDIT_CODE_CHARSET.index(char) * weight for char, weight in pairs)
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    """Refuse anything that is not a well-formed 统一社会信用代码 with the right check character."""
    code = value.strip().upper()
    if len(code) != 18:  # before the check character: zip(strict=True) needs exactly 17
        raise ValidationError(
            _("统一社会信用代码应为 18 位，这里是 %(length)s 位。"),
            code="credit_code_length",
            params={"length": len(code)},
        )
    wrong = sorted({char for char in code if char not in CREDIT_CODE_CHARSET})
    if wrong:
        raise ValidationError(
            _("统一社会信用代码只能由数字和除 I、O、S、V、Z 以外的大写字母组成，不能含“%(chars)s”。"),
            code="credit_code_characters",
            params={"chars": "".join(wrong)},
        )
    expected = credit_code_check_character(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _(
                "统一社会信用代码的校验码不符（GB 32100-2015）："
                "按前 17 位计算，第 18 位应为“%(expected)s”，这里是“%(actual)s”。"
            ),
            code="credit_code_check",
            params={"expected": expected, "actual": code[17]},
        )


def validate_division_code(value: str) -> None:
    if not DIVISION_CODE_RE.match(value):
        raise ValidationError(_("行政区划代码应为 6 位数字（GB/T 2260），例如 140600。"), code="division_code")


BASIC_CODE_RE = re.compile(r"^[0-9A-Z]{6,20}$")


def validate_basic_code(value: str) -> None:
    """基本编码 as the national base catalogue issues it: 6 to 20 digits or capital letters."""
    if not BASIC_CODE_RE.match(value):
        raise ValidationError(_("基本编码应由 6 至 20 位数字或大写字母组成，例如 000105001000。"), code="basic_code")


def item_type_code(item_type: str) -> str:
    """GB/T 39046 事项类型代码: the ten types in the standard's order, 01 行政许可 … 10 其他行政权力."""
    return f"{list(ItemType.values).index(item_type) + 1:02d}"


# The parts an 实施编码 may be composed of, by their names in IMPLEMENTATION_CODE_FORMAT.
IMPLEMENTATION_CODE_PARTS = {
    "credit_code": "实施主体的统一社会信用代码（18 位）",
    "item_type_code": "事项类型代码（2 位，01 行政许可 … 10 其他行政权力）",
    "basic_code": "基本编码",
    "exercise_level": "行使层级代码（1 位，1 国家级 … 6 村级）",
    "division_code": "实施地的行政区划代码（6 位）",
}


@functools.lru_cache(maxsize=8)  # read for every code composed: a list page composes one a row
def implementation_code_parts(fmt: str) -> tuple[str, ...]:
    """The part names `fmt` uses, in order; ImproperlyConfigured for anything but plain {name} placeholders."""
    try:
        fields = list(string.Formatter().parse(fmt))
    except ValueError as error:
        raise ImproperlyConfigured(f"IMPLEMENTATION_CODE_FORMAT {fmt!r}: {error}") from None
    names = tuple(name for _literal, name, _spec, _conversion in fields if name is not None)
    wrong = [name for name in names if name not in IMPLEMENTATION_CODE_PARTS]
    dressed = any(spec or conversion for _literal, name, spec, conversion in fields if name is not None)
    if wrong or dressed or not names:
        raise ImproperlyConfigured(
            f"IMPLEMENTATION_CODE_FORMAT {fmt!r} may use only {{name}} placeholders of "
            f"{', '.join(IMPLEMENTATION_CODE_PARTS)}, at least one"
        )
    return names


def implementation_code(parts: Mapping[str, object], fmt: str | None = None) -> str:
    """An item's 实施编码 (GB/T 39046), composed from `parts` by the format `fmt` (default: the setting
    IMPLEMENTATION_CODE_FORMAT), e.g. "{credit_code}{item_type_code}{basic_code}{exercise_level}".

    `parts` maps the names of IMPLEMENTATION_CODE_PARTS to their values for one item. The composition is
    a setting because provinces compose the code differently. A part the format needs that is missing
    or empty (no 基本编码 entered, no credit code for the implementing body, no single implementing
    body) gives "": an item has no 实施编码 rather than a wrong one.
    """
    fmt = settings.IMPLEMENTATION_CODE_FORMAT if fmt is None else fmt
    values = {}
    for name in implementation_code_parts(fmt):
        value = parts.get(name)
        if value is None or str(value).strip() == "":
            return ""
        values[name] = str(value).strip()
    return fmt.format_map(values)


# GB/T 2260 codes of the jurisdictions the official data names (the fixture and migration 0013 use them).
DIVISION_CODES = {
    "shanxi": "140000",
    "shuozhou": "140600",
    "shuocheng": "140602",
    "pinglu": "140603",
    "shanyin": "140621",
    "yingxian": "140622",
    "youyu": "140623",
    "huairen": "140681",
}
