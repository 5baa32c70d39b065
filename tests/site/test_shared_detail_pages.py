"""The proposal page and the round page as shared pages (balikpapan_pb/shared_pages.py): rendered
once for the readers of a role (and, for the round page, of a kelurahan), each reader given their
own support and follow buttons, report links, CSRF token and menu badge.

Written as an attacker would read them: two residents alternating on the same pages, each
checked for the other's bytes; every write (support, comment, follow, report, moderation)
read back at once by the writer and by the other; a proposal's author and a proposal that is not
public never served from a kept page; text that imitates the placeholders."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from balikpapan_pb.shared_pages import CSRF_PLACEHOLDER, NAV_USER_PLACEHOLDER, rows_changed
from notifications.kinds import Kind
from notifications.services import notify
from proposals.models import Comment, Status
from rounds.models import Phase
from tests.factories import AreaFactory, ProposalFactory, RoundFactory, UserFactory, _kelurahan
from wilayah.models import Kelurahan

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pages_kept_at_once")]
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
BADGE = re.compile(r'data-unread="(\d+)"')
SUPPORT, UNSUPPORT = "Dukung usulan ini", "Batalkan dukungan"
FOLLOW, UNFOLLOW = ">Ikuti<", "Berhenti mengikuti"
REPORT_COMMENT, REPORT_PROPOSAL = ">Laporkan<", "Laporkan usulan ini"


@pytest.fixture
def proposal():
    round_ = RoundFactory(phase=Phase.SUPPORT, flag_threshold=2)
    return ProposalFactory(round=round_, area=AreaFactory(round=round_), status=Status.APPROVED,
                           title="Lampu jalan Gang Mawar", proposer=UserFactory(full_name="Pengusul Usulan"))


def elsewhere() -> Kelurahan:
    return Kelurahan.objects.exclude(kecamatan_id=_kelurahan().kecamatan_id).order_by("code").first()


def browser(user=None, csrf_checks=False) -> Client:
    client = Client(enforce_csrf_checks=csrf_checks)
    if user is not None:
        client.force_login(user)
    return client


def read(client, path) -> str:
    response = client.get(path)
    assert response.status_code == 200
    text = response.content.decode()
    assert CSRF_PLACEHOLDER not in text and NAV_USER_PLACEHOLDER not in text
    assert "<!--sw-slot-" not in text and "<!--sw-not-for-" not in text and "<!--/sw-not-for-" not in text
    return text


def without_tokens(page: str) -> str:
    return TOKEN.sub("", page)


def test_two_residents_alternating_on_a_proposal_each_get_their_own_buttons(proposal, django_assert_num_queries):
    """Ana supports, follows and has commented; Budi lives in the same kelurahan and has done none
    of it but has two unread notifications; Citra lives elsewhere and may not support."""
    ana, budi, citra = UserFactory(), UserFactory(), UserFactory(kelurahan=elsewhere())
    proposal.supports.create(user=ana)
    proposal.follows.create(user=ana)
    Comment.objects.create(proposal=proposal, author=ana, body="Setuju, gang ini gelap sekali.")
    for _ in range(2):
        notify(recipient=budi, kind=Kind.RESULTS_PUBLISHED, context={})
    a, b, c = browser(ana), browser(budi, csrf_checks=True), browser(citra)
    path = proposal.get_absolute_url()
    for _turn in range(2):  # rendered for the first reader, then every page from the kept render
        page_a, page_b, page_c = read(a, path), read(b, path), read(c, path)
        assert UNSUPPORT in page_a and SUPPORT not in page_a and UNFOLLOW in page_a and FOLLOW not in page_a
        assert SUPPORT in page_b and UNSUPPORT not in page_b and FOLLOW in page_b and UNFOLLOW not in page_b
        assert SUPPORT not in page_c and UNSUPPORT not in page_c and FOLLOW in page_c
        assert 'aria-pressed="true"' not in page_b + page_c
        # no one reports their own comment; the others may
        assert REPORT_COMMENT not in page_a and REPORT_COMMENT in page_b and REPORT_COMMENT in page_c
        assert all(REPORT_PROPOSAL in page for page in (page_a, page_b, page_c))
        assert BADGE.findall(page_a) == [] and BADGE.findall(page_b) == ["2", "2"] and BADGE.findall(page_c) == []
        tokens = [set(TOKEN.findall(page)) for page in (page_a, page_b, page_c)]
        assert all(tokens) and not tokens[0] & tokens[1] and not tokens[1] & tokens[2] and not tokens[0] & tokens[2]
        # the page is the same for all three but for their own bytes
        assert "1 dukungan" in page_a and "1 dukungan" in page_b and "1 dukungan" in page_c
    # a kept page costs no query: this reader's support and follow are kept too, with the session,
    # the user and the badge (balikpapan_pb.shared_pages.reader_kept), until the next write
    with django_assert_num_queries(0):
        read(b, path)
    # each token is its owner's: Ana's is refused to Budi, Budi's own works
    ana_token, budi_token = TOKEN.findall(read(a, path))[0], TOKEN.findall(read(b, path))[0]
    support = reverse("proposals:support", args=[proposal.pk])
    assert b.post(support, {"csrfmiddlewaretoken": ana_token}).status_code == 403
    assert b.post(support, {"csrfmiddlewaretoken": budi_token}).status_code == 302
    assert proposal.supports.filter(user=budi).exists()


def test_a_support_a_follow_and_a_comment_show_at_once_to_the_writer_and_the_others(proposal):
    ana, budi = UserFactory(), UserFactory()
    a, b = browser(ana), browser(budi)
    path = proposal.get_absolute_url()
    assert "0 dukungan" in read(a, path) and "0 dukungan" in read(b, path)  # kept
    a.post(reverse("proposals:support", args=[proposal.pk]))
    read(a, path)  # the page with the thank-you message: Ana's own, not kept
    page_a, page_b = read(a, path), read(b, path)
    assert "1 dukungan" in page_a and UNSUPPORT in page_a
    assert "1 dukungan" in page_b and SUPPORT in page_b and UNSUPPORT not in page_b
    b.post(reverse("proposals:follow", args=[proposal.pk]))
    read(b, path)  # the message
    assert UNFOLLOW in read(b, path) and UNFOLLOW not in read(a, path) and FOLLOW in read(a, path)
    b.post(reverse("proposals:comment", args=[proposal.pk]), {"body": "Saya juga melewati gang ini tiap malam."})
    page_a, page_b = read(a, path), read(b, path)
    assert "Saya juga melewati gang ini tiap malam." in page_a and "Saya juga melewati gang ini tiap malam." in page_b
    assert "1 komentar" in page_a and "1 komentar" in page_b
    assert REPORT_COMMENT in page_a and REPORT_COMMENT not in page_b
    # taking a support back shows at once as well
    a.post(reverse("proposals:support", args=[proposal.pk]))
    read(a, path)
    assert "0 dukungan" in read(a, path) and SUPPORT in read(a, path) and "0 dukungan" in read(b, path)


def test_reports_and_a_moderators_hiding_show_at_once(proposal):
    """A comment hidden by reports (a queryset update, which sends no signal: the report's own
    save sets the new version) or by the LPM is gone from every kept page at once."""
    ana, budi, citra = UserFactory(), UserFactory(), UserFactory()
    moderator = UserFactory(role=Role.MODERATOR)
    moderator.moderated_kelurahan.add(proposal.area.kelurahan)
    first = Comment.objects.create(proposal=proposal, author=ana, body="Komentar pertama yang kasar.")
    second = Comment.objects.create(proposal=proposal, author=ana, body="Komentar kedua yang kasar.")
    a, b, c = browser(ana), browser(budi), browser(citra)
    path = proposal.get_absolute_url()
    for client in (a, b, c):
        assert "Komentar pertama yang kasar." in read(client, path)
    b.post(reverse("proposals:comment_flag", args=[first.pk]))
    read(b, path)  # the message
    assert "Komentar pertama yang kasar." in read(c, path)  # one report of two
    c.post(reverse("proposals:comment_flag", args=[first.pk]))
    for client in (a, b, c):
        page = read(client, path)
        assert "Komentar pertama yang kasar." not in page and "Komentar kedua yang kasar." in page
        assert "disembunyikan untuk diperiksa LPM" in page
    browser(moderator).post(reverse("proposals:comment_moderate", args=[second.pk]), {"aksi": "sembunyikan"})
    for client in (a, b, c):
        assert "Komentar kedua yang kasar." not in read(client, path)
    # the proposal itself, reported by two: hidden, and no kept page gives it to anyone
    for client in (b, c):
        client.post(reverse("proposals:flag", args=[proposal.pk]), {"reason": "tidak pantas"})
    proposal.refresh_from_db()
    assert proposal.status == Status.HIDDEN
    for client in (a, b, c):
        assert client.get(path).status_code in (403, 404)


def test_the_author_and_a_proposal_not_public_are_never_served_from_a_kept_page(proposal, django_assert_max_num_queries):
    budi = UserFactory()
    b, author = browser(budi), browser(proposal.proposer)
    path = proposal.get_absolute_url()
    read(b, path)
    with django_assert_max_num_queries(1):
        read(b, path)  # kept
    page = read(author, path)  # rendered for the author: never from the kept page nor kept
    assert REPORT_PROPOSAL not in page and SUPPORT in page  # the author lives there and may support
    assert REPORT_PROPOSAL in read(b, path)
    # a draft is its author's alone: rendered for them, refused to everyone else
    draft = ProposalFactory(round=proposal.round, area=proposal.area, proposer=proposal.proposer, status=Status.DRAFT,
                            title="Draf rahasia pengusul")
    assert "Draf rahasia pengusul" in read(author, draft.get_absolute_url())
    assert "Draf rahasia pengusul" in read(author, draft.get_absolute_url())
    assert b.get(draft.get_absolute_url()).status_code in (403, 404)
    # hidden by a write that sends no signal (a queryset update, followed by rows_changed as every
    # such write in the code is: tests/site/test_unsignalled_writes.py): the kept page is not
    # served, since whether the proposal is public is kept with the reader's state under the
    # content version (balikpapan_pb.shared_pages.reader_kept), which the write sets afresh
    read(b, path)
    type(proposal).objects.filter(pk=proposal.pk).update(status=Status.HIDDEN)
    rows_changed(type(proposal))
    assert b.get(path).status_code in (403, 404)


def test_text_that_imitates_the_placeholders_gets_no_token_and_no_buttons():
    """The placeholders are derived from SECRET_KEY and the markers are markup, which escaped
    text cannot contain: a proposal and a comment that carry the published first placeholder or
    a marker's shape are shown as text, with nobody's token or buttons put in them."""
    published = "sw-csrf-7c1e0b9f5a3d4e26"
    forged = "<!--sw-slot-0123456789abcdef01234567-proposal-actions--><!--sw-not-for-x:1-->"
    round_ = RoundFactory(phase=Phase.SUPPORT)
    proposal = ProposalFactory(round=round_, area=AreaFactory(round=round_), status=Status.APPROVED,
                               title=f"Jalan {published}", description=f"Uraian {published} {forged}")
    Comment.objects.create(proposal=proposal, author=UserFactory(), body=f"Komentar {published} {forged}")
    client = browser(UserFactory())
    for _ in range(2):  # rendered, then from the kept page
        page = read(client, proposal.get_absolute_url())
        assert f"Jalan {published}" in page and f"Uraian {published}" in page and f"Komentar {published}" in page
        assert page.count(SUPPORT) == 1
        assert "&lt;!--sw-slot-0123456789abcdef01234567-proposal-actions--&gt;" in page
        token = TOKEN.findall(page)[0]
        assert page.count(token) == len(TOKEN.findall(page))  # the token only in the forms


def test_round_page_names_each_readers_own_kelurahan(django_assert_num_queries):
    round_ = RoundFactory(phase=Phase.SUPPORT)
    here = AreaFactory(round=round_, budget=1_000_000_000)
    there = AreaFactory(round=round_, kelurahan=elsewhere(), name="Kelurahan Seberang", budget=750_000_000)
    ana, budi, citra = UserFactory(), UserFactory(), UserFactory(kelurahan=there.kelurahan)
    notify(recipient=budi, kind=Kind.RESULTS_PUBLISHED, context={})
    a, b, c = browser(ana), browser(budi), browser(citra)
    path = round_.get_absolute_url()
    mine = f"Kelurahan Anda, {here.name}"
    for _turn in range(2):
        page_a, page_b, page_c = read(a, path), read(b, path), read(c, path)
        assert mine in page_a and mine in page_b and "Kelurahan Anda, Kelurahan Seberang" in page_c and mine not in page_c
        assert f'wilayah={here.pk}">Lihat usulan' in page_a and f'wilayah={there.pk}">Lihat usulan' in page_c
        assert BADGE.findall(page_a) == [] and BADGE.findall(page_b) == ["1", "1"] and BADGE.findall(page_c) == []
        tokens = [set(TOKEN.findall(page)) for page in (page_a, page_b, page_c)]
        assert all(tokens) and not tokens[0] & tokens[1] and not tokens[1] & tokens[2]
    with django_assert_num_queries(0):
        read(a, path)
    # another resident of Ana's kelurahan is given the same render: nothing of the round is read
    with CaptureQueriesContext(connection) as queries:
        assert mine in read(browser(UserFactory()), path)
    assert not [q for q in queries if "rounds_" in q["sql"]]
    # a change of the pagu shows at once, to both kelurahan
    there.budget = 800_000_000
    there.save()
    assert "800.000.000" in read(c, path) and "800.000.000" in read(a, path)


def test_a_council_member_gets_the_council_page_of_the_proposal(proposal):
    """Roles never share a render: the council's menu is not a resident's."""
    council, resident = UserFactory(role=Role.COUNCIL), UserFactory()
    dashboard = reverse("dashboard:council")
    path = proposal.get_absolute_url()
    for _ in range(2):
        assert dashboard in read(browser(council), path)
        assert dashboard not in read(browser(resident), path)
    assert without_tokens(read(browser(resident), path)) == without_tokens(read(browser(resident), path))


def test_a_proposal_that_does_not_exist_is_a_404_for_a_resident(proposal):
    client = browser(UserFactory())
    for path in ["/usulan/999999/", f"/usulan/{2**63}/", "/usulan/99999999999999999999999/"]:
        assert client.get(path).status_code == 404


def test_each_language_gets_its_own_buttons(proposal):
    """The buttons are kept rendered per proposal, language and state: an English reader's point
    to the English addresses, an Indonesian reader's to the Indonesian ones."""
    ana, budi = UserFactory(), UserFactory()
    # the addresses are reversed before any request: a request leaves its language active here
    support, path = reverse("proposals:support", args=[proposal.pk]), proposal.get_absolute_url()
    for _ in range(2):
        english = read(browser(ana), "/en" + path)
        indonesian = read(browser(budi), path)
        assert f'action="/en{support}"' in english and f'action="{support}"' not in english
        assert f'action="{support}"' in indonesian and '<html lang="en">' in english


def test_a_superuser_is_never_served_a_page_kept_for_residents(proposal):
    """A superuser whose role says citizen reads after a resident of the same kelurahan: were the kept
    page served, their menu would lack the work links every permission gives a superuser."""
    from django.utils import translation

    from balikpapan_pb.worklist import work_links

    resident = UserFactory(role=Role.CITIZEN, kelurahan=_kelurahan())
    superuser = UserFactory(role=Role.CITIZEN, kelurahan=_kelurahan(), is_superuser=True, is_staff=True)
    with translation.override("id"):
        menu = [link.url for link in work_links(superuser) if link.in_menu]
    assert menu
    for path in (reverse("proposals:detail", args=[proposal.pk]), reverse("rounds:detail", args=[proposal.round.slug]),
                 reverse("proposals:list"), reverse("home")):
        kept = read(browser(resident), path)
        assert not any(f'href="{url}"' in kept for url in menu)
        own = read(browser(superuser), path)
        assert all(f'href="{url}"' in own for url in menu), path
