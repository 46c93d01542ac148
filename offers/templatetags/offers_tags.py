"""Template filters of the NGO's pages: formatted long text, money, Warsaw time."""

from __future__ import annotations

import re
from decimal import Decimal

import markdown as markdown_lib
import nh3
from django import template
from django.utils.safestring import mark_safe

from workflow.calendar import format_local

from ..form import money as format_money
from ..form import parse_decimal

register = template.Library()

# Simple formatting only: paragraphs, line breaks, lists, emphasis. Everything else is dropped.
ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "strong", "em"}
_LIST_ITEM = re.compile(r"^\s*([-*+]|\d+[.)])\s+")


def _blank_line_before_lists(text: str) -> str:
    """People type a list straight under a sentence; Markdown wants an empty line first."""
    lines = text.replace("\r\n", "\n").split("\n")
    out: list[str] = []
    for line in lines:
        if out and _LIST_ITEM.match(line) and out[-1].strip() and not _LIST_ITEM.match(out[-1]):
            out.append("")
        out.append(line)
    return "\n".join(out)


def render_formatted(text) -> str:
    """Long text typed by a user -> safe HTML with paragraphs and lists (sanitised by nh3)."""
    if not text:
        return ""
    html = markdown_lib.markdown(
        _blank_line_before_lists(str(text)), extensions=["sane_lists", "nl2br"], output_format="html"
    )
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes={}, link_rel=None)


@register.filter
def formatted(text):
    return mark_safe(render_formatted(text))  # noqa: S308 - sanitised by nh3 above


@register.filter
def money(value):
    if value in (None, ""):
        return "—"
    if isinstance(value, Decimal | int):
        return format_money(Decimal(value))
    number, error = parse_decimal(value)
    return format_money(number) if number is not None and not error else str(value)


@register.filter
def percent(value):
    if value in (None, ""):
        return "—"
    return f"{Decimal(value):.2f}".replace(".", ",") + " %"


@register.filter
def warsaw(value):
    return format_local(value) if value else ""


@register.filter
def get(mapping, key):
    if not mapping:
        return None
    try:
        return mapping.get(key) if hasattr(mapping, "get") else mapping[key]
    except (KeyError, IndexError, TypeError):
        return None


@register.filter
def dom(key) -> str:
    """A problem key ("costs.lines.0.unit_cost") as the id of its field on the page."""
    return "f-" + str(key).replace(".", "-")


@register.simple_tag
def widget(field, **attrs):
    """A Django form field's input with its help and errors tied to it (aria-describedby, aria-invalid)."""
    described = []
    if field.help_text:
        described.append(f"help-{field.auto_id}")
    if field.errors:
        described.append(f"err-{field.auto_id}")
    if "data-max-bytes" in field.field.widget.attrs:
        described.append(f"{field.auto_id}-size-error")  # filled by pozytek.js before anything is sent
    extra = {"aria-describedby": " ".join(described)} if described else {}
    if field.errors:
        extra["aria-invalid"] = "true"
    extra.update(attrs)
    return field.as_widget(attrs=extra)


@register.filter
def is_radio(field) -> bool:
    return field.field.widget.__class__.__name__ == "RadioSelect"


@register.filter
def is_checkbox(field) -> bool:
    return field.field.widget.__class__.__name__ == "CheckboxInput"


@register.filter
def next_section(nav, key):
    keys = [item["key"] for item in nav]
    if key in keys and keys.index(key) + 1 < len(nav):
        return nav[keys.index(key) + 1]
    return None


@register.filter
def as_date(value):
    """A date as typed ("2027-03-01", "1.3.2027") shown the Polish way; anything else as it is."""
    from ..form import parse_date

    parsed, error = parse_date(value)
    if parsed and not error:
        return parsed.strftime("%d.%m.%Y")
    return value or "—"


@register.filter
def label_in(value, mapping):
    """A stored choice ("unpaid") as its label in `mapping`; "—" when nothing was chosen."""
    if value in (None, ""):
        return "—"
    return (mapping or {}).get(value, value)


@register.filter
def messages_at(errors, key) -> str:
    """The messages for one key of an {key: [messages]} dict, as one sentence list ("" if none)."""
    found = (errors or {}).get(key) if hasattr(errors, "get") else None
    return " ".join(str(m) for m in found) if found else ""


@register.filter
def quantity(value):
    """A number of units the Polish way, without needless zeros: 300.00 -> "300", 2.50 -> "2,5"."""
    if value in (None, ""):
        return "—"
    number = Decimal(value) if isinstance(value, Decimal | int) else parse_decimal(value)[0]
    if number is None:
        return str(value)
    text = f"{number:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


@register.filter
def iban(value) -> str:
    """PL61109010140000071219812874 -> "PL61 1090 1014 0000 0712 1981 2874"."""
    from ..identifiers import format_bank_account

    try:
        return format_bank_account(value) if value else ""
    except ValueError:
        return value
