"""?q= on the proposal list: a stored, GIN-indexed document that PostgreSQL keeps up to date,
finding what the query-time vector used to find."""

import pytest
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import F, TextField
from django.db.models.functions import Cast
from django.urls import reverse

from accounts.models import Role
from proposals import selectors, services
from proposals.models import Proposal, Status
from tests.factories import AreaFactory, ProposalFactory, RoundFactory, UserFactory, category_get

pytestmark = pytest.mark.django_db


def old_vector():
    """What proposals.selectors computed for every row of every search before the stored column."""
    return SearchVector("title", weight="A", config="simple") + SearchVector("description", weight="B", config="simple") \
        + SearchVector("address", weight="C", config="simple")


def titles(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_the_stored_document_finds_what_the_query_time_vector_found():
    round_ = RoundFactory(phase="support")
    area = AreaFactory(round=round_)
    texts = [
        ("Perbaikan drainase Jl. Sungai Ampal", "Saluran tersumbat, banjir setiap hujan deras.", "RT 12"),
        ("Lampu jalan", "Gang gelap di Jl. Pramuka; warga takut pulang malam!", ""),
        ("Taman bermain anak", "Lahan kosong milik Pemkot, dijadikan ruang terbuka hijau.", "Jl. MT Haryono No. 5"),
        ("Posyandu — atap bocor", "Atap posyandu Melati bocor & lantai retak.", "Gunung Bahagia"),
        ("ÜBER-straße 2027", "e-mail: lpm@contoh.id; 25.000.000 rupiah", "Km. 8"),
    ]
    for title, description, address in texts:
        ProposalFactory(area=area, status=Status.APPROVED, title=title, description=description, address=address)
    proposals = Proposal.objects.filter(round=round_)
    # The very same tsvector, row by row (compared as text: on a tsvector, = means "matches").
    same = proposals.annotate(old=Cast(old_vector(), TextField()), stored=Cast("search_document", TextField()))
    assert same.filter(old=F("stored")).count() == len(texts)
    for text in ["drainase", "drainase ampal", "jalan", "\"ruang terbuka\"", "bocor -lantai", "atap or lampu",
                 "rt", "12", "mt haryono", "über", "straße", "lpm@contoh.id", "25.000.000", "km", "!!! & | :*",
                 "pramuka -gelap", "tidak-ada-kata"]:
        query = SearchQuery(text, config="simple", search_type="websearch")
        before = set(proposals.annotate(search=old_vector()).filter(search=query).values_list("pk", flat=True))
        now = set(selectors.proposal_list(round_=round_, q=text).values_list("pk", flat=True))
        assert now == before, text


def test_a_search_reads_the_gin_index_and_computes_no_vector():
    round_ = RoundFactory(phase="support")
    area = AreaFactory(round=round_)
    proposer = UserFactory()
    Proposal.objects.bulk_create(
        Proposal(round=round_, area=area, category=category_get(), proposer=proposer,
                 title=f"Perbaikan jalan lingkungan RT {n:03d}", description="Jalan berlubang, genangan saat hujan.",
                 estimated_cost=100_000_000, status=Status.APPROVED)
        for n in range(1500)
    )
    ProposalFactory(area=area, status=Status.APPROVED, title="Gorong-gorong tersumbat di Klandasan")
    with connection.cursor() as cursor:
        # New rows wait in the GIN index's pending list until a vacuum; merge them as autovacuum would.
        cursor.execute("SELECT gin_clean_pending_list('proposal_search_document'::regclass)")
        cursor.execute("ANALYZE proposals_proposal")
        cursor.execute("SET LOCAL enable_seqscan = off")
    queryset = selectors.proposal_list(round_=round_, q="klandasan")
    sql = str(queryset.query)
    assert "to_tsvector" not in sql and "search_document" in sql
    plan = queryset.explain()
    assert "proposal_search_document" in plan, plan
    assert [p.title for p in queryset] == ["Gorong-gorong tersumbat di Klandasan"]


def test_the_newest_first_page_reads_a_round_in_index_order():
    """The list's default order without sorting every proposal of the round (10,000 of them: a
    page read 200 ms in PostgreSQL under load, 6 ms in index order; bench/search_bench.py)."""
    round_ = RoundFactory(phase="support")
    area = AreaFactory(round=round_)
    proposer = UserFactory()
    Proposal.objects.bulk_create(
        Proposal(round=round_, area=area, category=category_get(), proposer=proposer, title=f"Usulan {n}",
                 description="Jalan berlubang.", estimated_cost=100_000_000, status=Status.APPROVED)
        for n in range(1500)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE proposals_proposal")
        cursor.execute("SET LOCAL enable_sort = off")
    for q in ["", "jalan"]:
        plan = selectors.proposal_list(round_=round_, q=q)[:20].explain()
        assert "proposal_round_newest" in plan, plan


def test_an_edited_title_is_found_at_once_by_its_new_word_and_not_by_the_old(client):
    round_ = RoundFactory(phase="submission", premoderation=False)
    area = AreaFactory(round=round_)
    lpm = UserFactory(role=Role.MODERATOR)
    proposal = ProposalFactory(area=area, status=Status.SUBMITTED, title="Perbaikan drainase Jl. Sepinggan",
                               description="Saluran tersumbat.", address="RT 04")
    url = reverse("proposals:list")
    assert "Sepinggan" in titles(client.get(url, {"putaran": round_.slug, "q": "drainase"}))

    services.proposal_request_changes(proposal=proposal, actor=lpm, message="Judul kurang jelas.")
    services.proposal_update(proposal=proposal, actor=proposal.proposer, title="Gorong-gorong Jl. Sepinggan", submit=True)

    assert "Gorong-gorong Jl. Sepinggan" in titles(client.get(url, {"putaran": round_.slug, "q": "gorong"}))
    assert "Sepinggan" not in titles(client.get(url, {"putaran": round_.slug, "q": "drainase"}))
    # A plain save() (the admin's path) is kept up to date the same way: the database computes it.
    proposal = Proposal.objects.get(pk=proposal.pk)
    proposal.title = "Pompa air Sepinggan"
    proposal.save()
    assert "Pompa air Sepinggan" in titles(client.get(url, {"putaran": round_.slug, "q": "pompa"}))
    assert "Sepinggan" not in titles(client.get(url, {"putaran": round_.slug, "q": "gorong"}))
