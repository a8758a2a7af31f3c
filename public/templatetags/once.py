"""{% once key… %}…{% endonce %}: a fragment rendered once per process for each language and key, then reused.

For the parts of a page that no visitor's request and no register change alter: the site's header and footer
(which depend on the page's URL name only), the item page's empty feedback form. Django's engine renders each
node of them again on every request: the header's links and translations took 0.7 ms, the form's widgets, through
the form renderer's own templates, 0.6 ms of an item page of 6 ms. The fragment must depend on its keys, its
language and the deployment alone (URLs, static files' hashed names); nothing of the register or the request
besides its keys belongs in it. With DEBUG on, templates are read afresh on each request and nothing is kept.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

_rendered: dict[tuple, str] = {}


class OnceNode(template.Node):
    def __init__(self, nodelist: template.NodeList, place: tuple[str, int], keys: list[template.base.FilterExpression]):
        self.nodelist = nodelist
        self.place = place  # the template and line: which fragment
        self.keys = keys

    def render(self, context: template.Context) -> str:
        if settings.DEBUG:
            return self.nodelist.render(context)
        key = (self.place, get_language(), *(str(key.resolve(context)) for key in self.keys))
        found = _rendered.get(key)
        if found is None:
            found = _rendered[key] = self.nodelist.render(context)
        return mark_safe(found)  # the nodelist's output, escaped as it rendered


@register.tag
def once(parser: template.base.Parser, token: template.base.Token) -> OnceNode:
    keys = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    nodelist = parser.parse(("endonce",))
    parser.delete_first_token()
    return OnceNode(nodelist, (parser.origin.name if parser.origin else "", token.lineno), keys)
