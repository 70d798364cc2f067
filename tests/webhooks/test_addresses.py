"""Which URLs may receive webhooks: https to public addresses only (SSRF), checked by
the address each name resolves to, IPv4 and IPv6 alike."""

import ipaddress

import pytest

from portal.webhooks.addresses import AddressRefused, check_url, classify

ADDRESSES = {
    # address: why it is refused (None: public, allowed)
    "93.184.216.34": None,
    "8.8.8.8": None,
    "2606:4700::1111": None,
    "::ffff:8.8.8.8": None,
    "127.0.0.1": "loopback",
    "127.8.9.10": "loopback",
    "::1": "loopback",
    "::ffff:127.0.0.1": "loopback",
    "2002:7f00:1::": "loopback",  # 6to4 carrying 127.0.0.1
    "10.0.0.1": "private",
    "172.16.5.4": "private",
    "192.168.1.1": "private",
    "::ffff:10.0.0.1": "private",
    "fc00::1": "private",
    "169.254.169.254": "link-local",
    "fe80::1": "link-local",
    "224.0.0.1": "multicast",
    "ff02::1": "multicast",
    "0.0.0.0": "unspecified",
    "::": "unspecified",
    "240.0.0.1": "reserved",
    "100.64.0.1": "not public",  # carrier-grade NAT
}


@pytest.mark.parametrize(("address", "reason"), ADDRESSES.items())
def test_addresses_are_classified(address, reason):
    assert classify(ipaddress.ip_address(address)) == reason


@pytest.fixture
def no_loopback(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_LOOPBACK", False)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://93.184.216.34/hooks", "https://"),
        ("ftp://93.184.216.34/hooks", "https://"),
        ("https://10.0.0.1/hooks", "private"),
        ("https://[::ffff:127.0.0.1]/hooks", "loopback"),
        ("https://[::1]:8443/hooks", "loopback"),
        ("https://127.0.0.1/hooks", "loopback"),
        ("https://localhost/hooks", "loopback"),
        ("http://127.0.0.1:9000/hooks", "loopback"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),
        ("https://[fe80::1]/", "link-local"),
        ("https://0.0.0.0/", "unspecified"),
        ("https://user:pass@93.184.216.34/", "user name"),
        ("https:///hooks", "host"),
        ("https://93.184.216.34:99999/", "not a valid URL"),
        ("", "Give the endpoint"),
        ("https://93.184.216.34/a b", "spaces"),
        ("https://no-such-host.invalid/", "cannot be resolved"),
    ],
)
def test_urls_that_are_refused(app, no_loopback, url, message):
    with pytest.raises(AddressRefused) as refused:
        check_url(url)
    assert message in refused.value.message
    assert refused.value.fields == {"url": refused.value.message}


def test_a_public_https_url_is_accepted_and_pinned_to_its_address(app, no_loopback):
    target = check_url("https://93.184.216.34:8443/in?x=1")
    assert (target.scheme, target.host, target.port, target.path, target.address) == (
        "https",
        "93.184.216.34",
        8443,
        "/in?x=1",
        "93.184.216.34",
    )


def test_a_name_is_judged_by_every_address_it_resolves_to(app, no_loopback, monkeypatch):
    hosts = {"hooks.partner.test": ["93.184.216.34"]}
    monkeypatch.setitem(app.config, "WEBHOOKS_HOSTS", hosts)
    target = check_url("https://hooks.partner.test/in")
    assert (target.host, target.address) == ("hooks.partner.test", "93.184.216.34")

    hosts["hooks.partner.test"] = ["93.184.216.34", "10.1.2.3"]
    with pytest.raises(AddressRefused, match="10.1.2.3, a private address"):
        check_url("https://hooks.partner.test/in")


def test_loopback_over_http_only_where_the_configuration_allows_it(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_LOOPBACK", True)
    assert check_url("http://127.0.0.1:9000/in").address == "127.0.0.1"
    with pytest.raises(AddressRefused, match="private"):
        check_url("http://10.0.0.1/in")  # loopback only, never the rest
    with pytest.raises(AddressRefused, match="https://"):
        check_url("http://93.184.216.34/in")


def test_loopback_is_not_allowed_by_default():
    from portal.config import Config, ProductionConfig, TestConfig

    assert Config.WEBHOOKS_ALLOW_LOOPBACK is False
    assert ProductionConfig.WEBHOOKS_ALLOW_LOOPBACK is False
    assert TestConfig.WEBHOOKS_ALLOW_LOOPBACK is True
