"""A real SMTP server on loopback (aiosmtpd) for the outbox tests."""

import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    """A loopback port nobody listens on (connections to it are refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """aiosmtpd handler keeping every message it accepts; it refuses addresses in `refused`."""

    def __init__(self):
        self.envelopes = []
        self.refused = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    @property
    def messages(self):
        return [message_from_bytes(e.content, policy=policy.default) for e in self.envelopes]


class SmtpServer:
    def __init__(self, port: int):
        self.port = port
        self.mailbox = Mailbox()
        self._controller = None

    def start(self) -> "SmtpServer":
        self._controller = Controller(
            self.mailbox, hostname="127.0.0.1", port=self.port, ready_timeout=5
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def smtp_server_for(app, monkeypatch) -> SmtpServer:
    """A stopped SMTP server on a free port that `app` is configured to send to."""
    server = SmtpServer(free_port())
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT_S", 2)
    monkeypatch.setitem(app.config, "MAIL_USE_STARTTLS", False)
    monkeypatch.setitem(app.config, "MAIL_USERNAME", None)
    return server


@pytest.fixture
def smtp(app, monkeypatch):
    """A stopped SMTP server on a free port the app is configured to send to."""
    server = smtp_server_for(app, monkeypatch)
    yield server
    server.stop()
