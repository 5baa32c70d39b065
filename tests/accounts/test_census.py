"""The census check (issue 12): the city's population register as keyed NIK hashes turns
registration into verification, and an unverified account is refused a ballot."""

import datetime as dt
import logging
import shutil
import subprocess

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from accounts.census import census_import, census_kelurahan_id, decoded_lines
from accounts.identity import nik_hash
from accounts.models import AuditEntry, CensusEntry, CensusUpload, Role, User
from rounds.models import BallotType
from tests.accounts.test_registration import form_data
from tests.factories import UserFactory, make_nik
from tests.voting.conftest import BATU_AMPAR, GUNUNG_BAHAGIA, make_round, project_ids
from wilayah.models import Kelurahan
from wilayah.services import wilayah_ensure

pytestmark = pytest.mark.django_db


def _csv(tmp_path, text: str):
    path = tmp_path / "census.csv"
    path.write_text(text, encoding="utf-8")
    return path


def _run(path) -> str:
    from io import StringIO

    out = StringIO()
    call_command("import_census", str(path), stdout=out)
    return out.getvalue()


def _niks(count: int, **kwargs) -> list[str]:
    return [make_nik(birth=dt.date(1980 + n % 30, 1 + n % 12, 1 + n % 28), **kwargs) for n in range(count)]


# --- the import ---------------------------------------------------------------------------------

def test_import_stores_good_rows_and_names_refused_ones_by_line_only(tmp_path, caplog):
    good = _niks(4)
    conflicted, duplicated = make_nik(), make_nik()
    lines = [
        "nik,kelurahan_code",                     # 1
        f"{good[0]},{GUNUNG_BAHAGIA}",           # 2
        f"{good[1][:6]}.{good[1][6:]},{BATU_AMPAR}",  # 3: dots between groups are fine
        "6471051234,64.71.05.1006",               # 4: too short
        "9971050101900001,64.71.05.1006",         # 5: no such province
        f"{good[2]},64.71.99.9999",               # 6: unknown kelurahan
        f"{duplicated},{GUNUNG_BAHAGIA}",         # 7
        f"{duplicated},{GUNUNG_BAHAGIA}",         # 8: the same row again
        f"{conflicted},{GUNUNG_BAHAGIA}",         # 9
        f"{conflicted},{BATU_AMPAR}",             # 10: the same NIK elsewhere: both refused
        "",                                       # 11: blank, skipped
        f"{good[3]},{BATU_AMPAR}",                # 12
        "abcdefghijklmnop,64.71.05.1006",         # 13
    ]
    path = _csv(tmp_path, "\n".join(lines) + "\n")
    with caplog.at_level(logging.DEBUG):
        out = _run(path)
    assert "rows read: 11" in out  # the blank line is no row
    assert "stored: 4" in out
    assert "refused: 7" in out
    assert "NIK tidak valid, lines 4-5, 13" in out
    assert "kode kelurahan tidak dikenal, lines 6" in out
    assert "lines 8" in out and "lines 9-10" in out
    assert CensusEntry.objects.count() == 4
    assert census_kelurahan_id(nik_hash(good[0])) == GUNUNG_BAHAGIA
    assert census_kelurahan_id(nik_hash(good[1])) == BATU_AMPAR
    assert census_kelurahan_id(nik_hash(duplicated)) == GUNUNG_BAHAGIA
    assert census_kelurahan_id(nik_hash(conflicted)) is None
    assert census_kelurahan_id(nik_hash(good[2])) is None
    assert census_kelurahan_id(None) is None
    for nik in [*good, conflicted, duplicated, "6471051234", "9971050101900001"]:
        assert nik not in out and nik[-8:] not in out
        assert nik not in caplog.text
    audit = AuditEntry.objects.get(action="census.import")
    assert audit.detail == {"read": 11, "stored": 4, "refused": 7, "verified_accounts": 0}


