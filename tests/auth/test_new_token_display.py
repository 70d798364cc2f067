"""After a token is created: the name field is empty again, and the token has a copy button."""

import re

from tests.factories import Browser, signed_in


def test_the_name_field_is_empty_after_creating_a_token(app, world):
    client = signed_in(app, world.user("acme_tech"))
    response = Browser(client).post("/profile/tokens", {"token-name": "ticketing sync"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-testid="new-token"' in html
    field = re.search(r'<input[^>]*id="token-name"[^>]*>', html).group(0)
    assert "ticketing sync" not in field


def test_a_refused_name_is_kept_to_be_corrected(app, world):
    client = signed_in(app, world.user("acme_tech"))
    response = Browser(client).post("/profile/tokens", {"token-name": "x" * 81})
    assert response.status_code == 400
    assert 'value="' + "x" * 81 + '"' in response.get_data(as_text=True)


def test_the_shown_once_token_has_an_accessible_copy_button(app, world):
    client = signed_in(app, world.user("acme_tech"))
    html = Browser(client).post("/profile/tokens", {"token-name": "ci"}).get_data(as_text=True)
    token = re.search(r'<code id="new-token-value" class="token-once">([^<]+)</code>', html)
    assert token
    button = re.search(r"<button[^>]*data-copy-target=\"new-token-value\"[^>]*>", html).group(0)
    assert 'type="button"' in button and "aria-label=" in button
    assert " hidden" in button  # shown by js/forms.js, which can copy
    assert 'data-copy-status="new-token-value"' in html  # where "Copied" is announced
