"""Markdown rendering and sanitising: what an article may contain, and what never survives."""

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from knowledge_base.rendering import (
    ALLOWED_TAGS,
    HIGHLIGHT_END,
    HIGHLIGHT_START,
    highlighted,
    is_same_origin_url,
    plain_text,
    render_for_reading,
    render_markdown,
    sanitise_html,
)
from tests.knowledge_base.xss_corpus import XSS_PAYLOADS
from tests.support import SQLITE_PASS_ONLY

# Pages: what they show and the forms they offer; the services beneath are tested on
# both databases.
pytestmark = SQLITE_PASS_ONLY

SCROLLED_TABLE_OPEN = '<div class="kb-table-scroll" tabindex="0" role="region" aria-label="Table">'
FORBIDDEN_SCHEMES = ("javascript:", "data:", "vbscript:")
FORBIDDEN_TAG_TEXT = (
    "<script",
    "<svg",
    "<iframe",
    "<object",
    "<embed",
    "<style",
    "<math",
    "<form",
    "<input",
    "<meta",
    "<base",
    "<link",
    "<body",
    "<video",
)


class _Elements(HTMLParser):
    """Every start tag with its attributes, as a browser's tokenizer would read them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))

    handle_startendtag = handle_starttag


def elements(html: str):
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser.elements


def _normalised_url(value: str) -> str:
    # What a browser does before reading the scheme: drop controls, spaces and tabs.
    return re.sub(r"[\x00-\x20\x7f]", "", value).lower()


def assert_inert(html: str, extra_tags=()) -> None:
    lowered = html.lower()
    for text in FORBIDDEN_TAG_TEXT:
        assert text not in lowered, f"{text} in {html!r}"
    for tag, attrs in elements(html):
        assert tag in ALLOWED_TAGS or tag in extra_tags, f"<{tag}> in {html!r}"
        for name, value in attrs:
            assert not name.startswith("on"), f"{name}= on <{tag}> in {html!r}"
            assert name not in ("style", "srcdoc", "formaction", "xlink:href", "srcset")
            if name in ("href", "src") and value is not None:
                url = _normalised_url(value)
                assert not url.startswith(FORBIDDEN_SCHEMES), f"{name}={value!r} in {html!r}"
            if tag == "img" and name == "src":
                assert is_same_origin_url(value), f"external image {value!r} in {html!r}"


def test_the_corpus_holds_at_least_thirty_payloads():
    assert len(XSS_PAYLOADS) >= 30
    assert len(set(XSS_PAYLOADS)) == len(XSS_PAYLOADS)


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_no_payload_survives_the_article_pipeline(payload):
    assert_inert(render_markdown(payload))
    # The same payload inside ordinary Markdown structures.
    assert_inert(render_markdown(f"# Title\n\n- item {payload}\n\n> quote {payload}\n"))
    assert_inert(render_markdown(f"| a | b |\n|---|---|\n| {payload} | x |\n"))


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_the_sanitiser_alone_neutralises_raw_html_payloads(payload):
    """Second layer: even if Markdown let raw HTML through, nh3 would clean it."""
    assert_inert(sanitise_html(payload))


def test_the_whole_corpus_as_one_article_is_inert():
    assert_inert(render_markdown("\n\n".join(XSS_PAYLOADS)))


def test_raw_html_is_shown_as_text_not_run():
    html = render_markdown("Use <b>bold</b> and <script>alert(1)</script>")
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "&lt;script&gt;" in html


def test_markdown_features_render():
    source = (
        "# Heading one\n\n## Heading two\n\n"
        "- bullet\n- list\n\n1. first\n2. second\n\n"
        "| Setting | Value |\n|:--|--:|\n| `pool` | 150 |\n\n"
        "```python\nprint('hello')\n```\n\n"
        'A [link](https://docs.example/page "Docs"), a [relative one](/kb/), '
        "**bold**, *emphasis*, ~~struck~~ and `code`.\n\n"
        "> A quote\n\n---\n\n![Logo](/static/favicon.svg)\n"
    )
    html = render_markdown(source)
    for fragment in (
        "<h1>Heading one</h1>",
        "<h2>Heading two</h2>",
        "<ul>",
        "<ol>",
        "<table>",
        '<th class="text-start">Setting</th>',
        '<td class="text-end">150</td>',
        '<code class="language-python">',
        "<strong>bold</strong>",
        "<em>emphasis</em>",
        "<s>struck</s>",
        "<blockquote>",
        "<hr>",
        '<img src="/static/favicon.svg" alt="Logo">',
    ):
        assert fragment in html, fragment
    link = next(
        attrs
        for tag, attrs in elements(html)
        if tag == "a" and ("href", "https://docs.example/page") in attrs
    )
    assert ("rel", "noopener noreferrer nofollow") in link
    assert ("title", "Docs") in link
    assert 'href="/kb/"' in html
    assert_inert(html)


def test_table_alignment_never_becomes_an_inline_style():
    html = render_markdown("| a |\n|:-:|\n| b |\n")
    assert "style=" not in html
    assert '<td class="text-center">b</td>' in html


@pytest.mark.parametrize(
    ("url", "same_origin"),
    [
        ("/static/diagram.png", True),
        ("images/diagram.png", True),
        ("https://cdn.example/diagram.png", False),
        ("//cdn.example/diagram.png", False),
        ("/\\cdn.example/diagram.png", False),
        ("/\t/cdn.example/diagram.png", False),
        ("data:image/png;base64,AAAA", False),
        ("javascript:alert(1)", False),
        ("", False),
    ],
)
def test_only_images_served_by_the_app_are_kept(url, same_origin):
    assert is_same_origin_url(url) is same_origin
    html = render_markdown(f"![pic]({url})") if url else ""
    if same_origin:
        assert f'src="{url}"' in html


def test_code_classes_other_than_a_language_are_dropped():
    assert 'class="' not in sanitise_html('<code class="btn btn-danger">x</code>')
    assert 'class="language-sql"' in sanitise_html('<code class="language-sql">x</code>')


def test_plain_text_is_what_a_reader_sees():
    html = render_markdown("# Export hangs\n\nThe **export** stops at `99 %`.\n\n- one\n- two")
    assert plain_text(html) == "Export hangs.\nThe export stops at 99 %.\none.\ntwo."


def test_search_markers_cannot_be_smuggled_in_by_an_author():
    html = render_markdown(f"a {HIGHLIGHT_START}b{HIGHLIGHT_END} c")
    assert HIGHLIGHT_START not in html and HIGHLIGHT_END not in html


def test_highlighted_snippets_escape_text_and_mark_matches():
    snippet = highlighted(f"use <script> to {HIGHLIGHT_START}export{HIGHLIGHT_END} & more")
    assert str(snippet) == "use &lt;script&gt; to <mark>export</mark> &amp; more"


def test_links_keep_only_web_and_mail_schemes():
    html = sanitise_html(
        '<a href="ftp://x.example/f">f</a><a href="mailto:a@b.example">m</a>'
        '<a href="https://x.example">h</a>'
    )
    hrefs = [dict(attrs).get("href") for tag, attrs in elements(html) if tag == "a"]
    assert hrefs == [None, "mailto:a@b.example", "https://x.example"]
    assert all(urlsplit(h).scheme in ("mailto", "https") for h in hrefs if h)


def test_unbalanced_markers_give_no_markup():
    assert str(highlighted(f"a {HIGHLIGHT_START}b")) == "a b"


@pytest.mark.parametrize(
    "dangerous",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        '<a href=" java\tscript:alert(1)">x</a>',
        '<img src="https://evil.example/p.png">',
        "<svg></svg>",
    ],
)
def test_the_inertness_check_itself_catches_active_content(dangerous):
    with pytest.raises(AssertionError):
        assert_inert(dangerous)


# --- For reading: code blocks and tables as keyboard stops ------------------------------------


def test_code_blocks_and_tables_are_keyboard_stops_on_the_page():
    source = "```\nlong line\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nText `<pre>` and <table>."
    html = render_for_reading(source)
    assert html.count('<pre tabindex="0">') == 1
    assert html.count(SCROLLED_TABLE_OPEN + "<table>") == 1
    assert html.count("</table></div>") == 1
    # What the writer typed stays text: only elements the renderer made are changed.
    assert "&lt;pre&gt;" in html and "&lt;table&gt;" in html
    assert_inert(html, extra_tags={"div"})


def test_for_reading_changes_neither_the_index_text_nor_the_plain_rendering():
    source = "```\ncode\n```\n\n| Seats | Nodes |\n|---|---|\n| 500 | 1 |\n"
    assert "tabindex" not in render_markdown(source)
    assert plain_text(render_for_reading(source)) == plain_text(render_markdown(source))


def test_html_of_a_hostile_article_stays_inert_for_reading():
    assert_inert(render_for_reading("\n\n".join(XSS_PAYLOADS)), extra_tags={"div"})
