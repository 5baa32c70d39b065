"""Forums: who records which, attendance with the share of women, delegates, priorities, the berita acara."""

import pytest
from django.urls import reverse

from accounts.models import Role
from musrenbang.models import Forum, ForumPriority
from proposals.models import Status
from tests.factories import AreaFactory, ProposalFactory, RoundFactory, UserFactory, _kelurahan
from wilayah.models import Kecamatan

pytestmark = pytest.mark.django_db
GUNUNG_BAHAGIA, BATU_AMPAR = "64.71.05.1006", "64.71.03.1001"


@pytest.fixture
def setting():
    round_ = RoundFactory(phase="review", year=2027)
    area = AreaFactory(round=round_)
    first = ProposalFactory(area=area, status=Status.APPROVED, title="Drainase RT 12")
    second = ProposalFactory(area=area, status=Status.APPROVED, title="Lampu jalan Gang Mawar")
    elsewhere = ProposalFactory(area=AreaFactory(round=round_, kelurahan=_kelurahan(BATU_AMPAR)),
                                status=Status.APPROVED, title="Usulan Batu Ampar")
    lpm = UserFactory(role=Role.MODERATOR)
    lpm.moderated_kelurahan.add(_kelurahan(GUNUNG_BAHAGIA))
    return round_, {"first": first, "second": second, "elsewhere": elsewhere, "lpm": lpm}


def forum_post(first, second, **extra):
    data = {"held_at": "2027-01-15T09:00", "place": "Aula Kantor Kelurahan Gunung Bahagia",
            "officers": "Pimpinan sidang: Ketua LPM\nNotulis: Sekretaris Kelurahan",
            "attendance_men": "33", "attendance_women": "22",
            "delegates": "Siti Aminah (PKK)\nAndi Pratama (Karang Taruna)\nH. Ruslan (tokoh masyarakat)",
            f"prioritas_{second.pk}": "1", f"prioritas_{first.pk}": "2", "notes": ""}
    data.update(extra)
    return data


def create_url(round_, level="kelurahan", code=GUNUNG_BAHAGIA):
    return reverse("musrenbang:forum_create", args=[round_.slug, level, code])


def test_the_lpm_records_their_kelurahan_forum_with_attendance_delegates_and_priorities(client, setting):
    round_, made = setting
    client.force_login(made["lpm"])
    page = client.get(create_url(round_)).content.decode()
    assert "Drainase RT 12" in page and "Usulan Batu Ampar" not in page  # only their kelurahan's usulan
    response = client.post(create_url(round_), forum_post(made["first"], made["second"]))
    assert response.status_code == 302
    forum = Forum.objects.get()
    assert (forum.level, forum.kelurahan_id, forum.attendance, forum.women_percent) == ("kelurahan", GUNUNG_BAHAGIA, 55, 40)
    assert forum.held_at.isoformat().startswith("2027-01-15T01:00")  # 09:00 WITA is 01:00 UTC
    assert list(ForumPriority.objects.values_list("proposal__title", "rank")) == [
        ("Lampu jalan Gang Mawar", 1), ("Drainase RT 12", 2)]
    client.logout()
    page = client.get(reverse("musrenbang:forum", args=[forum.pk])).content.decode()
    assert "55 orang: 33 laki-laki, 22 perempuan" in page and "perempuan 40%" in page
    assert "09:00 WITA" in page and "Siti Aminah (PKK)" in page
    # Recording again goes to the same forum: one kelurahan forum per round.
    client.force_login(made["lpm"])
    assert client.get(create_url(round_)).url == reverse("musrenbang:forum_edit", args=[forum.pk])


