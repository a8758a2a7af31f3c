"""`{% load i18n i18n_once %}`: Django's `{% translate %}`, its output kept per language where it is a constant.

`{% translate '事项编码' %}` (a literal, no `as`, `noop` or `context`) prints the same text for every request in a
language: Django's node still resolved the literal into a lazy string, looked the message up in the catalogue through
the active translation and escaped the result, each time. The item page has 32 of them: 0.49 ms of its 5.69 ms of
CPU (its pages on the bench register in one process, both ways alternated; bench/RESULTS.md, 2026-12-03). So each
such node keeps what it rendered, once per language and autoescape setting; every other form of the tag (a
variable, `as`, `noop`, `context`) is Django's node unchanged.
Loaded after `i18n`, this library's `translate` and `trans` replace Django's in that template, and `makemessages`
still finds the messages (it reads the tag's name, which stays). With DEBUG on nothing is kept, as with `{% once %}`:
the development server reloads a changed catalogue without restarting, and the page must show it.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.templatetags.i18n import TranslateNode, do_translate
from django.utils.translation import get_language

register = template.Library()


class ConstantTranslateNode(template.Node):
    """A `TranslateNode` of a literal: its output for each language, rendered once."""

    def __init__(self, node: TranslateNode):
        self.node = node
        self._rendered: dict[tuple[str | None, bool], str] = {}

    def render(self, context: template.Context) -> str:
        if settings.DEBUG:
            return self.node.render(context)
        key = (get_language(), context.autoescape)
        found = self._rendered.get(key)
        if found is None:
            found = self._rendered[key] = self.node.render(context)
        return found


def _is_constant(node: TranslateNode) -> bool:
    expression = node.filter_expression
    return (
        not node.noop
        and node.asvar is None
        and node.message_context is None
        and not expression.filters
        and isinstance(expression.var, template.Variable)
        and expression.var.lookups is None  # a literal, not a variable
    )


@register.tag("translate")
@register.tag("trans")
def translate(parser: template.base.Parser, token: template.base.Token) -> template.Node:
    node = do_translate(parser, token)
    return ConstantTranslateNode(node) if _is_constant(node) else node
