"""Implementation tracking: verifikator staff post progress, the public sees the timeline, followers hear of it."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts.models import Role
from notifications.models import FanoutBatch
from proposals.models import Follow, ProgressUpdate, Status, StatusChange, Support
from proposals.progress import progress_post
from rounds.models import Phase
from tests.factories import UserFactory

from .conftest import build_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(db):
    built = build_round(slug="ap-impl", voters=20)
    built.round.phase = Phase.IMPLEMENTATION
    built.round.save()
    funded = next(p for p in built.proposals if str(p.pk) in built.snapshot.result["selected"])
    staff = UserFactory(role=Role.VERIFIKATOR)
    funded.category.verifikators.add(staff)
    funded.staff = staff
    return funded


def jpeg_with_gps() -> SimpleUploadedFile:
    image = Image.new("RGB", (64, 48), (200, 100, 50))
    exif = Image.Exif()
    exif[0x8825] = {1: "S", 2: (1.0, 14.0, 0.0), 3: "E", 4: (116.0, 51.0, 0.0)}  # GPS IFD
    exif[0x010F] = "KameraRahasia"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    with Image.open(io.BytesIO(out.getvalue())) as check:
        assert 0x8825 in check.getexif(), "the upload really carries GPS"
    return SimpleUploadedFile("foto.jpg", out.getvalue(), content_type="image/jpeg")


def test_verifikator_posts_progress_followers_and_supporters_are_notified(project):
    follower, supporter, both = UserFactory(), UserFactory(), UserFactory()
    Follow.objects.create(proposal=project, user=follower)
    Follow.objects.create(proposal=project, user=both)
    Support.objects.create(proposal=project, user=supporter)
    Support.objects.create(proposal=project, user=both)
    Follow.objects.create(proposal=project, user=project.staff)  # the author is not told about their own post

    update = progress_post(author=project.staff, proposal=project, status=Status.IN_PROGRESS, percent=40,
                           spent=120_000_000, note="Pengecoran 40 meter pertama selesai.")
    project.refresh_from_db()
    assert update.percent == 40 and project.status == Status.IN_PROGRESS
    assert StatusChange.objects.filter(proposal=project, to_status=Status.IN_PROGRESS).exists()
    batch = FanoutBatch.objects.get(kind="project_progress")
    assert sorted(batch.recipient_ids) == sorted([follower.pk, supporter.pk, both.pk])
    assert batch.context["percent"] == 40 and batch.url == reverse("dashboard:project", args=[project.pk])


def test_completed_means_one_hundred_percent(project):
    with pytest.raises(ValidationError):
        progress_post(author=project.staff, proposal=project, status=Status.COMPLETED, percent=90, spent=1, note="")
    with pytest.raises(ValidationError):
        progress_post(author=project.staff, proposal=project, status=Status.SELECTED, percent=10, spent=1, note="")
    with pytest.raises(ValidationError):
        progress_post(author=project.staff, proposal=project, status=Status.IN_PROGRESS, percent=101, spent=1, note="")
    assert not ProgressUpdate.objects.exists()


def test_only_the_categorys_verifikator_may_post(project):
    for user in [UserFactory(role=Role.VERIFIKATOR), UserFactory(role=Role.COUNCIL), UserFactory()]:
        with pytest.raises(PermissionDenied):
            progress_post(author=user, proposal=project, status=Status.IN_PROGRESS, percent=5, spent=0, note="")


def test_photo_is_re_encoded_without_exif(project, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    update = progress_post(author=project.staff, proposal=project, status=Status.IN_PROGRESS, percent=10, spent=0,
                           note="", photo=jpeg_with_gps())
    with Image.open(update.photo.path) as saved:
        exif = saved.getexif()
        assert 0x8825 not in exif and 0x010F not in exif
    assert b"KameraRahasia" not in open(update.photo.path, "rb").read()


def test_the_form_posts_and_the_public_page_shows_the_timeline(client, project, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(project.staff)
    url = reverse("dashboard:progress_post", args=[project.pk])
    response = client.post(url, {"status": "in_progress", "percent": "35", "spent": "Rp 150.000.000",
                                 "note": "Saluran sisi kiri selesai.", "photo": jpeg_with_gps()})
    assert response.status_code == 302
    client.post(url, {"status": "completed", "percent": "100", "spent": "290.000.000", "note": "Serah terima."})
    client.logout()
    page = client.get(reverse("dashboard:project", args=[project.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Saluran sisi kiri selesai." in html and "Serah terima." in html
    assert "Rp290.000.000" in html and "Rp150.000.000" in html
    assert html.index("Serah terima.") < html.index("Saluran sisi kiri selesai."), "newest first"


@pytest.mark.parametrize("data", [
    {"status": "completed", "percent": "50", "spent": "1.000"},
    {"status": "in_progress", "percent": "-1", "spent": "1.000"},
    {"status": "in_progress", "percent": "10", "spent": "satu juta"},
    {"status": "hidden", "percent": "10", "spent": "0"},
    {"status": "in_progress", "percent": "10", "spent": "0", "photo": SimpleUploadedFile("x.jpg", b"<svg></svg>")},
    {},
])
def test_bad_input_gives_a_form_error_not_a_500(client, project, data):
    client.force_login(project.staff)
    response = client.post(reverse("dashboard:progress_post", args=[project.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not ProgressUpdate.objects.exists()
