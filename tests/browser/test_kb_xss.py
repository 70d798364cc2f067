"""An article made of known XSS payloads runs no script in a real browser.

The page is opened twice: once with the Content-Security-Policy bypassed, so that the
sanitiser is the only defence being tested, and once as served. A canary global set by
the payloads (`window.__xss`) must stay undefined and no dialog may open. A control
test first proves that this harness does see a payload that runs.
"""

import pytest

from tests.knowledge_base.factories import make_article
from tests.knowledge_base.xss_corpus import XSS_PAYLOADS

pytestmark = pytest.mark.browser

ARTICLE_BODY = "# Payloads\n\n" + "\n\n".join(XSS_PAYLOADS) + "\n\nEnd of payloads."
# Attributes on which any script handler would hang.
INSPECT = """() => {
  const body = document.querySelector('[data-testid=article-body]');
  const all = Array.from(body.querySelectorAll('*'));
  return {
    handlers: all.flatMap(el => Array.from(el.attributes)
                  .filter(a => a.name.startsWith('on')).map(a => el.tagName + ' ' + a.name)),
    active: all.filter(el => ['SCRIPT', 'IFRAME', 'OBJECT', 'EMBED', 'SVG', 'STYLE', 'FORM',
                               'INPUT', 'BASE', 'META', 'LINK', 'MATH', 'VIDEO']
                  .includes(el.tagName.toUpperCase())).map(el => el.tagName),
    linkProtocols: Array.from(body.querySelectorAll('a[href]')).map(a => a.protocol),
    imageOrigins: Array.from(body.querySelectorAll('img[src]')).map(i => new URL(i.src).origin),
    ended: body.textContent.includes('End of payloads.'),
  };
}"""
POKE = """() => {
  // Fire the events inline handlers listen to, on every element of the article.
  const body = document.querySelector('[data-testid=article-body]');
  for (const el of body.querySelectorAll('*')) {
    for (const type of ['mouseover', 'mouseenter', 'focus', 'toggle', 'load', 'error']) {
      el.dispatchEvent(new Event(type));
    }
  }
}"""


def _watch(page):
    dialogs, console = [], []

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("console", lambda message: console.append(message.text))
    return dialogs, console


def _open_payload_article(page, live_server, world):
    article = make_article(
        world.user("vendor_engineer"), title="XSS corpus", body=ARTICLE_BODY, visibility="public"
    )
    dialogs, console = _watch(page)
    response = page.goto(f"{live_server}/kb/articles/{article.slug}")
    assert response.status == 200
    page.wait_for_load_state("networkidle")
    page.evaluate(POKE)
    page.hover("[data-testid=article-body]")
    page.wait_for_timeout(300)
    return dialogs, console


@pytest.mark.parametrize("browser_context_args", [{"bypass_csp": True}])
def test_no_payload_runs_even_without_the_csp(page, live_server, world):
    dialogs, console = _open_payload_article(page, live_server, world)
    assert dialogs == []
    assert page.evaluate("() => typeof window.__xss") == "undefined"
    found = page.evaluate(INSPECT)
    assert found["handlers"] == [] and found["active"] == []
    assert set(found["linkProtocols"]) <= {"http:", "https:", "mailto:"}
    assert set(found["imageOrigins"]) <= {live_server}
    assert found["ended"], "the article should render to its end"
    assert page.title().startswith("XSS corpus")


def test_no_payload_runs_and_the_csp_never_had_to_block_one(page, live_server, world):
    dialogs, console = _open_payload_article(page, live_server, world)
    assert dialogs == []
    assert page.evaluate("() => typeof window.__xss") == "undefined"
    # A CSP violation report would mean a payload reached the page and was only stopped
    # by the policy.
    assert not [m for m in console if "Content Security Policy" in m], console


@pytest.mark.parametrize("browser_context_args", [{"bypass_csp": True}])
def test_control_the_harness_detects_a_payload_that_runs(page, live_server):
    dialogs, _ = _watch(page)
    page.goto(f"{live_server}/kb/")
    page.evaluate("""() => {
      const div = document.createElement('div');
      div.innerHTML = '<img src=x onerror="window.__xss = 1; alert(1)">';
      document.body.appendChild(div);
    }""")
    page.wait_for_function("() => window.__xss === 1")
    page.wait_for_timeout(200)
    assert dialogs == ["1"]
