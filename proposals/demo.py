"""Demo rounds and proposals of Balikpapan for `seed_demo` (SPEC section 7). Demonstration only.

`ap-2027` ends in the voting phase with feasible projects in every kelurahan (the voting app
seeds ballots on it), `ap-2026` is in the results phase, `ap-2028` is open for proposals so
that a visitor can propose and the LPM demo account has a queue.
"""

import datetime as dt
import random

from django.utils import timezone

from accounts.models import Role, User
from balikpapan_pb.shared_pages import rows_changed
from rounds.models import Area, AreaLevel, BallotType, Category, Phase, PhaseSchedule, Round, TallyRule
from rounds.phases import PHASE_ORDER
from wilayah.models import Kecamatan, Kelurahan

from .models import Comment, Follow, Proposal, Status, StatusChange, Support

CITY_CODE = "64.71"

# Streets, places and landmarks of each kelurahan, used to write proposals people recognise.
PLACES = {
    "64.71.01.1001": ["Pantai Manggar Segara Sari", "Jl. Mulawarman", "Jl. Manggar Sari", "Pasar Manggar", "Jl. Batakan"],
    "64.71.01.1002": ["Pantai Lamaru", "Jl. Mulawarman KM 20", "Jl. Lamaru Raya", "Jl. Sumber Sari"],
    "64.71.01.1003": ["Pasar Teritip", "Jl. Mulawarman KM 25", "Jl. Teritip Dalam", "Pantai Teritip"],
    "64.71.01.1004": ["Jl. Mulawarman", "Perumahan Manggar Baru", "Jl. Palm Raya", "Jl. Manggar Baru"],
    "64.71.02.1001": ["Jl. Letjen Suprapto", "Kampung atas air Baru Ilir", "Jl. Baru Ilir", "Gang Swadaya"],
    "64.71.02.1002": ["Jl. Letjen Suprapto", "Jl. Baru Tengah", "Pelabuhan Semayang", "Gang Sederhana"],
    "64.71.02.1003": ["Jl. Baru Ulu", "Kampung atas air Baru Ulu", "Jl. Letjen Suprapto", "Gang Kenanga"],
    "64.71.02.1004": ["Jl. Kariangau", "Pelabuhan Kariangau", "Jl. Sungai Wain", "Kampung Kariangau"],
    "64.71.02.1005": ["Jl. Margo Mulyo", "Jl. Letjen Suprapto", "Jl. Cendana", "Gang Mawar"],
    "64.71.02.1006": ["Pasar Kebun Sayur", "Pasar Pandansari", "Jl. Letjen Suprapto", "Jl. Marga Sari"],
    "64.71.03.1001": ["Jl. Soekarno-Hatta KM 3", "Jl. Batu Ampar", "Perumahan Batu Ampar Indah", "Jl. Mayjen Sutoyo", "Jl. Sukarno-Hatta KM 4"],
    "64.71.03.1002": ["Jl. Soekarno-Hatta KM 5", "Jl. Gunung Samarinda", "Jl. Tanjung Pura", "Gang Nusantara"],
    "64.71.03.1003": ["Kebun Raya Balikpapan", "Jl. Soekarno-Hatta KM 15", "Hutan Lindung Sungai Wain", "Jl. Karang Joang"],
    "64.71.03.1004": ["Jl. Jenderal Ahmad Yani", "Jl. Muara Rapak", "Gunung Guntur", "Jl. Pupuk Raya"],
    "64.71.03.1005": ["Jl. Pupuk Raya", "Jl. Gunung Samarinda Baru", "Perumahan Wika", "Gang Melati"],
    "64.71.03.1006": ["Perumahan Graha Indah", "Jl. Soekarno-Hatta KM 7", "Jl. Graha Indah Raya", "Jl. Bukit Damai"],
    "64.71.04.1001": ["Jl. Gunung Sari Ulu", "Jl. Jenderal Ahmad Yani", "Jl. Semoi", "Gang Sekolah"],
    "64.71.04.1002": ["Jl. Gunung Sari Ilir", "Jl. Jenderal Ahmad Yani", "Pasar Segar", "Gang Merpati"],
    "64.71.04.1003": ["Jl. Karang Rejo", "Jl. Jenderal Ahmad Yani", "Jl. Sepaku", "Gang Rahayu"],
    "64.71.04.1004": ["Jl. Karang Jati", "Jl. Sungai Ampal", "Jl. Asia Afrika", "Gang Bersama"],
    "64.71.04.1005": ["Jl. Mekar Sari", "Jl. Sungai Ampal", "Jl. Jenderal Ahmad Yani", "Gang Anggrek"],
    "64.71.04.1006": ["Jl. Sumber Rejo", "Sungai Ampal", "Jl. Soekarno-Hatta KM 1", "Jl. Inpres"],
    "64.71.05.1002": ["Jl. Marsma R. Iswahyudi", "Jl. Mulawarman", "Bandara Sepinggan", "Jl. Sepinggan Raya"],
    "64.71.05.1006": ["Jl. MT Haryono", "Jl. Syarifuddin Yoes", "Sungai Ampal", "Jl. Gunung Bahagia", "Jl. Pramuka"],
    "64.71.05.1008": ["Jl. Sepinggan Baru", "Jl. MT Haryono", "Jl. Marsma R. Iswahyudi", "Gang Damai"],
    "64.71.05.1009": ["Jl. Ruhui Rahayu", "Jl. Sepinggan Raya", "Jl. Mulawarman", "Perumahan Sepinggan Pratama"],
    "64.71.05.1010": ["Jl. Jenderal Sudirman", "Jl. Ruhui Rahayu", "Jl. Sungainangka", "Gang Taqwa"],
    "64.71.05.1011": ["Balikpapan Baru", "Jl. MT Haryono", "Jl. Damai Baru", "Sungai Ampal"],
    "64.71.05.1012": ["Jl. Jenderal Sudirman", "Jl. Damai Bahagia", "Jl. MT Haryono", "Sungai Ampal"],
    "64.71.06.1001": ["Jl. Jenderal Sudirman", "Jl. Prapatan", "Pasar Klandasan", "Gang Pelita"],
    "64.71.06.1002": ["Jl. Jenderal Sudirman", "Jl. Telaga Sari", "Jl. Panjaitan", "Gang Nelayan"],
    "64.71.06.1003": ["Lapangan Merdeka", "Jl. Jenderal Sudirman", "Jl. Klandasan Ulu", "Gang Cempaka"],
    "64.71.06.1004": ["Taman Bekapai", "Jl. Jenderal Sudirman", "Pantai Klandasan", "Jl. Klandasan Ilir"],
    "64.71.06.1005": ["Pantai Kemala", "Jl. Jenderal Sudirman", "Jl. Damai", "Gang Karya"],
}

