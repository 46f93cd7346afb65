"""Formatting filters and small helpers for templates."""

from decimal import Decimal

from django import template
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe

from rapport.ui.markdown import render_markdown

register = template.Library()


@register.filter
def money(value) -> str:
    if value is None or value == "":
        return "—"
    return f"{Decimal(value):,.2f}"


@register.filter
def dash(value) -> str:
    return "—" if value in (None, "") else str(value)


@register.filter
def get_item(mapping, key):
    """A dictionary's value for a key held in a variable (templates cannot index by variable)."""
    return mapping.get(key) if mapping else None


@register.simple_tag(takes_context=True)
def page_url(context, page_number: int) -> str:
    """The current query string with another page number."""
    params = context["request"].GET.copy()
    params["page"] = page_number
    return "?" + urlencode(sorted(params.items()))


@register.filter
def markdown(text: str) -> SafeString:
    """Author-written markdown as safe HTML (see rapport.ui.markdown)."""
    return mark_safe(render_markdown(text))  # noqa: S308 — cleaned by nh3 in render_markdown
