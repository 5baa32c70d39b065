"""Where each role starts: the links of an officer's work, for the menu and the home page.

It lives on the top floor because it names pages of every app (accounts, proposals, voting,
dashboard); each link is shown only when the app's own permission says the person may use it.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class WorkLink:
    label: str
    url: str
    hint: str = ""
    in_menu: bool = True  # the home page lists the links of the day's work; the menu the main ones
    on_home: bool = True


def _moderator_paper_areas(user) -> list[WorkLink]:
    """One link per area of a round in voting where this LPM officer enters the forum's paper ballots."""
    from voting.selectors import paper_areas_for

    return [
        WorkLink(_("Surat suara kertas: %(area)s") % {"area": area.label}, reverse("voting:paper", args=[area.round.slug, area.pk]),
                 area.round.name, in_menu=False)
        for area in paper_areas_for(user)
    ]


def _forum_links(user, *, admin: bool) -> list[WorkLink]:
    """The forums this officer records in each round under way: an LPM officer's kelurahan forum
    (its page once recorded: paper ballots are entered from there), a kecamatan officer's
    kecamatan forum, or for an admin the round's forum list (the city forum, the SIPD download)."""
    from musrenbang.models import Forum
    from rounds.models import Round

    rounds = list(Round.objects.exclude(phase__in=["draft", "implementation"]).order_by("-year", "name")[:2])
    if not rounds:
        return []
    if admin:
        return [WorkLink(_("Forum musrenbang %(round)s") % {"round": r.name}, reverse("musrenbang:forums", args=[r.slug]),
                         _("Forum kota, semua forum, unduhan SIPD"), in_menu=False) for r in rounds]
    wilayah = [("kelurahan", k.code, k.name) for k in user.moderated_kelurahan.order_by("code")]
    wilayah += [("kecamatan", k.code, k.name) for k in user.moderated_kecamatan.order_by("code")]
    recorded = {(f.round_id, f.level, f.kelurahan_id or f.kecamatan_id): f.pk
                for f in Forum.objects.filter(round__in=rounds, level__in=["kelurahan", "kecamatan"])}
    links = []
    for round_ in rounds:
        for level, code, name in wilayah:
            pk = recorded.get((round_.pk, level, code))
            url = (reverse("musrenbang:forum", args=[pk]) if pk
                   else reverse("musrenbang:forum_create", args=[round_.slug, level, code]))
            label = (_("Forum Kelurahan %(name)s") if level == "kelurahan" else _("Forum Kecamatan %(name)s")) % {"name": name}
            hint = _("%(round)s: sudah dicatat") if pk else _("%(round)s: belum dicatat")
            links.append(WorkLink(label, url, hint % {"round": round_.name}, in_menu=False))
    return links


def _admin_round_steps() -> list[WorkLink]:
    """Each round not yet closed, with the one thing the admin does next."""
    from rounds.models import Round

    steps = {
        "voting": (_("Pemungutan suara berlangsung: rekapitulasi setelah ditutup"), "voting:tally"),
        "tallying": (_("Jalankan rekapitulasi"), "voting:tally"),
        "results": (_("Periksa dan umumkan hasil"), "voting:tally"),
    }
    links = []
    for round_ in Round.objects.exclude(phase="implementation").order_by("-year", "name"):
        step, name = steps.get(round_.phase, (_("Atur fase dan jadwal"), None))
        if round_.phase == "results" and round_.results_published_at:
            step = _("Hasil diumumkan; koreksi per wilayah bila perlu")
        url = reverse(name, args=[round_.slug]) if name else round_.get_absolute_url()
        links.append(WorkLink(f"{round_.name}: {step}", url, round_.get_phase_display(), in_menu=False))
    return links


def _progress_round():
    from rounds.models import Round

    return Round.objects.filter(phase__in=["results", "implementation"]).order_by("-phase", "-year").first()


def work_links(user) -> list[WorkLink]:
    """The start of each role's work, in the order the role meets it."""
    from accounts.predicates import is_admin, is_moderator, is_verifikator

    if not (user and user.is_authenticated):
        return []
    links: list[WorkLink] = []
    if user.has_perm("dashboard.view_council_dashboard"):
        links.append(WorkLink(_("Dasbor dewan"), reverse("dashboard:council"),
                              _("Prioritas warga, pagu dan biaya terpilih, partisipasi, unduhan")))
    if user.has_perm("proposals.view_moderation_queue"):
        links.append(WorkLink(_("Antrean moderasi"), reverse("proposals:moderation"),
                              _("Usulan yang menunggu pemeriksaan LPM")))
    if user.has_perm("accounts.use_residence_desk"):
        links.append(WorkLink(_("Verifikasi domisili"), reverse("accounts:residence_desk"),
                              _("Memeriksa domisili warga secara langsung")))
    if is_moderator(user) or is_admin(user):
        links.append(WorkLink(_("Kode undangan"), reverse("accounts:invitations"),
                              _("Kode sekali pakai untuk dibagikan lewat RT")))
    if is_moderator(user):
        links.extend(_forum_links(user, admin=False))
        paper = _moderator_paper_areas(user)
        if paper:
            links.append(WorkLink(_("Surat suara kertas"), reverse("voting:index") + "#kertas",
                                  _("Memasukkan surat suara dari forum warga"), on_home=False))
            links.extend(paper)
    if user.has_perm("proposals.view_valuation_queue"):
        links.append(WorkLink(_("Antrean valuasi"), reverse("proposals:valuation"),
                              _("Menilai kelayakan dan menetapkan biaya akhir")))
    if is_verifikator(user) or is_admin(user):
        round_ = _progress_round()
        if round_ is not None:
            links.append(WorkLink(_("Laporan kemajuan"), reverse("dashboard:round_projects", args=[round_.slug]),
                                  _("Proyek terpilih %(round)s: laporkan kemajuannya") % {"round": round_.name}))
    if user.has_perm("accounts.import_census"):
        links.append(WorkLink(_("Data penduduk"), reverse("accounts:census_upload"),
                              _("Mengimpor data penduduk kota untuk verifikasi domisili otomatis")))
    if is_admin(user):
        links.append(WorkLink(_("Langkah putaran"), reverse("home") + "#tugas",
                              _("Putaran dengan langkah berikutnya: rekapitulasi, publikasi"), on_home=False))
        links.extend(_admin_round_steps())
        links.extend(_forum_links(user, admin=True))
    return links
