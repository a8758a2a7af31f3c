"""`/api/changes/`: the register's change events after a cursor, for a platform that keeps a copy in sync."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from catalog import changes
from public.api import parameters
from public.api.pagination import whole_number
from public.api.schema import BAD_REQUEST

PAGE_SIZE, MAX_PAGE_SIZE = 100, 1000


class ChangeSerializer(serializers.Serializer):
    cursor = serializers.CharField(help_text="本事件的游标：作为 since 传入，得到它之后的事件")
    item = serializers.CharField(help_text="事项编码")
    kind = serializers.ChoiceField(
        choices=changes.ALL_KINDS,
        help_text="变化：created 新建，transferred 划转，accepted 承接，returned 退回，cancelled 取消，"
        "devolved 下放，renamed 改名，changed 其他字段修改（见 field）",
    )
    field = serializers.CharField(
        allow_null=True, help_text="kind 为 changed 时修改的字段名（部门变动为 departments），其余为 null"
    )
    effective_on = serializers.DateField(
        allow_null=True, help_text="生效日期：划转等事件为登记的生效日期（可为 null）；新建和修改为登记当天"
    )
    recorded_at = serializers.DateTimeField(help_text="登记时间")
    document = serializers.CharField(allow_null=True, help_text="依据文件文号；没有时为 null")
    edition = serializers.CharField(
        allow_null=True,
        help_text="登记之后本辖区发布的第一个目录版本的代码（第一个可能反映这一变化的版本）；尚未发布时为 null",
    )


PAGE = inline_serializer(
    "ChangePage",
    {
        "next": serializers.URLField(
            allow_null=True, help_text="下一页的地址（以本页最后一个游标为 since）；没有更多时为 null"
        ),
        "results": ChangeSerializer(many=True),
    },
)


@extend_schema(
    summary="变化事件（自某游标之后，按登记先后）",
    description=(
        "事项的新建、划转、承接、退回、取消、下放、改名和字段修改，按同一顺序排列，每页至多 page_size 个。"
        "首次读取省略 since；此后把读到的最后一个事件的 cursor 作为 since，得到其后的事件，不重复、不遗漏。"
        "游标形如 12.345.1.6，请原样保存，不要自行构造。"
    ),
    parameters=[
        OpenApiParameter(
            "since",
            {"type": "string", "pattern": changes.CURSOR_PATTERN},
            description="游标：只列出它之后的事件；省略时从头开始",
        ),
        OpenApiParameter(
            "jurisdiction", str, description="辖区代码，默认 shuozhou（朔州市本级）；all 为全部辖区。可选值见枚举。"
        ),
        OpenApiParameter(
            "page_size",
            {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            description=f"每页事件数，默认 {PAGE_SIZE}，至多 {MAX_PAGE_SIZE}",
        ),
    ],
    responses={200: PAGE, 400: BAD_REQUEST},
)
@api_view(["GET"])
def change_list(request):
    params = request.query_params
    parameters.check_not_empty(params)
    if "since" in params and not params["since"]:
        raise ValidationError({"since": [_("不能为空；从头读取时请省略这个参数。")]})
    jurisdiction = parameters.jurisdiction_of(params)
    cursor = changes.parse_cursor(params["since"]) if "since" in params else changes.START
    if cursor is None:
        raise ValidationError({"since": [_("不是有效的游标：请使用某个事件的 cursor 原样传入。")]})
    size = whole_number(request, "page_size", MAX_PAGE_SIZE) or PAGE_SIZE
    events, more = changes.changes_since(cursor, jurisdiction=jurisdiction, limit=size)
    next_link = None
    if more:
        next_link = replace_query_param(request.build_absolute_uri(), "since", events[-1].cursor)
    results = ChangeSerializer(events, many=True).data
    return Response({"next": next_link, "results": results})
