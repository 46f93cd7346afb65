"""HTML from outside is cleaned before anyone sees it: nh3 keeps formatting tags and drops scripts,
styles, event handlers, forms and remote images (which would tell the sender the mail was read)."""

import html as html_lib
import re

import nh3

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "div",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
_BLOCK_END = re.compile(r"</(p|div|tr|li|h[1-6]|blockquote)>|<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def clean_html(raw: str) -> str:
    return nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        clean_content_tags={"script", "style", "title", "head"},
    )


def html_to_text(raw: str) -> str:
    """Plain text of an HTML body, for search, summaries and analysis."""
    text = _TAG.sub("", _BLOCK_END.sub("\n", clean_html(raw)))
    lines = (" ".join(line.split()) for line in html_lib.unescape(text).splitlines())
    return "\n".join(line for line in lines if line).strip()