# category, title, description, cost range (rupiah)
PROJECTS = [
    ("jalan-jembatan", "Pengaspalan ulang {place}",
     "Aspal di {place} berlubang dan tergenang saat hujan, membahayakan pengendara motor dan anak sekolah. "
     "Diusulkan pengaspalan ulang sepanjang ±{length} meter beserta marka jalan.", (250, 900)),
    ("jalan-jembatan", "Semenisasi gang di {place} RT {rt}",
     "Gang di RT {rt} masih tanah dan licin setelah hujan. Warga mengusulkan semenisasi ±{length} meter "
     "agar bisa dilalui gerobak sampah dan ambulans.", (80, 260)),
    ("drainase-banjir", "Normalisasi drainase {place}",
     "Saluran di {place} dangkal dan tersumbat sedimen, sehingga banjir setiap hujan deras. Diusulkan "
     "pengerukan dan pemasangan U-ditch sepanjang ±{length} meter.", (300, 1100)),
    ("drainase-banjir", "Turap dan pengerukan anak sungai di {place}",
     "Tebing anak Sungai Ampal di {place} longsor dan menyempitkan aliran. Diusulkan turap beton dan "
     "pengerukan agar air tidak meluap ke rumah warga.", (450, 1200)),
    ("air-bersih", "Jaringan pipa air bersih PDAM di {place} RT {rt}",
     "Sekitar {households} rumah di RT {rt} belum tersambung PDAM dan membeli air tangki. Diusulkan "
     "perpanjangan pipa distribusi dan sambungan rumah.", (200, 700)),
    ("taman-rth", "Taman bermain ramah anak di {place}",
     "Lahan kosong milik pemkot di {place} dapat dijadikan taman bermain dan ruang terbuka hijau, "
     "lengkap dengan bangku, pohon peneduh, dan jalur pejalan kaki.", (150, 600)),
    ("penerangan-jalan", "Lampu penerangan jalan tenaga surya di {place}",
     "Ruas {place} gelap pada malam hari dan rawan kejahatan. Diusulkan {lamps} titik PJU tenaga surya.", (90, 350)),
    ("persampahan-lingkungan", "TPS 3R dan bank sampah di {place}",
     "Sampah menumpuk di pinggir {place} sebelum diangkut ke TPA Manggar. Diusulkan TPS 3R kecil dan "
     "bank sampah yang dikelola warga.", (120, 400)),
    ("kesehatan-stunting", "Renovasi posyandu dan pemberian makanan tambahan di RT {rt}",
     "Posyandu di RT {rt} dekat {place} bocor dan sempit, padahal melayani {households} balita. "
     "Diusulkan renovasi ringan dan program makanan tambahan untuk mencegah stunting.", (60, 220)),
    ("pendidikan", "Taman baca warga di {place}",
     "Anak-anak sekitar {place} belum punya ruang belajar sore. Diusulkan taman baca dengan rak buku, "
     "wifi, dan relawan pendamping.", (50, 180)),
    ("perlindungan-anak-perempuan", "Pos pengaduan dan CCTV di {place}",
     "Warga mengusulkan CCTV di titik rawan {place} dan pos pengaduan kekerasan terhadap anak dan "
     "perempuan yang terhubung dengan UPTD PPA.", (70, 240)),
    ("ekonomi-kreatif-umkm", "Pelatihan dan lapak UMKM di {place}",
     "Pelaku UMKM kuliner di {place} berjualan di bahu jalan. Diusulkan lapak tertata dan pelatihan "
     "pemasaran daring bagi {households} pelaku usaha.", (100, 400)),
    ("pariwisata", "Penataan kawasan wisata {place}",
     "{place} ramai dikunjungi pada akhir pekan tetapi minim fasilitas. Diusulkan toilet umum, gazebo, "
     "dan papan informasi.", (300, 1300)),
    ("fasilitas-umum", "Renovasi balai pertemuan warga di {place}",
     "Balai warga di {place} dipakai untuk posyandu, rapat RT, dan musrenbang, tetapi atapnya bocor. "
     "Diusulkan renovasi atap, toilet, dan akses kursi roda.", (90, 320)),
]

