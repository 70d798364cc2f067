"""A real HTTP server on 127.0.0.1 that records what it receives, and endpoint helpers."""

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from portal.extensions import db
from portal.webhooks.services import EndpointInput, create_endpoint


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    """Answers every POST with `status` (and `location`), keeping each request.

    stop() closes the port (a receiver that is down: connections are refused) and
    start() opens the same port again.
    """

    def __init__(self):
        self.received: list[Received] = []
        self.status = 204
        self.location = None
        self.port = 0
        self._server = None

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                receiver.received.append(
                    Received(self.path, dict(self.headers.items()), self.rfile.read(length))
                )
                self.send_response(receiver.status)
                if receiver.location:
                    self.send_header("Location", receiver.location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def url(self, path: str = "/hooks", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"


ALL_EVENTS = [
    "escalation.created",
    "escalation.status_changed",
    "escalation.comment_added",
    "escalation.attachment_added",
]


def endpoint_for(esc, partner: str, url: str, events=None):
    """An endpoint of `partner` registered by its admin; (endpoint, secret), committed."""
    world = esc.world
    endpoint, secret = create_endpoint(
        getattr(world, partner),
        EndpointInput(url, f"{partner} ticketing", list(events or ALL_EVENTS)),
        actor=world.user(f"{partner}_admin"),
    )
    db.session.commit()
    return endpoint, secret
