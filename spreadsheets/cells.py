"""Spreadsheet cells and files, safe both ways: what we write is inert, what we read is checked first.

Used by the official-layout exports and imports (catalog) and by the admin's flat format (approvals).
"""

from __future__ import annotations

import os
import re
import zipfile

from django.conf import settings
from django.utils.translation import gettext as _

# XML 1.0 cannot carry these at all; they become U+FFFD. (C0 control characters are kept:
# xlsxwriter writes them as Excel's _xHHHH_ escapes, which Excel turns back into the character.)
NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")
# A spreadsheet reads a cell beginning with one of these as a formula (or a DDE payload).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_COMPRESSION_RATIO = 200
# An OLE compound file (CFB): what Excel writes for a password-protected workbook (its streams
# EncryptionInfo and EncryptedPackage hold the encrypted xlsx) and for an Excel 97-2003 .xls.
CFB_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")


def clean_text(value: object) -> str:
    """The cell's text, safe to put in any file: characters no file format can carry replaced by U+FFFD."""
    text = "" if value is None else str(value)
    return NOT_XML.sub("\ufffd", text)


def inert_csv_text(value: object) -> str:
    """Text for a CSV cell that a spreadsheet will not run: a leading formula character gets a ' before it.

    This is OWASP's advice for CSV: the apostrophe tells Excel and LibreOffice the cell is text;
    no character of the value is removed.
    """
    text = clean_text(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def archive_problem(file, size: int) -> str | None:
    """Why `file` (a path or a binary file object of `size` bytes) must not be parsed as xlsx, or None.

    Checked before any XML is read: the size limit, not encrypted nor a legacy .xls, a real zip holding a
    workbook, no zip bomb.
    """
    if size > settings.IMPORT_MAX_BYTES:
        return _("大小 %(size)d 字节，超过上限 %(limit)d 字节。") % {"size": size, "limit": settings.IMPORT_MAX_BYTES}
    head, whole = _leading_bytes(file)
    if head.startswith(CFB_SIGNATURE):
        # Directory entries hold stream names in UTF-16: finding the name is enough, and a stray match
        # in an .xls (either way refused) would change only which advice the clerk reads.
        if ENCRYPTED_STREAM in whole:
            return _(
                "已加密（设有打开密码），无法读取。请在 Excel 中去掉密码（文件 → 信息 → 保护工作簿 → "
                "用密码进行加密，清空密码）后保存，再导入。"
            )
        return _("是旧版 Excel 97-2003 工作簿（.xls），请在 Excel 中“另存为 Excel 工作簿（.xlsx）”后再导入。")
    if size == 0 or not zipfile.is_zipfile(file):
        return _(
            "不是 Excel 工作簿（.xlsx）：可能是 CSV、文本或旧版 .xls 文件改了扩展名，"
            "请在 Excel 中“另存为 Excel 工作簿”后再导入。"
        )
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return _("已损坏，无法打开。请确认它是 Excel 工作簿（.xlsx），或在 Excel 中另存后再导入。")
    if "xl/workbook.xml" not in {member.filename for member in members}:
        return _("中没有 Excel 工作簿内容，不是 .xlsx 文件。")
    unpacked = sum(member.file_size for member in members)
    ratio = max((m.file_size / max(m.compress_size, 1) for m in members), default=0)
    if unpacked > settings.IMPORT_MAX_BYTES * 20 or ratio > MAX_COMPRESSION_RATIO:
        return _("解压后 %(size)d 字节（压缩比 %(ratio)d 倍），疑似压缩炸弹，拒绝导入。") % {
            "size": unpacked,
            "ratio": ratio,
        }
    return None


def _leading_bytes(file) -> tuple[bytes, bytes]:
    """The first 8 bytes of `file`, and all of it when it is a compound file (its size is checked already)."""
    if isinstance(file, str | os.PathLike):
        with open(file, "rb") as opened:
            head = opened.read(len(CFB_SIGNATURE))
            return head, (head + opened.read() if head == CFB_SIGNATURE else b"")
    position = file.tell()
    try:
        head = file.read(len(CFB_SIGNATURE))
        return head, (head + file.read() if head == CFB_SIGNATURE else b"")
    finally:
        file.seek(position)