COMMENTS = [
    "Setuju, kalau hujan deras di sini air sampai selutut.",
    "Sangat dibutuhkan, anak-anak kami lewat sini tiap pagi ke sekolah.",
    "Mohon diperhatikan juga saluran di RT sebelah, alirannya ke sini.",
    "Semoga bisa masuk surat suara tahun ini.",
    "Sudah diusulkan di musrenbang tahun lalu tapi belum terealisasi.",
    "Kami siap gotong royong membantu pelaksanaannya.",
    "Biayanya masuk akal, mohon LPM mendukung.",
]

FIRST_NAMES = ["Andi", "Ahmad", "Rahmat", "Dewi", "Nur", "Yusuf", "Rina", "Agus", "Fitri", "Hasan", "Lestari",
               "Syamsul", "Wahyuni", "Bambang", "Rizky", "Aisyah", "Darmawan", "Sri", "Fajar", "Indah"]
LAST_NAMES = ["Saputra", "Hidayat", "Rahman", "Wulandari", "Pratama", "Kurniawan", "Lestari", "Siregar",
              "Daeng Matta", "Nugroho", "Syahrani", "Hamzah", "Pasaribu", "Yuliani", "Setiawan"]

# A small and a large pagu per level, in rupiah.
KELURAHAN_BUDGETS = [800_000_000, 900_000_000, 1_000_000_000, 1_150_000_000, 1_250_000_000, 1_500_000_000]
KECAMATAN_BUDGET = 3_000_000_000
CITY_BUDGET = 15_000_000_000


