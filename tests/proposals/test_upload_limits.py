"""Upload bombs: the request size, the number of files and each file's size are checked before
any image is decoded, and the pixel count is read from the header.

The figures: 45 mostly empty 40-megapixel PNGs (about 5 MB in all, 40 MP each) once kept a
worker busy for a minute at 512 MB, decoding every file before counting them."""

import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from proposals.models import Proposal
from tests.dashboard.test_progress import project  # noqa: F401 (a fixture)
from tests.proposals.test_views import submission  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db
BOUND = 2.0  # seconds; generous: refusing is a matter of milliseconds


@pytest.fixture(scope="module")
def empty_40_megapixels() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8000, 5000)).save(out, format="PNG")  # about 120 KB
    return out.getvalue()


def pngs(data: bytes, count: int) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(f"kosong-{n}.png", data, content_type="image/png") for n in range(count)]


def timed(call):
    started = time.perf_counter()
    response = call()
    return response, time.perf_counter() - started


def test_45_forty_megapixel_pngs_are_refused_at_once_with_a_clear_message(submission, empty_40_megapixels):  # noqa: F811
    submission(title="")  # a first request loads the URLconf and templates: not what is measured
    response, seconds = timed(lambda: submission(photos=pngs(empty_40_megapixels, 45)))
    print(f"45 x 40 MP PNG refused in {seconds:.3f} s")
    assert seconds < BOUND
    assert response.status_code == 400
    text = response.content.decode()
    assert "Terlalu banyak berkas" in text and "paling banyak 3 foto" in text
    assert not Proposal.objects.exists()


def test_four_large_photos_are_counted_before_any_is_decoded(submission, empty_40_megapixels):  # noqa: F811
    response, seconds = timed(lambda: submission(photos=pngs(empty_40_megapixels, 4)))
    print(f"4 x 40 MP PNG refused in {seconds:.3f} s")
    assert seconds < BOUND
    assert response.status_code == 200
    assert "Paling banyak 3 foto" in str(response.context["form"].errors["photos"])
    assert not Proposal.objects.exists()


def test_an_oversized_file_among_three_is_refused_before_the_others_are_decoded(submission, empty_40_megapixels):  # noqa: F811
    big = SimpleUploadedFile("besar.jpg", b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024 + 10), content_type="image/jpeg")
    response, seconds = timed(lambda: submission(photos=[*pngs(empty_40_megapixels, 2), big]))
    print(f"2 x 40 MP PNG + one 5 MB file refused in {seconds:.3f} s")
    assert seconds < BOUND
    errors = str(response.context["form"].errors["photos"])
    assert "besar.jpg lebih dari 5 MB" in errors


def test_a_request_larger_than_three_photos_is_refused_before_it_is_read(client, submission):  # noqa: F811
    huge = [SimpleUploadedFile(f"besar-{n}.jpg", b"\xff\xd8\xff" + b"0" * (6 * 1024 * 1024), content_type="image/jpeg")
            for n in range(3)]
    response, seconds = timed(lambda: submission(photos=huge))
    assert seconds < BOUND
    assert response.status_code == 400
    assert "Kiriman terlalu besar" in response.content.decode()
    assert not Proposal.objects.exists()


def test_a_progress_photo_over_5_mb_is_refused_before_it_is_decoded(client, project):  # noqa: F811
    client.force_login(project.staff)
    big = SimpleUploadedFile("besar.png", b"\x89PNG\r\n\x1a\n" + b"0" * (5 * 1024 * 1024 + 10), content_type="image/png")
    response = client.post(reverse("dashboard:progress_post", args=[project.pk]),
                           {"status": "in_progress", "percent": "10", "spent": "0", "photo": big})
    assert response.status_code == 200
    assert "besar.png lebih dari 5 MB" in str(response.context["form"].errors["photo"])


def test_a_progress_post_with_many_files_gets_the_clear_page(client, project, empty_40_megapixels):  # noqa: F811
    client.force_login(project.staff)
    response, seconds = timed(lambda: client.post(reverse("dashboard:progress_post", args=[project.pk]),
                                                   {"status": "in_progress", "percent": "10", "spent": "0",
                                                    "photo": pngs(empty_40_megapixels, 45)}))
    assert seconds < BOUND
    assert response.status_code == 400 and "Terlalu banyak berkas" in response.content.decode()
