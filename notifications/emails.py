"""Building the email for one notification, in the recipient's language, with absolute links.

`email_build` renders one message from scratch. `EmailRenderer` serves a chunk of a fan-out:
the same message to many people is rendered and turned into MIME once per kind, language and
content, and each person's copy is filled in from that: their name, address, unsubscribe link,
Date and Message-ID. The bytes are those `email_build` gives (a test compares them, in both
languages); anything the shortcut cannot reproduce exactly falls back to `email_build`.
"""

import functools
import json
import re
import secrets
from collections import Counter
from email import policy as email_policy
from email.utils import formatdate, make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import DNS_NAME, forbid_multi_line_headers
from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from .kinds import Kind
from .messages import localized_path, render_message
from .models import Notification
from .tokens import unsubscribe_token_make

TEXT_TEMPLATE = "notifications/email/message.txt"
HTML_TEMPLATE = "notifications/email/message.html"
# What Django's SMTP backend writes: compat32 headers folded at 78, CRLF line ends.
SMTP_POLICY = email_policy.compat32.clone(linesep="\r\n")
RFC5322_LINE_LIMIT = 998  # bytes; Django switches a body to quoted-printable above it
PERSONAL_HEADERS = ("To", "Date", "Message-ID", "List-Unsubscribe")


def absolute(path: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    return settings.SITE_URL + path


def unsubscribe_url(*, user_id: int, kind: str, language: str) -> str:
    with translation.override(language):
        token = unsubscribe_token_make(user_id=user_id, kind=kind)
        return absolute(reverse("notifications:unsubscribe", args=[token]))


def _language(notification: Notification) -> str:
    return notification.recipient.language or settings.LANGUAGE_CODE


def _context(notification: Notification, *, language: str, name: str, unsubscribe: str) -> dict:
    message = render_message(kind=notification.kind, context=notification.context, language=language)
    return {
        "short_name": name,
        "subject": message.subject,
        "lines": message.lines,
        "link": absolute(localized_path(notification.url, language)) if notification.url else "",
        "kind_label": Kind(notification.kind).label if notification.kind in Kind.values else notification.kind,
        "unsubscribe_url": unsubscribe,
        "preferences_url": absolute(reverse("notifications:preferences")),
        "site_url": settings.SITE_URL,
    }


def _headers(unsubscribe: str) -> dict[str, str]:
    return {"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def email_build(notification: Notification, *, connection=None) -> EmailMultiAlternatives:
    user = notification.recipient
    language = _language(notification)
    unsubscribe = unsubscribe_url(user_id=user.pk, kind=notification.kind, language=language)
    with translation.override(language):
        context = _context(notification, language=language, name=user.get_short_name(), unsubscribe=unsubscribe)
        text = render_to_string(TEXT_TEMPLATE, context)
        html = render_to_string(HTML_TEMPLATE, context)
    email = EmailMultiAlternatives(
        subject=context["subject"], body=text, to=[user.email], connection=connection, headers=_headers(unsubscribe),
    )
    email.attach_alternative(html, "text/html")
    return email


# --- one rendering for many people ----------------------------------------------------------

# Printable ASCII without a space, "," or ";": a value the compat32 folding cannot break.
_UNBREAKABLE = re.compile(r"[!-+\--:<-~]*")


def _header_bytes(name: str, value: str) -> bytes:
    """A header line as Django's message() and the generator write it (checked, encoded, folded).

    The email package spends about 50 microseconds folding each header; for a value it cannot
    break (an address, a Message-ID, a URL) the result is known: on the header's line when it
    fits in 78 characters, else alone on the next line. A test compares this with the email
    package on random values.
    """
    if name != "Subject" and _UNBREAKABLE.fullmatch(value):
        if len(name) + 2 + len(value) <= SMTP_POLICY.max_line_length:
            return f"{name}: {value}\r\n".encode()
        return f"{name}: \r\n {value}\r\n".encode()
    return SMTP_POLICY.fold_binary(*forbid_multi_line_headers(name, value, settings.DEFAULT_CHARSET))


@functools.lru_cache(maxsize=4)
def _date_header_bytes(value: str) -> bytes:
    return _header_bytes("Date", value)  # the same for every message sent within one second


def _stored_header_bytes(items) -> bytes:
    # Headers already stored in a message (checked and encoded by Django): only the folding.
    return b"".join(SMTP_POLICY.fold_binary(name, value) for name, value in items)


class _Prepared:
    """The bytes an SMTP backend asks for. Anything else (another line ending, a header read by
    a test backend) builds the real message the ordinary way."""

    def __init__(self, email: EmailMultiAlternatives, data: bytes):
        self._email = email
        self._data = data
        self._message = None

    def _real(self):
        if self._message is None:
            self._message = EmailMultiAlternatives.message(self._email)
        return self._message

    def as_bytes(self, unixfrom: bool = False, linesep: str = "\n") -> bytes:
        if linesep == "\r\n" and not unixfrom:
            return self._data
        return self._real().as_bytes(unixfrom=unixfrom, linesep=linesep)

    def __getattr__(self, name):
        return getattr(self._real(), name)


class PreparedEmail(EmailMultiAlternatives):
    """An email whose MIME bytes were filled in from a shared rendering."""

    def __init__(self, *args, data: bytes, **kwargs):
        super().__init__(*args, **kwargs)
        self._data = data

    def message(self):
        return _Prepared(self, self._data)


class _Template:
    """One message rendered with markers where each person's values go, and its MIME bytes.

    The markers are random per rendering, so nothing a resident wrote (a proposal title, a
    comment) can contain one. The HTML part gets each value escaped exactly as the template's
    autoescaping would; the text part gets it as it is.
    """

    def __init__(self, notification: Notification, language: str):
        token = secrets.token_hex(12)
        self.markers = {slot: f"zq{token}{slot}" for slot in ("nt", "nh", "ut", "uh")}
        with translation.override(language):
            unsubscribe_base = absolute(reverse("notifications:unsubscribe", args=[f"zq{token}tk"]))
            self.unsubscribe_prefix, found, self.unsubscribe_suffix = unsubscribe_base.partition(f"zq{token}tk")
            text_context = _context(notification, language=language, name=self.markers["nt"],
                                    unsubscribe=self.markers["ut"])
            html_context = {**text_context, "short_name": self.markers["nh"], "unsubscribe_url": self.markers["uh"]}
            text = render_to_string(TEXT_TEMPLATE, text_context)
            html = render_to_string(HTML_TEMPLATE, html_context)
        self.subject = text_context["subject"]
        self.text_segments = self._split(text)
        self.html_segments = self._split(html)

        sample = EmailMultiAlternatives(subject=self.subject, body=text, to=["x@example.invalid"],
                                        headers=_headers("https://example.invalid/"))
        sample.attach_alternative(html, "text/html")
        message = sample.message()
        data = message.as_bytes(linesep="\r\n")  # also fixes the multipart boundary in the headers
        self.boundary = message.get_boundary()
        end_of_headers = data.index(b"\r\n\r\n") + 2
        items = list(message.raw_items())
        names = [name for name, _value in items]
        first, last = names.index(PERSONAL_HEADERS[0]), names.index(PERSONAL_HEADERS[-1])
        self.usable = (
            bool(found)  # the token went into the link as it is
            and names[first:last + 1] == list(PERSONAL_HEADERS)
            and all(part.get("Content-Transfer-Encoding") == "8bit" for part in message.get_payload())
            # The headers as this class writes them must be the headers the generator wrote.
            and data[:end_of_headers] == _stored_header_bytes(items)
        )
        self.head = _stored_header_bytes(items[:first])
        self.tail = _stored_header_bytes(items[last + 1:])
        body = data[end_of_headers:]
        self.body_segments = self._split_bytes(body)
        # The lines that carry a marker: their length without the markers, and which markers.
        self.marked_lines = []
        for line in body.split(b"\r\n"):
            found = Counter(slot for slot, marker in self.markers.items() for _ in range(line.count(marker.encode())))
            if found:
                fixed = len(line) - sum(len(self.markers[slot]) * count for slot, count in found.items())
                self.marked_lines.append((fixed, found))

    def _split(self, text: str) -> list[str]:
        pattern = "(" + "|".join(re.escape(marker) for marker in self.markers.values()) + ")"
        return re.split(pattern, text)

    def _split_bytes(self, data: bytes) -> list[bytes]:
        pattern = b"(" + b"|".join(re.escape(marker.encode()) for marker in self.markers.values()) + b")"
        return re.split(pattern, data)

    def _fill(self, segments, values):
        # re.split puts the markers at the odd positions.
        return [values[segment] if index % 2 else segment for index, segment in enumerate(segments)]

    def data(self, notification: Notification) -> tuple[bytes, dict[str, str], dict[bytes, bytes]] | None:
        """This person's MIME bytes (what the SMTP backend would send), the values filled in, or None
        when only a full rendering would give the exact bytes."""
        user = notification.recipient
        name = user.get_short_name()
        if not name.isprintable() or self.boundary in name:
            return None  # a line break or control character changes how the body is written
        token = unsubscribe_token_make(user_id=user.pk, kind=notification.kind)
        unsubscribe = self.unsubscribe_prefix + token + self.unsubscribe_suffix
        values = {
            self.markers["nt"]: name, self.markers["nh"]: escape(name),
            self.markers["ut"]: unsubscribe, self.markers["uh"]: escape(unsubscribe),
        }
        encoded = {marker.encode(): value.encode() for marker, value in values.items()}
        for fixed, found in self.marked_lines:
            length = fixed + sum(len(encoded[self.markers[slot].encode()]) * count for slot, count in found.items())
            if length > RFC5322_LINE_LIMIT:
                return None  # Django would write this body as quoted-printable
        data = b"".join((
            self.head,
            _header_bytes("To", user.email),
            _date_header_bytes(formatdate(localtime=settings.EMAIL_USE_LOCALTIME)),
            _header_bytes("Message-ID", make_msgid(domain=DNS_NAME)),
            _header_bytes("List-Unsubscribe", f"<{unsubscribe}>"),
            self.tail,
            *self._fill(self.body_segments, encoded),
        ))
        return data, values, unsubscribe

    def build(self, notification: Notification) -> PreparedEmail | None:
        """This person's copy, or None when only a full rendering would give the exact bytes."""
        filled = self.data(notification)
        if filled is None:
            return None
        data, values, unsubscribe = filled
        user = notification.recipient
        email = PreparedEmail(subject=self.subject, body="".join(self._fill(self.text_segments, values)),
                              to=[user.email], headers=_headers(unsubscribe), data=data)
        email.attach_alternative("".join(self._fill(self.html_segments, values)), "text/html")
        return email


class EmailRenderer:
    """Builds the emails of one delivery task: a shared rendering for a message that several
    of its people get (kept for the task's later chunks too), a full one for the others.

    `build` gives an EmailMessage (for any mail backend); `envelope` gives what goes on the
    wire to an SMTP server (sender, recipient and the message's bytes), the same bytes without
    building the message objects.
    """

    def __init__(self, notifications: list[Notification] = ()):
        self._counts: Counter[tuple] = Counter()
        self._templates: dict[tuple, _Template | None] = {}
        self.add(notifications)

    def add(self, notifications: list[Notification]) -> None:
        """Announces the notifications about to be built (so it knows which are shared)."""
        self._counts.update(self._key(notification) for notification in notifications)

    @staticmethod
    def _key(notification: Notification) -> tuple:
        # The delivery query hands over the context as PostgreSQL's text of the JSON (the same
        # text for the same content), so that identical messages are found without decoding each.
        text = getattr(notification, "context_text", None)
        if text is None:
            text = json.dumps(notification.context, sort_keys=True, cls=DjangoJSONEncoder)
        return (notification.kind, _language(notification), notification.url, text)

    def _template(self, notification: Notification) -> _Template | None:
        key = self._key(notification)
        if self._counts[key] <= 1:
            return None
        if key not in self._templates:
            try:
                template = _Template(notification, key[1])
            except Exception:  # the full rendering reports what is wrong, per message
                template = None
            self._templates[key] = template if template is not None and template.usable else None
        return self._templates[key]

    def build(self, notification: Notification) -> EmailMultiAlternatives:
        template = self._template(notification)
        email = template.build(notification) if template is not None else None
        return email if email is not None else email_build(notification)

    def envelope(self, notification: Notification) -> tuple[str, str, bytes]:
        """(sender, recipient, bytes) as Django's SMTP backend would send this notification's email."""
        template = self._template(notification)
        filled = template.data(notification) if template is not None else None
        if filled is not None:
            return settings.DEFAULT_FROM_EMAIL, notification.recipient.email, filled[0]
        email = email_build(notification)
        (recipient,) = email.recipients()
        return email.from_email, recipient, email.message().as_bytes(linesep="\r\n")
