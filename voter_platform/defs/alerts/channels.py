"""Where alerts go: Slack and e-mail, each turned on by environment variables; the log always.

Slack, either of:
  VOTER_PLATFORM_ALERT_SLACK_WEBHOOK_URL   an incoming webhook (https://hooks.slack.com/services/...)
  VOTER_PLATFORM_ALERT_SLACK_TOKEN         a bot token (xoxb-...) with chat:write, posting through dagster-slack's
  VOTER_PLATFORM_ALERT_SLACK_CHANNEL         SlackResource to this channel (#data-alerts)
E-mail (SMTP, the standard library's smtplib):
  VOTER_PLATFORM_ALERT_SMTP_HOST, VOTER_PLATFORM_ALERT_SMTP_PORT (default 25, 587 with starttls, 465 with ssl),
  VOTER_PLATFORM_ALERT_SMTP_SECURITY (none | starttls | ssl; default none), VOTER_PLATFORM_ALERT_SMTP_USER and
  VOTER_PLATFORM_ALERT_SMTP_PASSWORD (optional login), VOTER_PLATFORM_ALERT_EMAIL_FROM, VOTER_PLATFORM_ALERT_EMAIL_TO
  (comma-separated)
The link to a run: VOTER_PLATFORM_DAGSTER_UI_URL (`voter-platform up` sets it to the UI it starts).

A channel that fails to deliver is logged (which channel, the error's kind) and does not stop the others; the
message is in the log in any case.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage

from voter_platform.lib.alerts import Alert, format_alert

DAGSTER_UI_URL_ENV_VAR = "VOTER_PLATFORM_DAGSTER_UI_URL"
_PREFIX = "VOTER_PLATFORM_ALERT_"
SEND_TIMEOUT_SECONDS = 15


@dataclass(frozen=True)
class AlertChannels:
    slack_webhook_url: str | None = None
    slack_token: str | None = None
    slack_channel: str | None = None
    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_security: str = "none"
    smtp_user: str | None = None
    smtp_password: str | None = None
    email_from: str | None = None
    email_to: tuple[str, ...] = ()
    dagster_ui_url: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AlertChannels:
        env = os.environ if environ is None else environ

        def value(name: str) -> str | None:
            text = (env.get(_PREFIX + name) or "").strip()
            return text or None

        security = (value("SMTP_SECURITY") or "none").lower()
        if security not in ("none", "starttls", "ssl"):
            raise ValueError(f"{_PREFIX}SMTP_SECURITY={security!r}: expected none, starttls or ssl")
        port = value("SMTP_PORT")
        return cls(
            slack_webhook_url=value("SLACK_WEBHOOK_URL"),
            slack_token=value("SLACK_TOKEN"),
            slack_channel=value("SLACK_CHANNEL"),
            smtp_host=value("SMTP_HOST"),
            smtp_port=int(port) if port else {"none": 25, "starttls": 587, "ssl": 465}[security],
            smtp_security=security,
            smtp_user=value("SMTP_USER"),
            smtp_password=value("SMTP_PASSWORD"),
            email_from=value("EMAIL_FROM"),
            email_to=tuple(address.strip() for address in (value("EMAIL_TO") or "").split(",") if address.strip()),
            dagster_ui_url=(env.get(DAGSTER_UI_URL_ENV_VAR) or "").strip() or None,
        )

    def configured(self) -> list[str]:
        """The channels that will be used (besides the log)."""
        channels = []
        if self.slack_webhook_url:
            channels.append("slack webhook")
        elif self.slack_token and self.slack_channel:
            channels.append("slack")
        if self.smtp_host and self.email_to:
            channels.append("email")
        return channels

    def problems(self) -> list[str]:
        """Settings given but not enough to use the channel (said in the log, not fatal)."""
        found = []
        if self.slack_token and not self.slack_channel and not self.slack_webhook_url:
            found.append(f"{_PREFIX}SLACK_TOKEN is set without {_PREFIX}SLACK_CHANNEL: Slack alerts are off")
        if self.smtp_host and not self.email_to:
            found.append(f"{_PREFIX}SMTP_HOST is set without {_PREFIX}EMAIL_TO: e-mail alerts are off")
        return found


def send_alert(alert: Alert, channels: AlertChannels, log: logging.Logger) -> dict[str, str]:
    """Log the alert, then deliver it to every configured channel. Returns channel -> 'sent' or the failure."""
    body = format_alert(alert)
    log.warning(f"ALERT ({alert.kind})\n{body}")
    for problem in channels.problems():
        log.warning(problem)
    outcome: dict[str, str] = {}
    for channel in channels.configured():
        try:
            if channel == "slack webhook":
                _slack_webhook(channels.slack_webhook_url, body)
            elif channel == "slack":
                _slack_token(channels.slack_token, channels.slack_channel, body)
            else:
                _email(channels, alert.subject, body)
            outcome[channel] = "sent"
        except Exception as error:  # noqa: BLE001 - a channel that fails must not stop the others
            reason = getattr(error, "strerror", None) or type(error).__name__
            outcome[channel] = f"failed: {reason}"
            log.error(f"The {alert.kind} alert could not be sent by {channel}: {reason}")
    if outcome:
        log.info("Alert delivery: " + ", ".join(f"{channel} {result}" for channel, result in outcome.items()))
    return outcome


def _slack_webhook(url: str, body: str) -> None:
    from slack_sdk.webhook import WebhookClient

    response = WebhookClient(url, timeout=SEND_TIMEOUT_SECONDS).send(text=body)
    if response.status_code != 200:
        raise RuntimeError(f"Slack webhook answered {response.status_code}")


def _slack_token(token: str, channel: str, body: str) -> None:
    from dagster_slack import SlackResource

    SlackResource(token=token).get_client().chat_postMessage(channel=channel, text=body)


def _email(channels: AlertChannels, subject: str, body: str) -> None:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = channels.email_from or f"voter-platform@{channels.smtp_host}"
    message["To"] = ", ".join(channels.email_to)
    message.set_content(body)
    if channels.smtp_security == "ssl":
        client = smtplib.SMTP_SSL(
            channels.smtp_host, channels.smtp_port, timeout=SEND_TIMEOUT_SECONDS, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(channels.smtp_host, channels.smtp_port, timeout=SEND_TIMEOUT_SECONDS)
    with client:
        if channels.smtp_security == "starttls":
            client.starttls(context=ssl.create_default_context())
        if channels.smtp_user:
            client.login(channels.smtp_user, channels.smtp_password or "")
        client.send_message(message)
