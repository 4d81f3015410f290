from django import forms, template
from django.http import QueryDict
from django.template.base import token_kwargs
from django.template.defaultfilters import date as date_filter
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from luhuituo.core import sections
from luhuituo.core.masking import mask_id_number, mask_phone, organisation_phone
from luhuituo.core.submissions import new_token

register = template.Library()

register.filter("mask_id", mask_id_number)
register.filter("mask_phone", mask_phone)  # people's numbers
register.filter("organisation_phone", organisation_phone)  # a centre's public number, whole


@register.simple_tag(takes_context=True)
def page_url(context, number, name="page") -> str:
    """The current URL's query string with the page parameter ``name`` set to ``number``:
    the list's filters (and a stated purpose) survive paging. ``name`` lets one page carry
    several paged lists."""
    request = context.get("request")
    query = request.GET.copy() if request is not None else QueryDict(mutable=True)
    query[name] = number
    return "?" + query.urlencode()


@register.simple_tag
def one_time_field(form=None) -> str:
    """The hidden one-time token of a create form written out by hand (``OneTimeForm``): the
    token ``form`` was sent with, when the page shows that form again, else a new one."""
    if form is not None:
        return form["submission"].as_hidden()
    return format_html('<input type="hidden" name="submission" value="{}">', new_token())


@register.simple_tag(takes_context=True)
def section_links(context, place: str, obj) -> list[dict]:
    """The links every app contributes to ``place`` for ``obj`` (luhuituo.core.sections)."""
    return sections.links(place, context.get("request"), obj)


@register.simple_tag(takes_context=True)
def section_panels(context, place: str, obj) -> str:
    """The panels every app contributes to ``place`` for ``obj`` (luhuituo.core.sections),
    each rendered from its own template with its own context (plus the request)."""
    request = context.get("request")
    return mark_safe("".join(  # noqa: S308 - rendered templates, autoescaped
        render_to_string(template, panel_context, request=request)
        for template, panel_context in sections.panels(place, request, obj)))


@register.simple_tag
def badge(code, label, kind="status"):
    """A status badge: ``<span class="tag {kind}-{code}">{label}</span>``, for instance
    ``{% badge filing.status filing.get_status_display %}`` or ``{% badge c.status
    c.get_status_display "complaint" %}``; ``kind="tag"`` gives tag-danger, tag-warning.
    Without a code, a plain ``<span class="tag">``. A tag, not an include: cheap in rows."""
    if code in (None, ""):
        return format_html('<span class="tag">{}</span>', label)
    return format_html('<span class="tag {}-{}">{}</span>', kind, code, label)


@register.filter(expects_localtime=True)
def time_tag(value, fmt="DATETIME_FORMAT"):
    """``value`` (a date or a datetime, in local time) as ``<time datetime="…">`` showing it in
    ``fmt`` (a format name such as DATE_FORMAT, or a date format such as "Y-m-d H:i");
    nothing for no value."""
    if value in (None, ""):
        return ""
    return format_html('<time datetime="{}">{}</time>', date_filter(value, "c"),
                       date_filter(value, fmt))


@register.filter
def dropped_file(field) -> int:
    """How many files were chosen in ``field`` (a bound file field) of a form that comes back
    to the user (refused: its errors, or a service's): browsers never refill a file input, so
    they must be chosen again, and the page says so beside the field (components/field.html,
    registry/includes/upload_fields.html). 0 when there is nothing to say — no file was chosen,
    or the file itself was refused and its own error says why."""
    form = getattr(field, "form", None)
    if form is None or not form.is_bound or not isinstance(field.field, forms.FileField):
        return 0
    if field.errors:
        return 0
    return len([f for f in form.files.getlist(field.html_name) if f])


@register.filter
def pick(form, names=None):
    """The bound fields of ``form`` named in ``names`` (space-separated), in that order; every
    visible field when ``names`` is empty; none without a form."""
    if not form:
        return []
    if not names:
        return form.visible_fields()
    return [form[name] for name in names.split()]


@register.simple_tag
def grid_fields(form, fields="", wide=""):
    """(bound field, wide) pairs for a .form-grid, the shape of a form's ``fieldsets`` rows:
    the fields of ``form`` named in ``fields`` (space-separated; every field when empty), those
    named in ``wide`` spanning both columns. Pairs given as ``fields`` pass through. Hidden fields
are not cells: components/form.html renders them."""
    if fields and not isinstance(fields, str):
        return fields
    if not form:
        return []
    wide = set(wide.split()) if wide else set()
    chosen = [form[name] for name in fields.split()] if fields else form.visible_fields()
    return [(field, field.name in wide) for field in chosen]


class SlotNode(template.Node):
    """A named part of a component's body; the component renders it (see ``component``)."""

    def __init__(self, name, nodelist):
        self.name = name
        self.nodelist = nodelist

    def render(self, context):
        return ""


@register.tag
def slot(parser, token):
    """``{% slot name %}…{% endslot %}`` directly inside a ``{% component %}``: that markup
    reaches the component as the variable ``name``."""
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("{% slot %} takes one name.")
    nodelist = parser.parse(("endslot",))
    parser.delete_first_token()
    return SlotNode(bits[1], nodelist)


class ComponentNode(template.Node):
    """A component and its body (see ``component``)."""

    def __init__(self, template_name, extra, nodelist):
        self.template_name = template_name
        self.extra = extra
        self.nodelist = nodelist

    def render(self, context):
        values = {key: value.resolve(context) for key, value in self.extra.items()}
        for node in self.nodelist:
            if isinstance(node, SlotNode):
                values[node.name] = node.nodelist.render(context)  # a SafeString
        values["body"] = self.nodelist.render(context)
        component = context.template.engine.get_template(self.template_name.resolve(context))
        with context.push(**values):
            return component.render(context)


@register.tag
def component(parser, token):
    """``{% component "components/x.html" key=value … %}body{% endcomponent %}``: renders the
    component template, like an include with those keywords, with the body (rendered where
    the tag stands) as ``body`` and each ``{% slot name %}`` directly inside it as ``name``.
    For components that wrap markup the page writes: a table's rows, a card's contents."""
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("{% component %} needs a template name.")
    extra = token_kwargs(bits[2:], parser, support_legacy=False)
    if len(extra) != len(bits) - 2:
        raise template.TemplateSyntaxError("{% component %} takes only key=value after its name.")
    nodelist = parser.parse(("endcomponent",))
    parser.delete_first_token()
    if len(_slots_in(nodelist)) != sum(isinstance(node, SlotNode) for node in nodelist):
        raise template.TemplateSyntaxError("{% slot %} stands directly inside {% component %}.")
    return ComponentNode(parser.compile_filter(bits[1]), extra, nodelist)


def _slots_in(nodelist) -> list[SlotNode]:
    """The slots in ``nodelist``, however deep, but not those of nested components."""
    found = []
    for node in nodelist:
        if isinstance(node, SlotNode):
            found.append(node)
        elif not isinstance(node, ComponentNode):
            for attr in node.child_nodelists:
                found += _slots_in(getattr(node, attr, None) or [])
    return found
