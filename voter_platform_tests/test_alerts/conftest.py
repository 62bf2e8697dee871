"""Local receivers the alert tests start themselves: an SMTP server (aiosmtpd) and an HTTP endpoint standing in for
a Slack incoming webhook. Both collect what they receive; the environment points the platform's channels at them."""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

UI_URL = "http://dagster.example.test:3000"


@dataclass
class Received:
    emails: list[Message] = field(default_factory=list)
    slack: list[dict] = field(default_factory=list)

    def email_bodies(self) -> list[str]:
        return [message.get_content() for message in self.emails]


class _MailHandler:
    def __init__(self, received: Received):
        self.received = received

    async def handle_DATA(self, server, session, envelope):
        self.received.emails.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


def _webhook_handler(received: Received):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            received.slack.append({"path": self.path, **json.loads(body)})
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):  # keep the test output clean
            pass

    return Handler


def _free_port() -> int:
    # aiosmtpd's Controller connects to its own port once started, so it needs the number beforehand.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def receivers(monkeypatch) -> Received:
    """Starts both receivers and configures the alert channels for them (and the Dagster UI URL)."""
    received = Received()
    mail = Controller(_MailHandler(received), hostname="127.0.0.1", port=_free_port())
    mail.start()
    http = ThreadingHTTPServer(("127.0.0.1", 0), _webhook_handler(received))
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    smtp_port = mail.port
    monkeypatch.setenv(
        "VOTER_PLATFORM_ALERT_SLACK_WEBHOOK_URL", f"http://127.0.0.1:{http.server_port}/services/T0/B0/x"
    )
    monkeypatch.setenv("VOTER_PLATFORM_ALERT_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("VOTER_PLATFORM_ALERT_SMTP_PORT", str(smtp_port))
    monkeypatch.setenv("VOTER_PLATFORM_ALERT_EMAIL_FROM", "platform@example.test")
    monkeypatch.setenv("VOTER_PLATFORM_ALERT_EMAIL_TO", "oncall@example.test,data@example.test")
    monkeypatch.setenv("VOTER_PLATFORM_DAGSTER_UI_URL", UI_URL)
    try:
        yield received
    finally:
        http.shutdown()
        http.server_close()
        mail.stop()
