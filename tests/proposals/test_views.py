"""Pages: fixed query counts, uploads, escaping, access (403/404), and a form that never 500s."""

import io

import pytest
from django.urls import reverse
from PIL import ExifTags, Image

from accounts.models import Role
from proposals.models import Comment, Proposal, ProposalPhoto, Status, StatusChange, Support
from tests.factories import AreaFactory, ProposalFactory, RoundFactory, UserFactory, _kelurahan, category_get

pytestmark = pytest.mark.django_db
XSS = "<script>alert(1)</script>"

# Pinned: the same whatever the number of proposals (see the report for what each query is).
LIST_QUERIES = 6         # rounds, areas of the round, categories, count, page, photos
DETAIL_QUERIES = 7       # proposal with counts, its kelurahan and kecamatan, photos, status history, comments,
#                          journey steps, carry-overs
QUEUE_QUERIES = 9        # (second page: session, user and unread count from the shared cache)
#                          moderated kelurahan and kecamatan (the rules), count, page; the LPM menu
#                          (balikpapan_pb.worklist): the round under way, the officer's kelurahan
#                          and kecamatan, their forums, the paper-ballot areas


def make_many(count: int, *, status=Status.APPROVED, round_=None):
    round_ = round_ or RoundFactory(phase="support")
    area = AreaFactory(round=round_)
    proposer = UserFactory()
    proposals = ProposalFactory.create_batch(count, area=area, round=round_, proposer=proposer, status=status)
    supporters = UserFactory.create_batch(3)
    Support.objects.bulk_create(Support(proposal=p, user=u) for p in proposals for u in supporters)
    return round_, area, proposals