def _round_create(*, slug: str, name: str, year: int, phase: str, description: str, now: dt.datetime) -> Round:
    round_, _created = Round.objects.update_or_create(slug=slug, defaults={
        "name": name, "year": year, "description": description, "ballot_type": BallotType.KNAPSACK,
        "tally_rule": TallyRule.GREEDY, "phase": phase, "phase_changed_at": now, "premoderation": True,
        "flag_threshold": 3, "max_choices": 5,
    })
    return round_


def _schedule(round_: Round, *, current: str, now: dt.datetime) -> None:
    """Dates around now so that the schedule agrees with the phase (beat keeps it there)."""
    lengths = {"draft": 14, "submission": 45, "support": 30, "review": 30, "voting": 21, "tallying": 3,
               "results": 60, "implementation": 300}
    index = PHASE_ORDER.index(current)
    start = now - dt.timedelta(days=7)
    for phase in reversed(PHASE_ORDER[:index]):
        start -= dt.timedelta(days=lengths[phase])
    PhaseSchedule.objects.filter(round=round_).delete()
    rows, cursor = [], start
    for phase in PHASE_ORDER:
        length = dt.timedelta(days=lengths[phase]) if phase != current else dt.timedelta(days=lengths[phase] + 7)
        if phase == current:
            cursor_start = now - dt.timedelta(days=7)
            rows.append(PhaseSchedule(round=round_, phase=phase, start=cursor_start, end=cursor_start + length))
            cursor = cursor_start + length
        else:
            rows.append(PhaseSchedule(round=round_, phase=phase, start=cursor, end=cursor + length))
            cursor += length
    PhaseSchedule.objects.bulk_create(rows)
    rows_changed(PhaseSchedule)


def _areas(round_: Round, rng: random.Random) -> dict[str, Area]:
    Area.objects.filter(round=round_, proposals__isnull=True).delete()
    areas = {}
    areas[CITY_CODE] = Area.objects.update_or_create(round=round_, code=CITY_CODE, defaults={
        "level": AreaLevel.KOTA, "name": "Kota Balikpapan", "budget": CITY_BUDGET})[0]
    for kecamatan in Kecamatan.objects.all():
        areas[kecamatan.code] = Area.objects.update_or_create(round=round_, code=kecamatan.code, defaults={
            "level": AreaLevel.KECAMATAN, "kecamatan": kecamatan, "name": f"Kecamatan {kecamatan.name}",
            "budget": KECAMATAN_BUDGET})[0]
    for kelurahan in Kelurahan.objects.all():
        areas[kelurahan.code] = Area.objects.update_or_create(round=round_, code=kelurahan.code, defaults={
            "level": AreaLevel.KELURAHAN, "kelurahan": kelurahan, "name": kelurahan.name,
            "budget": rng.choice(KELURAHAN_BUDGETS)})[0]
    return areas


def _residents(count: int, rng: random.Random) -> list[User]:
    """Demo residents who support and comment (no NIK, no password: they cannot sign in)."""
    existing = list(User.objects.filter(email__startswith="warga-demo-", email__endswith="@demo.local"))
    if len(existing) >= count:
        return existing[:count]
    codes = list(PLACES)
    now = timezone.now()
    new = [
        User(email=f"warga-demo-{n}@demo.local", full_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
             role=Role.CITIZEN, kelurahan_id=codes[n % len(codes)], email_verified_at=now, consent_version="demo",
             consent_at=now, password="!")
        for n in range(len(existing), count)
    ]
    User.objects.bulk_create(new, batch_size=1000)
    return list(User.objects.filter(email__startswith="warga-demo-", email__endswith="@demo.local"))


def _details(rng: random.Random) -> dict[str, str | int]:
    """One proposal's numbers, drawn once so that its title, description and RT field agree."""
    return {"rt": f"{rng.randint(1, 45):02d}", "length": rng.choice([120, 250, 400, 600, 850]),
            "households": rng.choice([35, 60, 80, 120, 150]), "lamps": rng.choice([8, 12, 15, 20])}


