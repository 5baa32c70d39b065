"""One rendering for many people gives, byte for byte, the message a rendering per person gives."""

import random
import re

import pytest
from django.core import signing
from django.core.mail.message import forbid_multi_line_headers

from accounts.models import User
from notifications.emails import SMTP_POLICY, EmailRenderer, PreparedEmail, _header_bytes, email_build
from notifications.kinds import Kind
from notifications.models import Notification

# Everything a kind can show, with what residents write made hostile to HTML.
CONTEXTS = {
    Kind.PROPOSAL_STATUS: {"title": "Drainase <b>Jl. MT Haryono</b> & \"RT 12\"", "status_label": "Ditolak",
                           "reason": "Di luar kewenangan <kota>"},
    Kind.PROPOSAL_COMMENT: {"title": "Taman 'Bekapai'", "commenter": "<script>alert(1)</script>",
                            "excerpt": "Setuju & <i>mendesak</i>"},
    Kind.VOTING_OPENED: {"round_name": "Anggaran Partisipatif 2027", "area_name": "Gunung Bahagia",
                         "closes_at": "2027-03-15T16:00:00+00:00"},
    Kind.VOTING_CLOSING: {"round_name": "AP 2027", "area_name": "Kota Balikpapan", "closes_at": "2027-03-15T16:00:00+00:00"},
    Kind.RESULTS_PUBLISHED: {"round_name": "AP 2027", "area_name": "Batu Ampar"},
    Kind.PROJECT_PROGRESS: {"title": "Lampu <jalan>", "status_label": "Berjalan", "percent": 40, "note": "Tiang & kabel"},
}

# Names and addresses that stress escaping, encoding and header folding.
PEOPLE = [
    ("Siti Rahmawati", "siti@example.test"),
    ("<b>Budi</b>&amp; \"Santoso\" O'Neil", "budi@example.test"),
    ("Ñoño Ŝürya Wijaya", "nono@example.test"),
    ("", "hanya.email@example.test"),  # no name: the short name is the contact
    ("A" * 150, "nama.panjang@example.test"),
    ("Dewi", "alamat.yang.sangat.panjang.sekali.untuk.menguji.pelipatan.header@kelurahan.example.test"),
    ("Rina", "rina@bälikpapan.example"),  # an internationalised domain
    ("Baris\nbaru", "baris@example.test"),  # a line break: only a full rendering writes it right
]


@pytest.fixture(autouse=True)
def fixed_signing_time(monkeypatch):
    # The unsubscribe token carries the second it was made; both paths must see the same one.
    monkeypatch.setattr(signing.TimestampSigner, "timestamp", lambda self: "1xWlem")


def notifications_for(kind: str, language: str) -> list[Notification]:
    return [
        Notification(pk=100 + i, recipient=User(pk=500 + i, full_name=name, email=address, language=language),
                     kind=kind, context=CONTEXTS[kind], url="/usulan/12/")
        for i, (name, address) in enumerate(PEOPLE)
    ]


def normalized(data: bytes) -> bytes:
    """The three things that differ between any two renderings of one message."""
    data = re.sub(rb"\r\nDate: [^\r]*\r\n", b"\r\nDate: -\r\n", data, count=1)
    data = re.sub(rb"\r\nMessage-ID: [^\r]*\r\n", b"\r\nMessage-ID: -\r\n", data, count=1)
    boundary = re.search(rb'boundary="([^"]+)"', data).group(1)
    return data.replace(boundary, b"BOUNDARY")


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("kind", list(CONTEXTS))
def test_a_shared_rendering_gives_the_bytes_of_a_full_rendering(kind, language):
    notifications = notifications_for(kind, language)
    renderer = EmailRenderer(notifications)
    for notification in notifications:
        email = renderer.build(notification)
        wanted = email_build(notification)
        assert normalized(email.message().as_bytes(linesep="\r\n")) == normalized(wanted.message().as_bytes(linesep="\r\n"))
        # What test backends and the admin read agrees too.
        assert (email.subject, email.body, email.alternatives, email.to, email.extra_headers) == (
            wanted.subject, wanted.body, wanted.alternatives, wanted.to, wanted.extra_headers
        )
    shared = [isinstance(renderer.build(n), PreparedEmail) for n in notifications]
    assert shared == [True] * (len(PEOPLE) - 1) + [False]  # only the line break needs the full rendering


def test_the_html_part_escapes_what_residents_wrote_and_the_text_part_keeps_it():
    notifications = notifications_for(Kind.PROPOSAL_COMMENT, "id")
    email = EmailRenderer(notifications).build(notifications[1])
    assert isinstance(email, PreparedEmail)
    html = email.message().as_bytes(linesep="\r\n").split(b"text/html", 1)[1].decode()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Halo &lt;b&gt;Budi&lt;/b&gt;&amp;amp;," in html
    assert "<b>Budi</b>&amp;," in email.body  # plain text stays plain


def test_each_person_gets_their_own_address_and_unsubscribe_link():
    notifications = notifications_for(Kind.RESULTS_PUBLISHED, "en")
    renderer = EmailRenderer(notifications)
    first, second = renderer.build(notifications[0]), renderer.build(notifications[2])
    assert first.to == ["siti@example.test"] and second.to == ["nono@example.test"]
    assert first.extra_headers["List-Unsubscribe"] != second.extra_headers["List-Unsubscribe"]
    assert b"Hello Siti," in first.message().as_bytes(linesep="\r\n")
    assert "Hello Ñoño,".encode() in second.message().as_bytes(linesep="\r\n")
    assert b"siti@" not in second.message().as_bytes(linesep="\r\n")


@pytest.mark.parametrize("name", ["To", "Message-ID", "List-Unsubscribe", "Date"])
def test_header_lines_are_written_as_the_email_package_writes_them(name):
    pick = random.Random(16)
    unbreakable = [chr(c) for c in range(33, 127) if chr(c) not in ",;"]
    printable = [chr(c) for c in range(32, 127)]
    for length in range(0, 240):  # across the 78-character fold, for every header name
        for alphabet in (unbreakable, unbreakable + [" ", ",", ";"], printable):
            value = "".join(pick.choice(alphabet) for _ in range(length))
            expected = SMTP_POLICY.fold_binary(*forbid_multi_line_headers(name, value, "utf-8"))
            assert _header_bytes(name, value) == expected, value
