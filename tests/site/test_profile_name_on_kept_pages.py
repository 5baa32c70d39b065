"""A resident who changes her name on her profile is named by it at once on every kept page that
names her (her proposal, her comment), for other residents. Saves of accounts are not followed by
the shared pages (every sign-in saves the user), so the profile service says so. (Visitors' pages
are kept for PAGE_CACHE_SECONDS whatever changes: tests/site/test_page_cache.py.)"""

import pytest
from django.test import Client
from django.urls import reverse

from proposals.models import Comment, Status
from rounds.models import Phase
from tests.factories import AreaFactory, ProposalFactory, RoundFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pages_kept_at_once")]
OLD, NEW = "Sulastri Wulandari", "Kartini Wulandari"
FIRST_OLD, FIRST_NEW = "Sulastri", "Kartini"  # pages name a person by the first word


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_new_name_shows_at_once_on_her_proposal_and_under_her_comment():
    siti = UserFactory(full_name=OLD)
    round_ = RoundFactory(phase=Phase.SUPPORT)
    proposal = ProposalFactory(round=round_, area=AreaFactory(round=round_), status=Status.APPROVED, proposer=siti)
    other = ProposalFactory(round=round_, area=proposal.area, status=Status.APPROVED)
    Comment.objects.create(proposal=other, author=siti, body="Setuju sekali.")
    reader = signed_in(UserFactory())
    paths = [proposal.get_absolute_url(), other.get_absolute_url()]
    for path in paths:
        assert FIRST_OLD in reader.get(path).content.decode()

    response = signed_in(siti).post(reverse("accounts:profile"), {
        "full_name": NEW, "email": siti.email or "", "phone": siti.phone, "language": "id"})
    assert response.status_code == 302

    for path in paths:
        page = reader.get(path).content.decode()
        assert FIRST_NEW in page and FIRST_OLD not in page, path