def test_an_import_replaces_the_previous_census_and_a_bad_file_changes_nothing(tmp_path):
    first, second = make_nik(), make_nik()
    _run(_csv(tmp_path, f"nik,kelurahan_code\n{first},{GUNUNG_BAHAGIA}\n"))
    _run(_csv(tmp_path, f"kelurahan_code;nik\r\n{BATU_AMPAR};{second}\r\n"))  # Excel: semicolons, any order
    assert census_kelurahan_id(nik_hash(first)) is None
    assert census_kelurahan_id(nik_hash(second)) == BATU_AMPAR
    with pytest.raises(CommandError, match="nik,kelurahan_code"):
        _run(_csv(tmp_path, f"nomor,kode\n{first},{GUNUNG_BAHAGIA}\n"))
    assert list(CensusEntry.objects.values_list("nik_hash", flat=True)) == [nik_hash(second)]


def test_a_failing_import_keeps_the_previous_census(tmp_path, monkeypatch):
    """One transaction: a failure after the old rows were deleted leaves them in place."""
    from accounts import census

    kept = make_nik()
    _run(_csv(tmp_path, f"nik,kelurahan_code\n{kept},{GUNUNG_BAHAGIA}\n"))

    def broken(*, actor):
        raise RuntimeError("disk full")

    monkeypatch.setattr(census, "_verify_confirmed_accounts", broken)
    with pytest.raises(RuntimeError):
        census_import(lines=["nik,kelurahan_code\n", f"{make_nik()},{BATU_AMPAR}\n"])
    assert census_kelurahan_id(nik_hash(kept)) == GUNUNG_BAHAGIA
    assert CensusEntry.objects.count() == 1


def test_an_import_verifies_matching_accounts_registered_before_it(tmp_path):
    gunung = Kelurahan.objects.get(code=GUNUNG_BAHAGIA)
    here, elsewhere, absent = make_nik(), make_nik(), make_nik()
    matched = UserFactory(kelurahan=gunung, nik_hash=nik_hash(here), residence_verified_at=None)
    moved = UserFactory(kelurahan=gunung, nik_hash=nik_hash(elsewhere), residence_verified_at=None)
    missing = UserFactory(kelurahan=gunung, nik_hash=nik_hash(absent), residence_verified_at=None)
    out = _run(_csv(tmp_path, f"nik,kelurahan_code\n{here},{GUNUNG_BAHAGIA}\n{elsewhere},{BATU_AMPAR}\n"))
    assert "accounts verified by this census: 1" in out
    for user in (matched, moved, missing):
        user.refresh_from_db()
    assert matched.is_residence_verified
    assert not moved.is_residence_verified and not missing.is_residence_verified
    entry = AuditEntry.objects.get(action="residence.verify", target_id=str(matched.pk))
    assert entry.detail == {"method": "census", "kelurahan": GUNUNG_BAHAGIA}


def test_decoded_lines_reads_an_excel_bom_and_chunks_cut_inside_a_line_or_a_character():
    data = "\ufeffnik,kelurahan_code\n6471055203900001,64.71.05.1006\nKelurahan Ñ\n".encode()
    chunks = [data[i:i + 7] for i in range(0, len(data), 7)]
    assert list(decoded_lines(chunks)) == ["nik,kelurahan_code\n", "6471055203900001,64.71.05.1006\n", "Kelurahan Ñ\n"]


# --- registration --------------------------------------------------------------------------------

def _census(*rows: tuple[str, str]) -> None:
    census_import(lines=["nik,kelurahan_code\n", *(f"{nik},{code}\n" for nik, code in rows)])


def test_registration_listed_for_the_declared_kelurahan_is_verified(client):
    data = form_data()
    _census((data["nik"], GUNUNG_BAHAGIA))
    response = client.post(reverse("accounts:register"), data, follow=True)
    user = User.objects.get(email=data["email"])
    assert user.is_residence_verified
    assert "domisili Anda sudah terverifikasi" in response.content.decode()
    entry = AuditEntry.objects.get(action="residence.verify", target_id=str(user.pk))
    assert entry.detail["method"] == "census" and entry.actor is None


