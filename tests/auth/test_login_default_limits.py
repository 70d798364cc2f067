"""The sign-in limits as shipped: nothing here overrides the configuration.

Out of the box an account takes 10 failed sign-ins a minute and an address 30; the
limited attempt is refused even with the right password, and a minute later it is
served again. A looser default (more attempts, or a shorter window) fails these tests,
and so does a stricter one: changing the default is a decision that changes them too.
"""

import time

import pytest

from tests.factories import PASSWORD, Browser

ACCOUNT_LIMIT = 10  # per account, per minute
ADDRESS_LIMIT = 30  # per client address, per minute


@pytest.fixture
def clock(monkeypatch):
    """Moves time forward for the rate limiter (and anything else reading time.time)."""

    class Clock:
        offset = 0.0

        def advance(self, seconds: float) -> None:
            self.offset += seconds

    clock, real_time = Clock(), time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + clock.offset)
    return clock


def _login(app, email: str, password: str, address: str):
    client = app.test_client()
    token = Browser(client).csrf_token("/login")
    return client.post(
        "/login",
        environ_base={"REMOTE_ADDR": address},
        data={"email": email, "password": password, "csrf_token": token},
    )


def test_the_eleventh_failed_sign_in_to_an_account_within_a_minute_is_refused(app, world, clock):
    # Each attempt from its own address: only the account's limit can refuse.
    for n in range(ACCOUNT_LIMIT):
        assert _login(app, "tech@acme.example", "wrong", f"10.1.0.{n}").status_code == 400
    refused = _login(app, "tech@acme.example", PASSWORD, "10.1.1.1")
    assert refused.status_code == 429
    # Other accounts are not affected.
    assert _login(app, "admin@acme.example", PASSWORD, "10.1.1.1").status_code == 302
    clock.advance(50)  # (10 s spare for the time the attempts themselves took)
    assert _login(app, "tech@acme.example", PASSWORD, "10.1.1.2").status_code == 429
    clock.advance(11)  # more than a minute after the first attempt
    assert _login(app, "tech@acme.example", PASSWORD, "10.1.1.3").status_code == 302


def test_the_thirty_first_sign_in_from_one_address_within_a_minute_is_refused(app, world, clock):
    # Each attempt to its own account: only the address's limit can refuse.
    for n in range(ADDRESS_LIMIT):
        assert _login(app, f"guess{n}@acme.example", "wrong", "10.2.0.1").status_code == 400
    assert _login(app, "tech@acme.example", PASSWORD, "10.2.0.1").status_code == 429
    # Other addresses are not affected.
    assert _login(app, "admin@acme.example", PASSWORD, "10.2.0.2").status_code == 302
    clock.advance(50)
    assert _login(app, "tech@acme.example", PASSWORD, "10.2.0.1").status_code == 429
    clock.advance(11)
    assert _login(app, "tech@acme.example", PASSWORD, "10.2.0.1").status_code == 302