def _proposal(round_: Round, area: Area, place: str, rng: random.Random, proposer: User | None,
              categories: dict[str, Category], *, status: str, now: dt.datetime) -> Proposal:
    category, title, description, (low, high) = rng.choice(PROJECTS)
    details = _details(rng)
    rt = details["rt"]
    title_text = title.format(place=place, **details)
    cost = rng.randint(low, high) * 1_000_000
    kel_code = area.code
    lat, lng = _point(kel_code, rng)
    return Proposal(
        round=round_, area=area, category=categories[category], proposer=proposer, title=title_text[:140],
        description=description.format(place=place, **details), estimated_cost=cost, latitude=lat, longitude=lng,
        address=f"{place}, {area.name}", rt=rt, rw=f"{rng.randint(1, 12):02d}", status=status,
        submitted_at=None if status == Status.DRAFT else now,
    )


# Rough centres of the kecamatan, to scatter demo pins where the kelurahan are.
KECAMATAN_CENTRES = {"64.71.01": (-1.205, 116.985), "64.71.02": (-1.225, 116.815), "64.71.03": (-1.215, 116.865),
                     "64.71.04": (-1.240, 116.845), "64.71.05": (-1.255, 116.880), "64.71.06": (-1.270, 116.830)}


def _point(code: str, rng: random.Random) -> tuple[float, float]:
    lat, lng = KECAMATAN_CENTRES.get(code[:8], (-1.2379, 116.8529))
    return round(lat + rng.uniform(-0.012, 0.012), 6), round(lng + rng.uniform(-0.015, 0.015), 6)


# The path each status took, for a believable public history with reasons.
HISTORY = {
    Status.DRAFT: [],
    Status.SUBMITTED: [(Status.SUBMITTED, "")],
    Status.NEEDS_CHANGES: [(Status.SUBMITTED, ""), (Status.NEEDS_CHANGES,
                           "Mohon lengkapi lokasi persisnya (RT/RW) dan foto kondisi saat ini.")],
    Status.APPROVED: [(Status.SUBMITTED, ""), (Status.APPROVED, "")],
    Status.REJECTED: [(Status.SUBMITTED, ""), (Status.REJECTED,
                      "Lokasi berada di lahan milik swasta, bukan aset pemerintah kota.")],
    Status.MERGED: [(Status.SUBMITTED, ""), (Status.MERGED, "Digabung dengan usulan serupa di lokasi yang sama.")],
    Status.HIDDEN: [(Status.SUBMITTED, ""), (Status.APPROVED, ""), (Status.HIDDEN,
                    "Disembunyikan otomatis setelah 3 laporan warga, menunggu pemeriksaan LPM.")],
    Status.FEASIBLE: [(Status.SUBMITTED, ""), (Status.APPROVED, ""), (Status.FEASIBLE,
                      "Layak secara teknis; biaya disesuaikan dengan standar harga satuan 2027.")],
    Status.INFEASIBLE: [(Status.SUBMITTED, ""), (Status.APPROVED, ""), (Status.INFEASIBLE,
                        "Ruas ini kewenangan provinsi (jalan nasional/provinsi), tidak dapat didanai APBD kota.")],
    Status.SELECTED: [(Status.SUBMITTED, ""), (Status.APPROVED, ""), (Status.FEASIBLE, ""), (Status.SELECTED, "")],
    Status.NOT_SELECTED: [(Status.SUBMITTED, ""), (Status.APPROVED, ""), (Status.FEASIBLE, ""),
                          (Status.NOT_SELECTED, "Suara tidak cukup untuk masuk dalam pagu.")],
    Status.IN_PROGRESS: [(Status.SUBMITTED, ""), (Status.APPROVED, ""), (Status.FEASIBLE, ""), (Status.SELECTED, ""),
                         (Status.IN_PROGRESS, "Kontrak ditandatangani, pekerjaan dimulai.")],
    Status.COMPLETED: [(Status.SUBMITTED, ""), (Status.APPROVED, ""), (Status.FEASIBLE, ""), (Status.SELECTED, ""),
                       (Status.IN_PROGRESS, ""), (Status.COMPLETED, "Pekerjaan selesai dan diserahterimakan.")],
}

# Per kelurahan in the small demo: the statuses of its proposals in each round.
STATUSES_2027 = [Status.FEASIBLE, Status.FEASIBLE, Status.FEASIBLE, Status.INFEASIBLE, Status.REJECTED,
                 Status.MERGED, Status.NEEDS_CHANGES, Status.HIDDEN]
STATUSES_2026 = [Status.SELECTED, Status.SELECTED, Status.NOT_SELECTED, Status.NOT_SELECTED, Status.COMPLETED,
                 Status.IN_PROGRESS, Status.INFEASIBLE]