def test_registration_listed_for_another_kelurahan_is_sent_to_the_lpm(client):
    data = form_data()
    _census((data["nik"], BATU_AMPAR))
    page = client.post(reverse("accounts:register"), data, follow=True).content.decode()
    user = User.objects.get(email=data["email"])
    assert not user.is_residence_verified
    assert "mencatat NIK Anda di kelurahan lain" in page and "LPM Kelurahan Gunung Bahagia dengan KTP" in page
    assert not AuditEntry.objects.filter(action="residence.verify").exists()


def test_registration_absent_from_the_census_stays_unverified_and_is_told_how(client):
    _census((make_nik(), GUNUNG_BAHAGIA))
    data = form_data()
    page = client.post(reverse("accounts:register"), data, follow=True).content.decode()
    assert not User.objects.get(email=data["email"]).is_residence_verified
    assert "kode undangan dari Ketua RT di halaman Profil" in page and "LPM kelurahan Anda" in page


# --- an unverified account and the ballot ---------------------------------------------------------

def test_new_rounds_require_a_verified_residence():
    from rounds.models import Round

    assert Round._meta.get_field("requires_verified_residence").default is True
    wilayah_ensure()
    assert make_round(slug="ap-default").requires_verified_residence


def test_an_unverified_account_is_refused_a_ballot_page_and_a_post_with_the_way_to_get_verified(client):
    round_ = make_round(ballot_type=BallotType.APPROVAL, slug="ap-unverified")
    area = round_.test_areas["kel"]
    resident = UserFactory(kelurahan=Kelurahan.objects.get(code=GUNUNG_BAHAGIA), residence_verified_at=None)
    client.force_login(resident)
    url = reverse("voting:ballot", args=[round_.slug, area.pk])
    page = client.get(url)
    assert page.status_code == 403
    text = page.content.decode()
    assert "Domisili Anda belum diverifikasi" in text and "kode undangan dari RT di halaman Profil" in text
    assert "LPM Kelurahan Gunung Bahagia dengan KTP" in text
    posted = client.post(url, {"choice": project_ids(area)[:1], "confirm": "1"})
    assert posted.status_code == 403 and "Domisili Anda belum diverifikasi" in posted.content.decode()
    from voting.models import Participation

    assert not Participation.objects.exists()


def test_switching_verification_off_needs_a_reason_shown_on_the_round_page(client):
    from django.core.exceptions import ValidationError

    from rounds.services import round_save

    round_ = make_round(slug="ap-open")
    round_.requires_verified_residence = False
    with pytest.raises(ValidationError) as error:
        round_save(round_=round_, actor=None)
    assert "residence_open_reason" in error.value.message_dict
    round_.residence_open_reason = "Uji coba di satu RT dengan kartu suara yang dibagikan langsung."
    round_save(round_=round_, actor=None)
    page = client.get(round_.get_absolute_url()).content.decode()
    assert "Uji coba di satu RT dengan kartu suara yang dibagikan langsung." in page
    audit = AuditEntry.objects.filter(action="round.save").latest("created_at")
    assert audit.detail["requires_verified_residence"] == [True, False]