@pytest.mark.parametrize("count", [5, 200])
def test_list_runs_a_fixed_number_of_queries(client, django_assert_num_queries, count):
    round_, _area, _proposals = make_many(count)
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(reverse("proposals:list"), {"putaran": round_.slug, "urut": "dukungan"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == count


@pytest.mark.parametrize("count", [5, 200])
def test_detail_runs_a_fixed_number_of_queries(client, django_assert_num_queries, count):
    round_, _area, proposals = make_many(count)
    proposal = proposals[0]
    commenters = UserFactory.create_batch(3)
    Comment.objects.bulk_create(Comment(proposal=proposal, author=commenters[n % 3], body=f"Komentar {n}") for n in range(count))
    StatusChange.objects.bulk_create(StatusChange(proposal=proposal, from_status="submitted", to_status="approved")
                                     for _ in range(count))
    with django_assert_num_queries(DETAIL_QUERIES):
        response = client.get(proposal.get_absolute_url())
    assert response.status_code == 200
    assert f"{count} komentar" in response.content.decode()


@pytest.mark.parametrize("count", [5, 200])
def test_moderation_queue_runs_a_fixed_number_of_queries(client, django_assert_num_queries, count):
    round_, area, _proposals = make_many(count, status=Status.SUBMITTED, round_=RoundFactory(phase="submission"))
    moderator = UserFactory(role=Role.MODERATOR)
    moderator.moderated_kelurahan.add(area.kelurahan)
    client.force_login(moderator)
    client.get(reverse("proposals:moderation"))  # the session, the user and the unread count reach the cache
    with django_assert_num_queries(QUEUE_QUERIES):
        response = client.get(reverse("proposals:moderation"))
    assert response.status_code == 200
    assert response.context["page"].paginator.count == count


def test_a_moderator_sees_only_their_kelurahan(client):
    round_ = RoundFactory(phase="submission")
    mine = ProposalFactory(area=AreaFactory(round=round_), title="Drainase Jl. Syarifuddin Yoes")
    other_area = AreaFactory(round=round_, kelurahan=_kelurahan("64.71.03.1001"))
    theirs = ProposalFactory(area=other_area, round=round_, title="Jalan Batu Ampar")
    moderator = UserFactory(role=Role.MODERATOR)
    moderator.moderated_kelurahan.add(mine.area.kelurahan)
    client.force_login(moderator)
    page = client.get(reverse("proposals:moderation")).content.decode()
    assert mine.title in page and theirs.title not in page
    assert client.get(reverse("proposals:moderate", args=[theirs.pk])).status_code == 403
    response = client.post(reverse("proposals:moderate", args=[theirs.pk]), {"action": "approve"})
    assert response.status_code == 403
    theirs.refresh_from_db()
    assert theirs.status == Status.SUBMITTED


def test_moderation_form_approves_and_requires_a_reason_to_reject(client):
    proposal = ProposalFactory(area=AreaFactory(round=RoundFactory(phase="submission")))
    moderator = UserFactory(role=Role.MODERATOR)
    moderator.moderated_kelurahan.add(proposal.area.kelurahan)
    client.force_login(moderator)
    url = reverse("proposals:moderate", args=[proposal.pk])
    response = client.post(url, {"action": "reject", "reason": ""})
    assert response.status_code == 200 and "Alasan wajib diisi" in response.content.decode()
    assert client.post(url, {"action": "approve"}).status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == Status.APPROVED


def test_access_bad_ids_anonymous_and_forbidden(client):
    resident = UserFactory()
    assert client.get("/usulan/999999/").status_code == 404
    assert client.get("/usulan/999999/moderasi/").status_code == 302  # anonymous: to the login page
    assert client.get(reverse("proposals:moderation")).status_code == 302
    assert client.get("/putaran/tidak-ada/").status_code == 404
    client.force_login(resident)
    assert client.get("/usulan/999999/").status_code == 404
    assert client.get(reverse("proposals:moderation")).status_code == 403
    assert client.get(reverse("proposals:valuation")).status_code == 403
    submitted = ProposalFactory()  # pre-moderated: not public yet
    assert client.get(submitted.get_absolute_url()).status_code == 403
    round_ = RoundFactory(phase="voting")
    assert client.get(reverse("proposals:create", args=[round_.slug])).status_code == 403
    assert client.post(reverse("rounds:advance", args=[round_.slug])).status_code == 403


def test_list_filters_search_and_bad_parameters(client):
    round_ = RoundFactory(phase="support")
    area = AreaFactory(round=round_)
    ProposalFactory(area=area, round=round_, status=Status.APPROVED, title="Normalisasi drainase Sungai Ampal")
    ProposalFactory(area=area, round=round_, status=Status.APPROVED, title="Lampu jalan Jl. Pramuka",
                    category=category_get("taman-rth"))
    ProposalFactory(area=area, round=round_, status=Status.DRAFT, title="Draf rahasia")
    url = reverse("proposals:list")
    page = client.get(url, {"putaran": round_.slug}).content.decode()
    assert "Sungai Ampal" in page and "Pramuka" in page and "Draf rahasia" not in page
    page = client.get(url, {"putaran": round_.slug, "q": "drainase ampal"}).content.decode()
    assert "Sungai Ampal" in page and "Pramuka" not in page
    page = client.get(url, {"putaran": round_.slug, "kategori": "taman-rth"}).content.decode()
    assert "Pramuka" in page and "Sungai Ampal" not in page
    for bad in ({"wilayah": "abc"}, {"status": "x"}, {"urut": "'; drop"}, {"halaman": "-1"}, {"q": "a" * 500},
                {"q": "!!! & | :*"}, {"putaran": "tidak-ada"}):
        assert client.get(url, {"putaran": round_.slug, **bad}).status_code == 200


def test_user_input_is_escaped_everywhere(client):
    round_ = RoundFactory(phase="submission")
    area = AreaFactory(round=round_)
    proposer = UserFactory(full_name=XSS)
    proposal = ProposalFactory(area=area, round=round_, status=Status.APPROVED, proposer=proposer, title=XSS,
                               description=XSS, address=XSS, rt="1", rw="2")
    Comment.objects.create(proposal=proposal, author=proposer, body=XSS)
    StatusChange.objects.create(proposal=proposal, from_status="submitted", to_status="approved", reason=XSS)
    hidden = ProposalFactory(area=area, round=round_, status=Status.SUBMITTED, title=XSS, description=XSS)
    pages = [client.get(proposal.get_absolute_url()), client.get(reverse("proposals:list"), {"putaran": round_.slug})]
    moderator = UserFactory(role=Role.MODERATOR)
    moderator.moderated_kelurahan.add(area.kelurahan)
    client.force_login(moderator)
    pages += [client.get(reverse("proposals:moderation")), client.get(reverse("proposals:moderate", args=[hidden.pk]))]
    for response in pages:
        body = response.content.decode()
        assert response.status_code == 200
        assert XSS not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


# --- the submission form --------------------------------------------------------------------------

def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (640, 480), (30, 120, 80))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Kamera Warga"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "S"
    gps[ExifTags.GPS.GPSLatitude] = (1.0, 14.0, 30.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (116.0, 51.0, 10.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test photo has GPS
    return data


def png(size=(64, 64), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, format="PNG")
    return out.getvalue()


def upload(name: str, data: bytes, content_type: str = "image/jpeg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def submission(client):
    round_ = RoundFactory(phase="submission")
    area = AreaFactory(round=round_)
    resident = UserFactory()
    client.force_login(resident)

    def post(photos=(), **overrides):
        data = {"title": "Drainase Jl. Syarifuddin Yoes", "category": "jalan-jembatan", "area": area.pk,
                "description": "Banjir setiap hujan.", "estimated_cost": "Rp 1.250.000", "address": "Jl. Syarifuddin Yoes",
                "rt": "012", "rw": "003", "aksi": "ajukan", **overrides}
        category_get("jalan-jembatan")
        if photos:
            data["photos"] = list(photos)
        return client.post(reverse("proposals:create", args=[round_.slug]), data)

    post.round, post.area, post.resident = round_, area, resident
    return post


def test_the_form_defaults_to_the_residents_kelurahan(client, submission):
    response = client.get(reverse("proposals:create", args=[submission.round.slug]))
    assert response.context["form"].fields["area"].initial == submission.area.pk


def test_a_proposal_with_a_photo_and_a_pin_is_submitted_and_exif_gps_is_gone(submission):
    response = submission(photos=[upload("IMG_2026.jpg", jpeg_with_gps())], latitude="-1.2401", longitude="116.8705")
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert (proposal.status, proposal.estimated_cost, proposal.latitude) == (Status.SUBMITTED, 1_250_000, -1.2401)
    photo = ProposalPhoto.objects.get(proposal=proposal)
    for stored in (photo.image, photo.thumbnail):
        with Image.open(stored.path) as image:
            exif = image.getexif()
            assert not exif.get_ifd(ExifTags.IFD.GPSInfo)
            assert ExifTags.Base.Make not in exif
            assert image.format == "JPEG"


@pytest.mark.parametrize(("name", "data", "content_type", "message"), [
    ("surat.jpg", b"Ini bukan foto, hanya teks.", "image/jpeg", "bukan foto"),
    ("rusak.jpg", None, "image/jpeg", "rusak atau tidak lengkap"),
    ("bom.png", "bomb", "image/png", "terlalu besar resolusinya"),
    ("bom-besar.png", "big-bomb", "image/png", "terlalu besar resolusinya"),
    ("peta.svg", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
     "image/svg+xml", "SVG"),
    ("besar.jpg", b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024 + 10), "image/jpeg", "lebih dari 5 MB"),
    ("animasi.gif", "gif", "image/gif", "tidak diterima"),
])
def test_bad_uploads_are_refused_with_a_clear_message(submission, name, data, content_type, message):
    if data is None:
        data = jpeg_with_gps()[:1500]
    elif data == "bomb":
        data = png((12_000, 12_000), "1")  # 144 megapixels in a few kilobytes
    elif data == "big-bomb":
        data = png((20_000, 20_000), "1")  # beyond Pillow's hard limit: DecompressionBombError
    elif data == "gif":
        out = io.BytesIO()
        Image.new("RGB", (10, 10)).save(out, format="GIF")
        data = out.getvalue()
    response = submission(photos=[upload(name, data, content_type)])
    assert response.status_code == 200
    errors = " ".join(str(e) for e in response.context["form"].errors.get("photos", []))
    assert message in errors and name in errors
    assert not Proposal.objects.exists()


def test_four_photos_are_too_many(submission):
    response = submission(photos=[upload(f"f{n}.png", png(), "image/png") for n in range(4)])
    assert response.status_code == 200
    assert "Paling banyak 3 foto" in str(response.context["form"].errors)


@pytest.mark.parametrize("fields", [
    {"latitude": "-0.5", "longitude": "116.8"},          # Samarinda side, north of the city
    {"latitude": "-1.25", "longitude": "116.70"},        # Penajam, across the bay
    {"latitude": "-1.24", "longitude": ""},              # half a pin
    {"latitude": "abc", "longitude": "def"},
    {"estimated_cost": "satu juta"}, {"estimated_cost": "-5"}, {"estimated_cost": "1,5"}, {"estimated_cost": "9" * 40},
    {"address": "", "latitude": "", "longitude": ""},
    {"area": "999999"}, {"area": "abc"}, {"category": "tidak-ada"}, {"title": ""}, {"rt": "abc"},
    {"title": "x" * 1000}, {"description": "\x00"},
])
def test_bad_input_is_a_form_error_never_a_500(submission, fields):
    response = submission(**fields)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Proposal.objects.exists()


@pytest.mark.parametrize("cost", ["1.250.000", "1250000", "Rp 1.250.000", "Rp1.250.000,-", "rp. 1.250.000,00"])
def test_cost_is_accepted_as_people_write_it(submission, cost):
    assert submission(estimated_cost=cost).status_code == 302
    assert Proposal.objects.get().estimated_cost == 1_250_000


def test_save_as_draft_then_edit_while_changes_are_requested(client, submission):
    assert submission(aksi="draf").status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.status == Status.DRAFT
    client.post(reverse("proposals:submit", args=[proposal.pk]))
    proposal.refresh_from_db()
    assert proposal.status == Status.SUBMITTED
    assert client.get(reverse("proposals:edit", args=[proposal.pk])).status_code == 403  # under review
    proposal.status = Status.NEEDS_CHANGES
    proposal.save()
    data = {"title": "Drainase Jl. Syarifuddin Yoes RT 12", "category": "jalan-jembatan", "area": proposal.area_id,
            "description": "Banjir setiap hujan.", "estimated_cost": "1250000", "address": "Jl. Syarifuddin Yoes",
            "aksi": "ajukan"}
    assert client.post(reverse("proposals:edit", args=[proposal.pk]), data).status_code == 302
    proposal.refresh_from_db()
    assert (proposal.status, proposal.title) == (Status.SUBMITTED, "Drainase Jl. Syarifuddin Yoes RT 12")


def test_support_comment_and_follow_through_the_pages(client):
    proposal = ProposalFactory(status=Status.APPROVED, area=AreaFactory(round=RoundFactory(phase="support")))
    neighbour = UserFactory()
    client.force_login(neighbour)
    client.post(reverse("proposals:support", args=[proposal.pk]))
    client.post(reverse("proposals:comment", args=[proposal.pk]), {"body": "Setuju!"})
    client.post(reverse("proposals:follow", args=[proposal.pk]))
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "1 dukungan" in page and "Setuju!" in page and "Batalkan dukungan" in page
    outsider = UserFactory(kelurahan=_kelurahan("64.71.03.1001"))
    client.force_login(outsider)
    assert client.post(reverse("proposals:support", args=[proposal.pk])).status_code == 403
    assert client.get(reverse("proposals:support", args=[proposal.pk])).status_code == 405


def test_round_page_shows_timeline_budgets_and_what_to_do(client):
    round_ = RoundFactory(phase="submission", name="Anggaran Partisipatif 2027")
    AreaFactory(round=round_, budget=1_250_000_000)
    page = client.get(round_.get_absolute_url()).content.decode()
    assert "Rp1.250.000.000" in page
    assert "Pengajuan usulan" in page and 'aria-current="step"' in page
    assert reverse("proposals:create", args=[round_.slug]) in page
    draft = RoundFactory(phase="draft")
    assert client.get(draft.get_absolute_url()).status_code == 403  # not public until it opens
    client.force_login(UserFactory(role=Role.ADMIN))
    assert client.get(draft.get_absolute_url()).status_code == 200


@pytest.mark.parametrize(("phase", "button", "target"), [
    ("submission", "Ajukan usulan", "create"),
    ("voting", "Pilih sekarang", "vote"),
    ("results", "Lihat hasil", "results"),
])
def test_round_page_and_home_lead_to_what_a_resident_can_do_now(client, phase, button, target):
    round_ = RoundFactory(phase=phase)
    AreaFactory(round=round_)
    url = {"create": reverse("proposals:create", args=[round_.slug]), "vote": reverse("voting:index"),
           "results": reverse("dashboard:round_results", args=[round_.slug])}[target]
    for page in (client.get(round_.get_absolute_url()), client.get("/")):
        html = page.content.decode()
        assert f'href="{url}">{button}</a>' in html
    assert reverse("voting:index") in client.get("/").content.decode()  # "Pilih" is in the navigation


def test_a_final_cost_above_the_pagu_is_flagged_and_saved_only_once_confirmed(client):
    round_ = RoundFactory(phase="review")
    area = AreaFactory(round=round_, budget=1_000_000_000)
    category = category_get()
    verifikator = UserFactory(role=Role.VERIFIKATOR)
    category.verifikators.add(verifikator)
    proposal = ProposalFactory(round=round_, area=area, category=category, status=Status.APPROVED)
    client.force_login(verifikator)
    url = reverse("proposals:valuate", args=[proposal.pk])
    response = client.post(url, {"feasible": "1", "final_cost": "99.000.000.000"})
    assert response.status_code == 400
    assert "melebihi pagu wilayah (Rp1.000.000.000)" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == Status.APPROVED and proposal.final_cost is None
    response = client.post(url, {"feasible": "1", "final_cost": "99.000.000.000", "over_pagu_confirmed": "on"})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == Status.FEASIBLE and proposal.final_cost == 99_000_000_000