STATUSES_2028 = [Status.SUBMITTED, Status.SUBMITTED, Status.APPROVED, Status.DRAFT]


def _history_rows(proposals: list[Proposal], moderator: User | None, verifikator: User | None) -> list[StatusChange]:
    rows = []
    for proposal in proposals:
        previous = Status.DRAFT
        rows.append(StatusChange(proposal=proposal, from_status="", to_status=Status.DRAFT, actor=proposal.proposer))
        for to_status, reason in HISTORY[proposal.status]:
            actor = proposal.proposer if to_status == Status.SUBMITTED else (
                verifikator if to_status in {Status.FEASIBLE, Status.INFEASIBLE} else moderator)
            rows.append(StatusChange(proposal=proposal, from_status=previous, to_status=to_status, reason=reason, actor=actor))
            previous = to_status
    return rows


def _fit(cost: int, budget: int, rng: random.Random) -> int:
    """A final cost that fits a share of the area's budget (rounded to a million rupiah)."""
    ceiling = max(budget // 3, 50_000_000)
    return min(cost, ceiling) // 1_000_000 * 1_000_000 or 50_000_000


def _seed_round(round_: Round, areas: dict[str, Area], statuses: list[str], *, rng: random.Random,
                residents: list[User], proposers: dict[str, User], categories: dict[str, Category],
                moderator: User, verifikator: User, now: dt.datetime, per_kelurahan: int | None = None,
                kecamatan_level: bool = True) -> list[Proposal]:
    proposals: list[Proposal] = []
    for code, places in PLACES.items():
        area = areas[code]
        count = per_kelurahan or len(statuses)
        for n in range(count):
            status = statuses[n % len(statuses)]
            proposer = proposers.get(code) if n == 0 else rng.choice(residents)
            proposals.append(_proposal(round_, area, places[n % len(places)], rng, proposer, categories,
                                       status=status, now=now))
    if kecamatan_level:
        for code in KECAMATAN_CENTRES:
            kel = [c for c in PLACES if c.startswith(code)]
            place = rng.choice(PLACES[rng.choice(kel)])
            for status in (Status.FEASIBLE, Status.APPROVED) if round_.phase != Phase.SUBMISSION else (Status.SUBMITTED,):
                proposals.append(_proposal(round_, areas[code], place, rng, rng.choice(residents), categories,
                                           status=status, now=now))
        # City-wide projects are larger: a few, for the Kota Balikpapan pot.
        statuses = (Status.FEASIBLE,) * 4 + (Status.APPROVED,) if round_.phase != Phase.SUBMISSION else (Status.SUBMITTED,)
        for status in statuses:
            place = rng.choice(PLACES[rng.choice(list(PLACES))])
            proposal = _proposal(round_, areas[CITY_CODE], place, rng, rng.choice(residents), categories,
                                 status=status, now=now)
            proposal.estimated_cost *= 10
            proposals.append(proposal)
    for proposal in proposals:
        if proposal.status in {Status.FEASIBLE, Status.SELECTED, Status.NOT_SELECTED, Status.IN_PROGRESS, Status.COMPLETED}:
            proposal.final_cost = _fit(proposal.estimated_cost, proposal.area.budget, rng)
    Proposal.objects.bulk_create(proposals, batch_size=2000)
    by_area: dict[int, list[Proposal]] = {}
    for proposal in proposals:
        by_area.setdefault(proposal.area_id, []).append(proposal)
    for group in by_area.values():  # a merged proposal points at a live one of its area
        live = next((p for p in group if p.status in {Status.FEASIBLE, Status.APPROVED, Status.SUBMITTED}), None)
        for proposal in group:
            if proposal.status == Status.MERGED and live is not None:
                proposal.merged_into = live
    Proposal.objects.bulk_update([p for p in proposals if p.merged_into_id], ["merged_into"], batch_size=2000)
    StatusChange.objects.bulk_create(_history_rows(proposals, moderator, verifikator), batch_size=5000)
    rows_changed(Proposal, StatusChange)
    return proposals


def _interactions(proposals: list[Proposal], residents: list[User], rng: random.Random, *, max_supports: int,
                  comments: bool) -> None:
    supports, follows, notes = [], [], []
    by_kelurahan: dict[str, list[User]] = {}
    for resident in residents:
        by_kelurahan.setdefault(resident.kelurahan_id, []).append(resident)
    for proposal in proposals:
        if proposal.status in {Status.DRAFT, Status.HIDDEN, Status.NEEDS_CHANGES, Status.SUBMITTED}:
            continue
        pool = by_kelurahan.get(proposal.area.code, []) if proposal.area.level == AreaLevel.KELURAHAN else residents
        for user in rng.sample(pool, min(len(pool), rng.randint(0, max_supports))):
            supports.append(Support(proposal=proposal, user=user))
        if proposal.proposer_id:
            follows.append(Follow(proposal=proposal, user_id=proposal.proposer_id))
        if comments and rng.random() < 0.6:
            for user in rng.sample(residents, rng.randint(1, 2)):
                notes.append(Comment(proposal=proposal, author=user, body=rng.choice(COMMENTS)))
    Support.objects.bulk_create(supports, batch_size=5000, ignore_conflicts=True)
    Follow.objects.bulk_create(follows, batch_size=5000, ignore_conflicts=True)
    Comment.objects.bulk_create(notes, batch_size=5000)
    rows_changed(Support, Follow, Comment)


def seed(*, users: dict[str, User], size: str, stdout) -> None:
    rng = random.Random(2027)
    now = timezone.now()
    categories = {c.slug: c for c in Category.objects.all()}
    verifikator = users["verifikator@demo.local"]
    for slug in ("jalan-jembatan", "drainase-banjir"):
        categories[slug].verifikators.add(verifikator)
    moderator = users["lpm@demo.local"]
    residents = _residents(400 if size == "large" else 120, rng)
    proposers = {"64.71.05.1006": users["warga@demo.local"], "64.71.03.1001": users["warga2@demo.local"]}

    round_2026 = _round_create(slug="ap-2026", name="Anggaran Partisipatif 2026", year=2026, phase=Phase.RESULTS,
                               now=now, description="Putaran tahun lalu: hasil sudah diumumkan dan proyek terpilih sedang dikerjakan.")
    round_2027 = _round_create(slug="ap-2027", name="Anggaran Partisipatif 2027", year=2027, phase=Phase.VOTING,
                               now=now, description="Warga Balikpapan memilih proyek prioritas kelurahan, kecamatan, "
                                                    "dan kota untuk APBD 2027, dalam batas pagu setiap wilayah.")
    round_2028 = _round_create(slug="ap-2028", name="Anggaran Partisipatif 2028", year=2028, phase=Phase.SUBMISSION,
                               now=now, description="Pengajuan usulan untuk APBD 2028 sudah dibuka. Ajukan proyek untuk lingkungan Anda.")
    if Proposal.objects.filter(round__in=[round_2026, round_2027, round_2028]).exists():
        stdout.write("Demo proposals already present.")
        return
    for round_, phase in ((round_2026, Phase.RESULTS), (round_2027, Phase.VOTING), (round_2028, Phase.SUBMISSION)):
        _schedule(round_, current=phase, now=now if round_ is not round_2026 else now)
    areas_2026, areas_2027, areas_2028 = (_areas(r, rng) for r in (round_2026, round_2027, round_2028))

    common = {"rng": rng, "residents": residents, "proposers": proposers, "categories": categories,
              "moderator": moderator, "verifikator": verifikator, "now": now}
    p2026 = _seed_round(round_2026, areas_2026, STATUSES_2026, **common)
    per_kelurahan = 10_000 // len(PLACES) if size == "large" else None
    p2027 = _seed_round(round_2027, areas_2027, STATUSES_2027, per_kelurahan=per_kelurahan, **common)
    p2028 = _seed_round(round_2028, areas_2028, STATUSES_2028, kecamatan_level=True, **common)
    _interactions(p2026 + p2027, residents, rng, max_supports=25 if size == "large" else 12, comments=True)
    _interactions(p2028, residents, rng, max_supports=5, comments=False)
    total = len(p2026) + len(p2027) + len(p2028)
    stdout.write(f"Demo rounds ap-2026 (results), ap-2027 (voting), ap-2028 (submission): {total} proposals.")
