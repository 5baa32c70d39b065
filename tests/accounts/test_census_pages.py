"""The census upload page and the NIK-move desk, tried as the admin and the LPM officer would try
them with the wrong thing in hand: an Excel file, a picture, a header alone, Excel's 6,47106E+15,
a real city's 20 MB extract, an account of another kelurahan, a form sent twice."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import resolve, reverse

from accounts.census import CensusEmptyError, census_import, census_kelurahan_id, census_upload_run
from accounts.identity import nik_hash
from accounts.models import AuditEntry, CensusEntry, CensusUpload, Role
from balikpapan_pb.uploads import FORM_OVERHEAD, request_upload_limit
from tests.factories import UserFactory, make_nik
from tests.voting.conftest import BATU_AMPAR, GUNUNG_BAHAGIA
from wilayah.models import Kelurahan

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client):
    person = UserFactory(role=Role.ADMIN)
    client.force_login(person)
    return person


@pytest.fixture
def kept_census():
    """A census already in place, which no bad file may take away."""
    nik = make_nik()
    census_import(lines=["nik,kelurahan_code\n", f"{nik},{GUNUNG_BAHAGIA}\n"])
    return nik


def _upload(client, name: str, content: bytes):
    return client.post(reverse("accounts:census_upload"), {"file": SimpleUploadedFile(name, content)})


def _form_error(response) -> str:
    assert response.status_code == 200
    return " ".join(response.context["form"].errors["file"])


# --- the wrong file ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "content", "words"), [
    ("penduduk.xlsx", b"PK\x03\x04" + bytes(range(256)) * 4, "Ini berkas Excel, bukan CSV"),
    ("penduduk.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "Ini berkas Excel, bukan CSV"),
    ("ktp.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "bukan teks CSV"),
    ("kosong.csv", b"", "kosong"),
    ("judul.csv", b"nik,kelurahan_code\n", "hanya berisi baris judul"),
    ("judul-excel.csv", b"\xef\xbb\xbfnik;kelurahan_code\r\n\r\n", "hanya berisi baris judul"),
])
def test_a_wrong_file_is_refused_in_the_form_with_what_to_do_and_the_census_is_kept(
        client, admin, kept_census, name, content, words):
    assert words in _form_error(_upload(client, name, content))
    assert not CensusUpload.objects.exists()
    assert census_kelurahan_id(nik_hash(kept_census)) == GUNUNG_BAHAGIA


def test_a_file_whose_every_row_is_refused_keeps_the_previous_census_and_says_why(client, admin, kept_census):
    """Before: the import replaced the census with nothing, and the page said "selesai"."""
    body = b"nik;kelurahan_code\n6,47106E+15;64.71.05.1006\n6,47106E+15;64.71.05.1006\n123;64.71.05.1006\n"
    response = _upload(client, "excel.csv", body)
    upload = CensusUpload.objects.get()
    assert response["Location"] == reverse("accounts:census_status", args=[upload.pk])
    census_upload_run(upload_id=upload.pk)  # what the Celery task does

    upload.refresh_from_db()
    assert upload.status == CensusUpload.Status.FAILED and bytes(upload.content) == b""
    assert upload.refused_lines == {"nik_excel": "2-3", "nik": "4"}
    assert CensusEntry.objects.count() == 1 and census_kelurahan_id(nik_hash(kept_census)) == GUNUNG_BAHAGIA
    assert not AuditEntry.objects.filter(action="census.import").exclude(detail__stored=1).exists()
    page = client.get(reverse("accounts:census_status", args=[upload.pk])).content.decode()
    assert "Data penduduk sebelumnya tetap dipakai" in page
    assert "format kolom NIK sebagai Teks" in page and "2-3" in page
    assert "Unggah berkas yang sudah diperbaiki" in page
    listing = client.get(reverse("accounts:census_upload")).content.decode()
    assert "gagal" in listing


def test_the_command_refuses_an_empty_census_too_and_names_the_refused_lines(tmp_path, kept_census):
    from io import StringIO

    from django.core.management import CommandError, call_command

    path = tmp_path / "census.csv"
    path.write_text("nik,kelurahan_code\n6471051234,64.71.05.1006\n", encoding="utf-8")
    out = StringIO()
    with pytest.raises(CommandError, match="sebelumnya tetap dipakai"):
        call_command("import_census", str(path), stdout=out)
    assert "NIK tidak valid, lines 2" in out.getvalue()
    with pytest.raises(CensusEmptyError):
        census_import(lines=["nik,kelurahan_code\n"])
    assert census_kelurahan_id(nik_hash(kept_census)) == GUNUNG_BAHAGIA


def test_a_good_file_with_a_bad_nik_row_is_imported_and_the_row_named_with_grouped_counts(client, admin):
    good = [make_nik(birth=dt.date(1970 + n % 40, 1 + n % 12, 1 + n % 28)) for n in range(1200)]
    body = "nik,kelurahan_code\n" + "".join(f"{nik},{GUNUNG_BAHAGIA}\n" for nik in good) + "12345,64.71.05.1006\n"
    _upload(client, "penduduk.csv", body.encode())
    upload = CensusUpload.objects.get()
    census_upload_run(upload_id=upload.pk)
    page = client.get(reverse("accounts:census_status", args=[upload.pk])).content.decode()
    # Indonesian digit grouping, as the money is written: 1.201 rows, 1.200 stored
    assert ">1.201<" in page and ">1.200<" in page and "NIK tidak valid" in page and "1202" in page
    listing = client.get(reverse("accounts:census_upload")).content.decode()
    assert "Data penduduk saat ini: 1.200 orang." in listing and "1.200 disimpan, 1 ditolak" in listing
    assert 'accept=".csv,text/csv"' in listing  # the file picker offers CSV files first


# --- a real city's file is larger than a proposal's photos --------------------------------------------

def test_a_census_larger_than_the_sites_upload_bound_is_taken_from_the_admin_only(client, settings):
    """Before: every request above 16 MB was refused with "at most 5 MB per photo", and a city of
    700,000 people makes a 25 MB extract. The bound is shrunk here so the test sends kilobytes."""
    settings.UPLOAD_MAX_REQUEST_SIZE = 8 * 1024
    settings.UPLOAD_MAX_REQUEST_SIZE_BY_VIEW = {"accounts:census_upload": (64 * 1024, "accounts.import_census")}
    niks = [make_nik() for _ in range(1000)]
    body = ("nik,kelurahan_code\n" + "".join(f"{nik},{BATU_AMPAR}\n" for nik in niks)).encode()
    assert 8 * 1024 < len(body) < 64 * 1024

    officer, admin = UserFactory(role=Role.MODERATOR), UserFactory(role=Role.ADMIN)
    # the larger bound is the admin's: anyone else posting there meets the site's (before the
    # view answers 403: CsrfViewMiddleware reads the body first, in production)
    request = RequestFactory().post(reverse("accounts:census_upload"))
    request.resolver_match = resolve(reverse("accounts:census_upload"))
    for person, bound in ((AnonymousUser(), 8 * 1024), (officer, 8 * 1024), (admin, 64 * 1024 + FORM_OVERHEAD)):
        request.user = person
        assert request_upload_limit(request) == bound
    client.force_login(officer)
    assert _upload(client, "penduduk.csv", body).status_code in (400, 403) and not CensusUpload.objects.exists()

    client.force_login(admin)
    response = _upload(client, "penduduk.csv", body)
    assert response.status_code == 302
    assert CensusUpload.objects.get().rows_total == 1000

    too_big = body * 40  # past the file bound and the envelope around it
    refused = _upload(client, "penduduk.csv", too_big)
    text = refused.content.decode()
    assert refused.status_code == 400 and "Berkas terlalu besar" in text and "foto" not in text
    assert CensusUpload.objects.count() == 1


# --- the NIK-move desk ------------------------------------------------------------------------------

@pytest.fixture
def gunung():
    return Kelurahan.objects.get(code=GUNUNG_BAHAGIA)


@pytest.fixture
def officer(client, gunung):
    person = UserFactory(role=Role.MODERATOR)
    person.moderated_kelurahan.add(gunung)
    client.force_login(person)
    return person


def _move(client, **data):
    return client.post(reverse("accounts:nik_move"), {"confirm": "on", **data})


def test_the_desk_answers_the_same_for_no_account_and_for_an_account_of_another_kelurahan(client, officer):
    """Before: "no account with this e-mail" for one, "no account of your kelurahan" for the other,
    so an officer could learn who is registered anywhere in the city."""
    UserFactory(kelurahan=Kelurahan.objects.get(code=BATU_AMPAR), email="tetangga@example.test", nik_hash=None)
    elsewhere = _move(client, nik=make_nik(), holder="tetangga@example.test")
    nobody = _move(client, nik=make_nik(), holder="tidakada@example.test")
    assert elsewhere.status_code == nobody.status_code == 200
    assert elsewhere.context["form"].errors == nobody.context["form"].errors
    assert "Tidak ada akun warga kelurahan Anda" in elsewhere.content.decode()
    assert not AuditEntry.objects.filter(action="nik.move").exists()


def test_a_malformed_nik_and_the_same_nik_again_get_clear_messages_and_change_nothing(client, officer, gunung):
    own = make_nik()
    holder = UserFactory(kelurahan=gunung, nik_hash=nik_hash(own), email="pemilik@example.test")
    short = _move(client, nik="12345", holder="pemilik@example.test")
    assert "NIK harus tepat 16 digit" in " ".join(short.context["form"].errors["nik"])
    same = _move(client, nik=own, holder="pemilik@example.test")
    text = same.content.decode()
    assert same.status_code == 200 and "sudah memegang NIK tersebut" in text
    assert '<ul class="errorlist' not in text.split("<form", 1)[1].split("<div", 2)[1]  # a sentence, not a list
    holder.refresh_from_db()
    assert holder.nik_hash == nik_hash(own)


def test_a_move_sent_twice_moves_once_and_the_second_says_it_is_done(client, officer, gunung):
    nik = make_nik()
    squatter = UserFactory(kelurahan=gunung, nik_hash=nik_hash(nik))
    holder = UserFactory(kelurahan=gunung, nik_hash=None, birth_year=None, gender="", email="pemilik@example.test")
    first = _move(client, nik=nik, holder="pemilik@example.test")
    again = _move(client, nik=nik, holder="pemilik@example.test")  # a double tap without JavaScript, or Back
    assert first.status_code == 302
    assert again.status_code == 200 and "sudah memegang NIK tersebut" in again.content.decode()
    holder.refresh_from_db()
    squatter.refresh_from_db()
    assert holder.nik_hash == nik_hash(nik) and squatter.nik_hash is None
    assert AuditEntry.objects.filter(action="nik.move").count() == 1


# --- the resident who is not verified --------------------------------------------------------------

def test_an_unverified_residents_profile_names_her_kelurahans_lpm(client, gunung):
    client.force_login(UserFactory(kelurahan=gunung, residence_verified_at=None))
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "datanglah ke LPM Kelurahan Gunung Bahagia dengan KTP" in page
    assert "Verifikasi kode" in page