@pytest.mark.parametrize(("who", "level", "code", "status"), [
    ("anonymous", "kelurahan", GUNUNG_BAHAGIA, 302),
    ("citizen", "kelurahan", GUNUNG_BAHAGIA, 403),
    ("council", "kelurahan", GUNUNG_BAHAGIA, 403),
    ("verifikator", "kelurahan", GUNUNG_BAHAGIA, 403),
    ("lpm", "kelurahan", BATU_AMPAR, 403),          # not their kelurahan
    ("lpm", "kecamatan", "64.71.05", 403),           # not kecamatan-scoped
    ("lpm", "kota", "64.71", 403),
    ("kecamatan_officer", "kecamatan", "64.71.05", 200),
    ("kecamatan_officer", "kecamatan", "64.71.03", 403),
    ("kecamatan_officer", "kelurahan", GUNUNG_BAHAGIA, 403),
    ("admin", "kota", "64.71", 200),
    ("superuser", "kota", "64.71", 200),
    ("admin", "kelurahan", GUNUNG_BAHAGIA, 200),
])
def test_who_records_which_forum(client, setting, who, level, code, status):
    round_, made = setting
    users = {"lpm": made["lpm"], "citizen": UserFactory(), "council": UserFactory(role=Role.COUNCIL),
             "verifikator": UserFactory(role=Role.VERIFIKATOR), "admin": UserFactory(role=Role.ADMIN),
             "superuser": UserFactory(is_superuser=True, is_staff=True),
             "kecamatan_officer": UserFactory(role=Role.MODERATOR)}
    users["kecamatan_officer"].moderated_kecamatan.add(Kecamatan.objects.get(code="64.71.05"))
    if who != "anonymous":
        client.force_login(users[who])
    assert client.get(create_url(round_, level, code)).status_code == status


def test_a_kecamatan_forum_can_prioritise_usulan_of_its_kelurahan(client, setting):
    round_, made = setting
    officer = UserFactory(role=Role.MODERATOR)
    officer.moderated_kecamatan.add(Kecamatan.objects.get(code="64.71.05"))
    client.force_login(officer)
    page = client.get(create_url(round_, "kecamatan", "64.71.05")).content.decode()
    assert "Drainase RT 12" in page and "Usulan Batu Ampar" not in page


def test_bad_input_is_a_clear_message_and_nothing_is_stored(client, setting):
    round_, made = setting
    client.force_login(made["lpm"])
    data = forum_post(made["first"], made["second"], **{f"prioritas_{made['first'].pk}": "1"}, attendance_women="-4",
                      held_at="besok pagi")
    response = client.post(create_url(round_), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Tulis tanggal dan jam" in page
    assert not Forum.objects.exists()
    response = client.post(create_url(round_), forum_post(made["first"], made["second"],
                                                          **{f"prioritas_{made['first'].pk}": "1"}))
    assert response.status_code == 400 and "Setiap peringkat prioritas hanya boleh dipakai sekali." in response.content.decode()
    # A priority from another kelurahan is not a field of this form: it is ignored.
    response = client.post(create_url(round_), forum_post(made["first"], made["second"],
                                                          **{f"prioritas_{made['elsewhere'].pk}": "3"}))
    assert response.status_code == 302
    assert not ForumPriority.objects.filter(proposal=made["elsewhere"]).exists()


def test_the_berita_acara_has_priorities_attendance_and_blank_signature_lines(client, setting):
    round_, made = setting
    client.force_login(made["lpm"])
    client.post(create_url(round_), forum_post(made["first"], made["second"], notes="<script>alert(1)</script>"))
    client.logout()
    forum = Forum.objects.get()
    page = client.get(reverse("musrenbang:berita_acara", args=[forum.pk])).content.decode()
    assert "BERITA ACARA" in page and "pukul 09:00 WITA" in page
    assert page.index("Lampu jalan Gang Mawar") < page.index("Drainase RT 12")
    assert "perempuan 40%" in page and page.count('class="signature-line') == 2
    assert "<script>alert(1)</script>" not in page


def test_the_forum_list_shows_the_share_of_women_and_the_admin_export_links(client, setting):
    round_, made = setting
    client.force_login(made["lpm"])
    page = client.get(reverse("musrenbang:forums", args=[round_.slug])).content.decode()
    assert create_url(round_) in page and "sipd.csv" not in page  # their desk; no export for the LPM
    client.post(create_url(round_), forum_post(made["first"], made["second"]))
    client.force_login(UserFactory(role=Role.ADMIN))
    page = client.get(reverse("musrenbang:forums", args=[round_.slug])).content.decode()
    assert "40%" in page and reverse("musrenbang:sipd", args=[round_.slug]) + "?tingkat=kelurahan" in page
