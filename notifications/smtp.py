"""Sending finished messages over one open SMTP connection, one network round trip per message.

Django's SMTP backend sends a message in four round trips (MAIL, RCPT, DATA, the content) and
parses both addresses with the email package each time. With a server that offers PIPELINING
(RFC 2920; Postfix and the big relays do) this module sends the content of one message together
with the MAIL, RCPT and DATA of the next and reads their four replies at once. The addresses are
checked once: a plain ASCII address goes out as it is, anything else through Django's
`sanitize_address`, as the backend would. A server without PIPELINING gets smtplib's own
`sendmail`, one command at a time.

The connection is Django's SMTP backend (so EMAIL_HOST, TLS, login and timeouts are the
settings' ones); this module only talks over the socket the backend opened.
"""

import re
import smtplib
from collections.abc import Iterator

from django.conf import settings
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import sanitize_address

CRLF = b"\r\n"
_LEADING_DOT = re.compile(rb"(?m)^\.")
# An addr-spec that smtplib.quoteaddr and Django's sanitize_address leave as it is.
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+")


def is_smtp(connection) -> bool:
    return isinstance(connection, SmtpBackend)


def envelope_address(address: str) -> str:
    """What goes between < and > in MAIL FROM / RCPT TO for this address."""
    if _PLAIN_ADDRESS.fullmatch(address):
        return address
    return smtplib.quoteaddr(sanitize_address(address, settings.DEFAULT_CHARSET))[1:-1]


class ConnectionLost(Exception):
    """The connection broke (or never opened); the message in flight may or may not have gone out."""


class Outcome:
    """What became of one message: sent (error is None), or refused with the SMTP error."""

    __slots__ = ("key", "error")

    def __init__(self, key, error: Exception | None):
        self.key = key
        self.error = error


def _content(data: bytes) -> bytes:
    quoted = _LEADING_DOT.sub(b"..", data)
    if not quoted.endswith(CRLF):
        quoted += CRLF
    return quoted + b"." + CRLF


class PipelinedSender:
    """Sends (key, sender, recipient, data) items over an open backend connection.

    `send(items)` yields an Outcome per message as its reply arrives, in order. It raises
    ConnectionLost when the connection breaks: the message whose content went out without a
    reply is `in_flight` (it may have been delivered); the ones after it were not tried.
    """

    def __init__(self, connection: SmtpBackend):
        self.connection = connection
        self.in_flight = None

    def open(self):
        try:
            self.connection.open()
            smtp = self.connection.connection
            if smtp is None:
                raise smtplib.SMTPServerDisconnected("the mail backend did not connect")
            smtp.ehlo_or_helo_if_needed()
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise ConnectionLost from exc
        return smtp

    def close(self) -> None:
        try:
            self.connection.close()
        except Exception:  # noqa: BLE001 - closing a broken connection
            self.connection.connection = None

    def send(self, items) -> Iterator[Outcome]:
        smtp = self.open()
        try:
            if smtp.has_extn("pipelining"):
                yield from self._pipelined(smtp, items)
            else:
                yield from self._one_by_one(smtp, items)
        except (smtplib.SMTPException, OSError) as exc:  # refusals come as outcomes, not here
            self.close()
            raise ConnectionLost from exc

    def _one_by_one(self, smtp, items) -> Iterator[Outcome]:
        for key, sender, recipient, data in items:
            self.in_flight = key
            try:
                smtp.sendmail(sender, [recipient], data)
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError,
                    smtplib.SMTPNotSupportedError) as exc:
                if exc_code(exc) == 421:
                    raise smtplib.SMTPServerDisconnected("421 from the server") from exc
                self.in_flight = None
                yield Outcome(key, exc)
            else:
                self.in_flight = None
                yield Outcome(key, None)

    def _pipelined(self, smtp, items) -> Iterator[Outcome]:
        size = smtp.has_extn("size")
        waiting = None  # (key, content): accepted by DATA, its content goes with the next group
        reset = False  # the last transaction failed half-way: RSET before the next one
        for key, sender, recipient, data in items:
            mail = f"mail FROM:<{sender}>" + (f" size={len(data)}" if size else "")
            group = [waiting[1]] if waiting else []
            if reset:
                group.append(b"rset" + CRLF)
            group += [mail.encode("ascii") + CRLF, f"rcpt TO:<{recipient}>".encode("ascii") + CRLF, b"data" + CRLF]
            smtp.send(b"".join(group))
            if waiting:
                yield self._finish(smtp, waiting[0])
                waiting = None
            if reset:
                smtp.getreply()
            replies = [smtp.getreply(), smtp.getreply(), smtp.getreply()]
            (mail_code, mail_text), (rcpt_code, rcpt_text), (data_code, data_text) = replies
            if 421 in (mail_code, rcpt_code, data_code):
                raise smtplib.SMTPServerDisconnected("421 from the server")
            content = _content(data)
            if data_code == 354 and mail_code == 250 and rcpt_code in (250, 251):
                waiting, reset = (key, content), False
                self.in_flight = key
                continue
            if data_code == 354:  # accepted DATA after a refusal: end it empty (RFC 2920)
                smtp.send(b"." + CRLF)
                smtp.getreply()
            reset = True
            if mail_code != 250:
                error = smtplib.SMTPSenderRefused(mail_code, mail_text, sender)
            elif rcpt_code not in (250, 251):
                error = smtplib.SMTPRecipientsRefused({recipient: (rcpt_code, rcpt_text)})
            else:
                error = smtplib.SMTPDataError(data_code, data_text)
            yield Outcome(key, error)
        if waiting:
            smtp.send(waiting[1])
            yield self._finish(smtp, waiting[0])

    def _finish(self, smtp, key) -> Outcome:
        code, text = smtp.getreply()
        if code == 421:
            raise smtplib.SMTPServerDisconnected("421 from the server")
        self.in_flight = None
        return Outcome(key, None if code == 250 else smtplib.SMTPDataError(code, text))


def exc_code(exc: Exception) -> int | None:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in exc.recipients.values()]
        return min(codes) if codes else None
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code
    return None