def test_the_admin_form_refuses_switching_verification_off_without_a_reason(client):
    admin = UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True)
    round_ = make_round(slug="ap-admin", phase="draft")
    client.force_login(admin)
    url = reverse("admin:rounds_round_change", args=[round_.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form.initial.get(name, "") for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    for prefix in ("schedule", "areas"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data.pop("requires_verified_residence", None)  # unticked
    response = client.post(url, data)
    assert response.status_code == 200  # the form again, with the error
    assert "Tuliskan alasan" in response.content.decode()
    round_.refresh_from_db()
    assert round_.requires_verified_residence


# --- the admin's upload ---------------------------------------------------------------------------

def test_only_the_admin_role_may_upload_a_census(client):
    url = reverse("accounts:census_upload")
    assert client.get(url).status_code == 302  # sign in first
    officer = UserFactory(role=Role.MODERATOR)
    staff_citizen = UserFactory(role=Role.CITIZEN, is_staff=True)
    for person in (officer, staff_citizen):
        client.force_login(person)
        assert client.get(url).status_code == 403
        assert client.post(url, {"file": b""}).status_code == 403
    client.force_login(UserFactory(role=Role.ADMIN))
    assert client.get(url).status_code == 200


def test_the_upload_page_is_linked_from_the_admins_start():
    from balikpapan_pb.worklist import work_links

    admin = UserFactory(role=Role.ADMIN)
    assert reverse("accounts:census_upload") in [link.url for link in work_links(admin)]
    officer = UserFactory(role=Role.MODERATOR)
    assert reverse("accounts:census_upload") not in [link.url for link in work_links(officer)]


def test_a_file_without_the_columns_is_refused_in_the_form(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(UserFactory(role=Role.ADMIN))
    response = client.post(reverse("accounts:census_upload"),
                           {"file": SimpleUploadedFile("x.csv", b"a,b\n1,2\n", content_type="text/csv")})
    assert response.status_code == 200 and "nik,kelurahan_code" in response.content.decode()
    assert not CensusUpload.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_uploaded_census_is_imported_by_celery_with_progress_and_the_file_is_forgotten(client, celery_live_worker):
    import time

    from django.core.files.uploadedfile import SimpleUploadedFile

    wilayah_ensure()
    gunung = Kelurahan.objects.get(code=GUNUNG_BAHAGIA)
    niks = _niks(25_000)
    waiting = UserFactory(kelurahan=gunung, nik_hash=nik_hash(niks[0]), residence_verified_at=None)
    body = "nik,kelurahan_code\n" + "".join(f"{nik},{GUNUNG_BAHAGIA}\n" for nik in niks) + "123,64.71.05.1006\n"
    admin = UserFactory(role=Role.ADMIN)
    client.force_login(admin)
    response = client.post(reverse("accounts:census_upload"),
                           {"file": SimpleUploadedFile("census.csv", body.encode(), content_type="text/csv")})
    upload = CensusUpload.objects.get()
    assert response["Location"] == reverse("accounts:census_status", args=[upload.pk])
    assert upload.rows_total == 25_001
    seen_progress = set()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        upload.refresh_from_db()
        seen_progress.add(upload.rows_done)
        if upload.status in ("done", "failed"):
            break
        page = client.get(reverse("accounts:census_status", args=[upload.pk])).content.decode()
        assert f"dari {upload.rows_total:,} baris".replace(",", ".") in page or upload.status != "queued"
        time.sleep(0.05)
    assert upload.status == "done", upload.error
    assert (upload.stored, upload.refused, upload.verified_accounts) == (25_000, 1, 1)
    assert bytes(upload.content) == b""  # the file is gone once imported
    page = client.get(reverse("accounts:census_status", args=[upload.pk])).content.decode()
    # counts grouped the Indonesian way; refused rows named by their line number
    assert "25.000" in page and "25.001" in page and "NIK tidak valid" in page and "25002" in page
    waiting.refresh_from_db()
    assert waiting.is_residence_verified
    assert AuditEntry.objects.get(action="census.import").actor == admin


# --- no NIK in clear anywhere ---------------------------------------------------------------------

def _dump() -> str:
    settings = connection.settings_dict
    command = [shutil.which("pg_dump") or "pg_dump", "--data-only", "-h", settings["HOST"] or "127.0.0.1",
               "-p", str(settings["PORT"] or 5432), "-U", settings["USER"] or "postgres", settings["NAME"]]
    env = {"PGPASSWORD": settings["PASSWORD"] or "", "PATH": "/usr/bin:/bin"}
    return subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout


@pytest.mark.django_db(transaction=True)
def test_after_import_registration_and_a_dispute_no_nik_is_in_the_database_output_or_logs(client, tmp_path, caplog):
    wilayah_ensure()
    niks = _niks(30)
    taken = niks[0]
    bad = "6471059999990001"  # a malformed row: its digits must not be echoed either
    path = _csv(tmp_path, "nik,kelurahan_code\n" + "".join(f"{nik},{GUNUNG_BAHAGIA}\n" for nik in niks)
                + f"{bad},{GUNUNG_BAHAGIA}\n" + f"{niks[1]},64.71.99.9999\n")
    with caplog.at_level(logging.DEBUG):
        out = _run(path)
        squatter = UserFactory(kelurahan=Kelurahan.objects.get(code=BATU_AMPAR), nik_hash=nik_hash(taken))
        client.post(reverse("accounts:register"), form_data(nik=niks[2], email="a@example.test", phone=""))
        client.logout()
        client.post(reverse("accounts:register"), form_data(nik=taken, email="holder@example.test", phone="",
                                                             nik_taken="on"))
        client.logout()
        officer = UserFactory(role=Role.MODERATOR)
        officer.moderated_kelurahan.add(Kelurahan.objects.get(code=GUNUNG_BAHAGIA))
        client.force_login(officer)
        moved = client.post(reverse("accounts:nik_move"), {"nik": taken, "holder": "holder@example.test",
                                                            "confirm": "on"})
        assert moved.status_code == 302
    squatter.refresh_from_db()
    assert squatter.nik_hash is None
    assert User.objects.get(email="a@example.test").is_residence_verified
    dump = _dump()
    assert "accounts_censusentry" in dump and nik_hash(niks[5]) in dump  # the dump holds the census, hashed
    for nik in [*niks, bad]:
        assert nik not in dump, "a NIK in clear in the database"
        assert nik not in out and nik not in caplog.text
    assert "tidak valid" in out or "NIK" in out


# --- a disputed NIK at the LPM desk ----------------------------------------------------------------

@pytest.fixture
def gunung():
    return Kelurahan.objects.get(code=GUNUNG_BAHAGIA)


@pytest.fixture
def officer(gunung):
    person = UserFactory(role=Role.MODERATOR)
    person.moderated_kelurahan.add(gunung)
    return person


def _holder_registers(client, nik: str) -> User:
    data = form_data(nik=nik, email="pemilik@example.test", phone="")
    page = client.post(reverse("accounts:register"), data)
    assert page.status_code == 200
    assert "sudah terdaftar pada akun lain" in page.content.decode() and "LPM" in page.content.decode()
    assert 'name="nik_taken"' in page.content.decode()
    done = client.post(reverse("accounts:register"), {**data, "nik_taken": "on"}, follow=True)
    assert "tanpa NIK" in done.content.decode()
    client.logout()
    holder = User.objects.get(email="pemilik@example.test")
    assert holder.nik_hash is None and holder.birth_year is None
    client.force_login(holder)
    assert "Akun Anda belum memiliki NIK" in client.get(reverse("accounts:profile")).content.decode()
    client.logout()
    return holder


def test_the_holder_of_a_taken_nik_gets_it_back_at_the_desk(client, officer, gunung):
    from notifications.models import Notification
    from voting import services as voting

    nik = make_nik(birth=dt.date(1992, 4, 5), female=True)
    squatter = UserFactory(kelurahan=gunung, nik_hash=nik_hash(nik), gender="P")
    round_ = make_round(ballot_type=BallotType.APPROVAL, slug="ap-dispute")
    area = round_.test_areas["kel"]
    voting.ballot_cast(voter=squatter, area=area, choices=project_ids(area)[:1])
    holder = _holder_registers(client, nik)

    client.force_login(officer)
    response = client.post(reverse("accounts:nik_move"), {"nik": nik, "holder": "pemilik@example.test",
                                                          "confirm": "on"})
    assert response.status_code == 302
    holder.refresh_from_db()
    squatter.refresh_from_db()
    assert holder.nik_hash == nik_hash(nik) and holder.gender == "P" and holder.birth_year == 1992
    assert squatter.nik_hash is None and squatter.birth_year is None and not squatter.is_residence_verified
    ok, reason = voting.voter_eligibility(user=squatter, area=area)
    assert not ok
    notice = Notification.objects.get(recipient=squatter, kind="nik_moved")
    assert notice.kind == "nik_moved"
    audit = AuditEntry.objects.get(action="nik.move")
    assert audit.actor == officer and audit.detail["from_account"] == squatter.pk
    assert nik not in str(audit.detail) and nik not in str(AuditEntry.objects.get(action="nik.removed").detail)
    # the ballot cast under the NIK stays counted, and nobody reaches it: not the holder either
    from voting.models import Participation

    participation = Participation.objects.get(area=area)
    assert participation.detached and participation.user is None
    client.force_login(holder)
    page = client.get(reverse("voting:ballot", args=[round_.slug, area.pk]))
    assert page.status_code == 403


def test_the_desk_refuses_moving_a_nik_for_anyone_but_the_holders_lpm_officer(client, gunung):
    nik = make_nik()
    squatter = UserFactory(kelurahan=Kelurahan.objects.get(code=BATU_AMPAR), nik_hash=nik_hash(nik))
    holder = _holder_registers(client, nik)
    url = reverse("accounts:nik_move")
    data = {"nik": nik, "holder": "pemilik@example.test", "confirm": "on"}

    stranger = UserFactory(role=Role.CITIZEN)
    client.force_login(stranger)
    assert client.post(url, data).status_code == 403

    superuser = UserFactory(role=Role.ADMIN, is_superuser=True, is_staff=True)
    client.force_login(superuser)
    refused = client.post(url, data)
    assert refused.status_code == 200 and "Tidak ada akun warga kelurahan Anda" in refused.content.decode()

    other_officer = UserFactory(role=Role.MODERATOR)
    other_officer.moderated_kelurahan.add(Kelurahan.objects.get(code=BATU_AMPAR))
    client.force_login(other_officer)
    refused = client.post(url, data)
    assert refused.status_code == 200 and "Tidak ada akun warga kelurahan Anda" in refused.content.decode()

    from django.core.exceptions import PermissionDenied

    from accounts import disputes
    from accounts.nik import parse_nik

    for person in (stranger, superuser, other_officer):
        with pytest.raises(PermissionDenied):
            disputes.nik_move(officer=person, nik=parse_nik(nik), holder=holder)
    squatter.refresh_from_db()
    holder.refresh_from_db()
    assert squatter.nik_hash == nik_hash(nik) and holder.nik_hash is None
    assert not AuditEntry.objects.filter(action="nik.move").exists()


def test_the_desk_does_not_give_a_second_nik_to_an_account(client, officer, gunung):
    own = make_nik()
    holder = UserFactory(kelurahan=gunung, nik_hash=nik_hash(own), email="punya@example.test")
    other = make_nik()
    UserFactory(kelurahan=gunung, nik_hash=nik_hash(other))
    client.force_login(officer)
    page = client.post(reverse("accounts:nik_move"), {"nik": other, "holder": "punya@example.test", "confirm": "on"})
    assert page.status_code == 200 and "sudah memiliki NIK lain" in page.content.decode()
    holder.refresh_from_db()
    assert holder.nik_hash == nik_hash(own)



def test_the_demo_shows_a_verified_resident_who_votes_and_an_unverified_one_who_is_told_what_to_do(client):
    from accounts.demo import seed_users

    users = seed_users()
    round_ = make_round(ballot_type=BallotType.APPROVAL, slug="ap-demo-check")
    area = round_.test_areas["kel"]
    url = reverse("voting:ballot", args=[round_.slug, area.pk])
    client.force_login(users["warga@demo.local"])
    assert client.get(url).status_code == 200
    client.force_login(users["warga3@demo.local"])
    page = client.get(url)
    assert page.status_code == 403 and "kode undangan dari RT di halaman Profil" in page.content.decode()
    # the demo census lists the verified residents, not the unverified one
    assert census_kelurahan_id(users["warga@demo.local"].nik_hash) == GUNUNG_BAHAGIA
    assert census_kelurahan_id(users["warga3@demo.local"].nik_hash) is None


def test_a_nik_nobody_holds_is_recorded_on_the_holders_account(officer, gunung):
    from accounts import disputes
    from accounts.nik import parse_nik

    holder = UserFactory(kelurahan=gunung, nik_hash=None, birth_year=None, gender="")
    nik = make_nik(birth=dt.date(1975, 6, 1))
    assert disputes.nik_move(officer=officer, nik=parse_nik(nik), holder=holder) is None
    holder.refresh_from_db()
    assert holder.nik_hash == nik_hash(nik) and holder.birth_year == 1975
    assert AuditEntry.objects.get(action="nik.move").detail["from_account"] is None
