"""?q= on the proposal list over 10,000 proposals: the stored, GIN-indexed search document
(proposals/search.py) against the tsvector the list computed for every row before (issue 16).

    DJANGO_SETTINGS_MODULE=balikpapan_pb.settings.test DATABASE_URL=postgres://.../db .venv/bin/python -m bench.search_bench

Seeds (once, kept between runs) a round of 10,000 public proposals with Indonesian-like titles,
descriptions of 40 to 120 words and addresses, then times what the list view asks for one page
(the count and the first 20 with their photos), median of 15 after 2 warm-ups, for a rare word,
a common word, two words and a word found nowhere; and PostgreSQL's own execution time of the
page query (EXPLAIN ANALYZE). The first row is the page without ?q=, for scale.
"""

import os
import random
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "balikpapan_pb.settings.test")

SLUG = "bench-search"
PROPOSALS = 10_000
QUERIES = [("a rare word", "klandasan"), ("a common word", "jalan"), ("two words", "drainase tersumbat"),
           ("no match", "zzzyx")]
WORDS = ("perbaikan jalan lingkungan saluran drainase tersumbat banjir hujan deras warga gang sempit lampu "
         "penerangan taman bermain anak posyandu atap bocor lantai retak sekolah pagar jembatan kayu lapuk "
         "sumur bor air bersih pipa bocor sampah tempat pembuangan bank pelatihan umkm ibu rumah tangga "
         "pemuda olahraga lapangan voli masjid mushola pos ronda keamanan trotoar pejalan kaki sepeda "
         "pohon peneduh ruang terbuka hijau kebun bibit tanaman obat keluarga stunting gizi balita").split()
PLACES = ["Sepinggan", "Gunung Bahagia", "Manggar", "Batu Ampar", "Karang Joang", "Damai", "Prapatan", "Teritip"]


def _setup() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _seed():
    from django.db import connection

    from proposals.models import Proposal, Status
    from rounds.models import Area, AreaLevel, Category, Round

    round_ = Round.objects.filter(slug=SLUG).first()
    if round_ is not None and Proposal.objects.filter(round=round_).count() == PROPOSALS:
        return round_
    if round_ is not None:
        Proposal.objects.filter(round=round_).delete()
        round_.delete()
    round_ = Round.objects.create(name="Bench search", year=2027, slug=SLUG, phase="support")
    area = Area.objects.create(round=round_, level=AreaLevel.KOTA, code="64.71", name="Kota Balikpapan",
                               budget=50_000_000_000)
    category, _ = Category.objects.get_or_create(slug="jalan-jembatan", defaults={"name": "Jalan", "name_en": "Roads"})
    rng = random.Random(10_000)

    def words(low: int, high: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high)))

    proposals = []
    for i in range(PROPOSALS):
        place = rng.choice(PLACES)
        title = f"{words(3, 6).capitalize()} {place}"
        description = f"{words(40, 120).capitalize()}."
        if i % 1000 == 7:  # ten proposals name Klandasan
            description += " Dekat pasar Klandasan."
        proposals.append(Proposal(round=round_, area=area, category=category, title=title[:140],
                                  description=description, address=f"Jl. {place} RT {rng.randint(1, 60):02d}",
                                  estimated_cost=rng.randrange(100, 5000) * 1_000_000, status=Status.APPROVED))
    Proposal.objects.bulk_create(proposals, batch_size=1000)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE proposals_proposal")
    return round_


def _computed_per_row(round_, text: str):
    """The list as proposals.selectors searched before: the vector computed in the query."""
    from django.contrib.postgres.search import SearchQuery, SearchVector

    from proposals import selectors

    vector = SearchVector("title", weight="A", config="simple") + SearchVector("description", weight="B", config="simple") \
        + SearchVector("address", weight="C", config="simple")
    query = SearchQuery(text, config="simple", search_type="websearch")
    return selectors.proposal_list(round_=round_).annotate(search=vector).filter(search=query)


def _stored(round_, text: str):
    from proposals import selectors

    return selectors.proposal_list(round_=round_, q=text)


def _database_ms(queryset) -> float:
    """PostgreSQL's own execution time of the page query (EXPLAIN ANALYZE), less sensitive than
    the wall clock to what else the machine runs."""
    plan = queryset[:20].explain(analyze=True)
    return float(plan.rsplit("Execution Time:", 1)[1].split("ms")[0])


def _page_ms(queryset_for) -> tuple[float, int]:
    from django.core.paginator import Paginator

    times, count = [], 0
    for attempt in range(17):
        started = time.perf_counter()
        page = Paginator(queryset_for(), 20).page(1)
        list(page)
        count = page.paginator.count
        if attempt >= 2:
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), count


def run() -> list[dict]:
    _setup()
    round_ = _seed()
    unsearched, total = _page_ms(lambda: _stored(round_, ""))
    rows = [{"q": "none: the list without ?q=", "matches": total, "stored + GIN (ms)": unsearched,
             "stored + GIN, database (ms)": _database_ms(_stored(round_, ""))}]
    for label, text in QUERIES:
        before, matches = _page_ms(lambda text=text: _computed_per_row(round_, text))
        now, found = _page_ms(lambda text=text: _stored(round_, text))
        assert found == matches, (text, found, matches)
        rows.append({"q": f"{label} ({text})", "matches": matches, "computed per row (ms)": before,
                     "stored + GIN (ms)": now, "speed-up": before / now,
                     "computed per row, database (ms)": _database_ms(_computed_per_row(round_, text)),
                     "stored + GIN, database (ms)": _database_ms(_stored(round_, text))})
    return rows


if __name__ == "__main__":
    from bench.__main__ import markdown_table

    print(markdown_table(run()))
