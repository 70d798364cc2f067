"""Markdown to safe HTML: markdown-it-py renders, nh3 (ammonia) sanitises by allow-list.

Two layers, so that a gap in one is caught by the other:

1. markdown-it-py in CommonMark mode with raw HTML *off* (any `<tag>` in the source is
   shown as text) and tables and strikethrough on; its link validator already drops
   `javascript:`, `vbscript:`, `file:` and `data:` links.
2. nh3 keeps only the tags and attributes a Markdown document produces, only http(s)
   and mailto links (relative links pass), and only images served by the app itself
   (a relative URL: no scheme, no host, no backslashes or control characters).
"""

import html
import re
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = {
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "p",
    "br",
    "hr",
    "blockquote",
    "ul",
    "ol",
    "li",
    "pre",
    "code",
    "em",
    "strong",
    "del",
    "s",
    "a",
    "img",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "code": {"class"},
    "th": {"class"},
    "td": {"class"},
}
LINK_SCHEMES = {"http", "https", "mailto"}
_LANGUAGE_CLASS = re.compile(r"^language-[A-Za-z0-9_+#.-]{1,30}$")
_ALIGN_CLASSES = {"text-start", "text-center", "text-end"}
_ALIGN_TO_CLASS = {"left": "text-start", "center": "text-center", "right": "text-end"}
_UNSAFE_URL_CHARS = re.compile(r"[\x00-\x20\x7f\\]")
# Characters search uses to mark matches; never allowed in stored text.
HIGHLIGHT_START, HIGHLIGHT_END = "\ue000", "\ue001"
_MARKERS = re.compile(f"[{HIGHLIGHT_START}{HIGHLIGHT_END}]")


def _alignment_as_class(state) -> None:
    """Table alignment comes as style="text-align:…", which the CSP forbids: use a class."""
    for token in state.tokens:
        if token.type in ("th_open", "td_open"):
            style = token.attrGet("style") or ""
            token.attrs.pop("style", None)
            align = style.removeprefix("text-align:").strip()
            if align in _ALIGN_TO_CLASS:
                token.attrSet("class", _ALIGN_TO_CLASS[align])


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    md.core.ruler.push("kb_alignment_as_class", _alignment_as_class)
    return md


def is_same_origin_url(url: str) -> bool:
    """True for a relative URL that stays on this site (no scheme, no host)."""
    if not url or _UNSAFE_URL_CHARS.search(url):
        return False
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc and not url.startswith("//")


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        return value if is_same_origin_url(value) else None
    if attribute == "class":
        if tag == "code":
            return value if _LANGUAGE_CLASS.match(value) else None
        return value if value in _ALIGN_CLASSES else None
    if tag == "ol" and attribute == "start":
        return value if value.isdigit() else None
    return value


_MD = _markdown()
_CLEANER = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    clean_content_tags={"script", "style"},
    attributes=ALLOWED_ATTRIBUTES,
    attribute_filter=_filter_attribute,
    url_schemes=LINK_SCHEMES,
    link_rel="noopener noreferrer nofollow",
    strip_comments=True,
)


def sanitise_html(fragment: str) -> str:
    return _CLEANER.clean(fragment)


def render_markdown(source: str) -> Markup:
    """The article body as HTML that is safe to insert into a page."""
    return Markup(sanitise_html(_MD.render(_MARKERS.sub("", source or ""))))


# In sanitised output these tags never carry attributes (none are allowed on them), and
# a "<pre>" written in the text is escaped, so matching the bare tags finds only elements.
_PRE_OPEN = re.compile(r"<pre>")
_TABLE_OPEN, _TABLE_CLOSE = re.compile(r"<table>"), re.compile(r"</table>")
_SCROLLED_TABLE = '<div class="kb-table-scroll" tabindex="0" role="region" aria-label="Table">'


def for_reading(rendered: Markup) -> Markup:
    """Rendered Markdown made for a page (not for the index or the API): code blocks and
    tables scroll sideways on a narrow screen, so each is a keyboard stop; a table in a
    named region of its own, so that it never widens the page."""
    html = _PRE_OPEN.sub('<pre tabindex="0">', str(rendered))
    html = _TABLE_CLOSE.sub("</table></div>", _TABLE_OPEN.sub(_SCROLLED_TABLE + "<table>", html))
    return Markup(html)


def render_for_reading(source: str) -> Markup:
    """`render_markdown` then `for_reading`: what the article page and the editor show."""
    return for_reading(render_markdown(source))


_BLOCK_END = re.compile(r"</(p|h[1-6]|li|pre|blockquote|tr|th|td)>|<br\s*/?>|<hr\s*/?>")
_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_CLOSING = ".!?:;…"
_TABLE = re.compile(r"<table>(.*?)</table>", re.DOTALL)
_ROW = re.compile(r"<tr>(.*?)</tr>", re.DOTALL)
_CELL = re.compile(r"<t([hd])(?:\s[^>]*)?>(.*?)</t[hd]>", re.DOTALL)


def _inline_text(fragment: str) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", fragment)).split())


def _table_as_sentences(match: re.Match) -> str:
    """A table as one sentence per row, each cell named by its column:
    "Seats: 500; Application nodes: 1." (cells run together would read as one list)."""
    headers: list[str] = []
    sentences = []
    for row in _ROW.findall(match.group(1)):
        cells = [(kind, _inline_text(content)) for kind, content in _CELL.findall(row)]
        if not headers and cells and all(kind == "h" for kind, _ in cells):
            headers = [text.rstrip(":").strip() for _, text in cells]
            continue
        named = [
            f"{headers[i]}: {value}" if i < len(headers) and headers[i] else value
            for i, (_, value) in enumerate(cells)
            if value
        ]
        if named:
            sentences.append("; ".join(named))
    if not sentences and any(headers):
        sentences.append("; ".join(h for h in headers if h))
    return "".join(f"<p>{html.escape(sentence, quote=False)}</p>" for sentence in sentences)


def plain_text(rendered: str) -> str:
    """The visible text of rendered HTML: what search indexes and snippets quote."""
    rendered = _TABLE.sub(_table_as_sentences, rendered)
    # Line breaks inside a paragraph (or a code block) are spaces; blocks end lines.
    text = _BLOCK_END.sub("\n", rendered.replace("\n", " "))
    text = html.unescape(_TAG.sub("", text))
    text = _MARKERS.sub("", text)
    text = "".join(ch if ch in "\n\t" or ch.isprintable() else " " for ch in text)
    text = _SPACES.sub(" ", text)
    # One line per block; a block without closing punctuation (a heading, a list item,
    # a table cell) gets a full stop, so that snippets read as sentences.
    lines = [line.strip() for line in text.split("\n")]
    return "\n".join(line if line[-1] in _CLOSING else line + "." for line in lines if line)


def excerpt(text: str, length: int = 220) -> str:
    text = " ".join(text.split())
    if len(text) <= length:
        return text
    return text[:length].rsplit(" ", 1)[0] + " …"


def highlighted(snippet: str) -> Markup:
    """Escape a search snippet, then turn the match markers into <mark> elements."""
    escaped = html.escape(snippet, quote=True)
    marked = escaped.replace(HIGHLIGHT_START, "<mark>").replace(HIGHLIGHT_END, "</mark>")
    if snippet.count(HIGHLIGHT_START) != snippet.count(HIGHLIGHT_END):
        marked = html.escape(_MARKERS.sub("", snippet), quote=True)  # malformed: no marks
    return Markup(marked)
