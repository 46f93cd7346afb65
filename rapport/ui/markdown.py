"""Markdown written by people in Rapport (briefings, modules, polls) turned into safe HTML.

markdown-it-py renders CommonMark with raw HTML switched off; nh3 then keeps only formatting
tags, so nothing an author types can run in a reader's browser. Images may point at our own
pages only (the content security policy refuses other hosts anyway)."""

import nh3
from markdown_it import MarkdownIt

_RENDERER = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

TAGS = {
    "a", "blockquote", "br", "code", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "img",
    "li", "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}}


def _same_site_images(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and not value.startswith("/"):
        return None
    return value


def render_markdown(text: str) -> str:
    html = _RENDERER.render(text or "")
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        attribute_filter=_same_site_images,
    )
