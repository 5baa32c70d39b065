"""Phases move by hand (admin) and by schedule (beat), and voting opening tells the residents."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import AuditEntry, Role
from notifications.models import FanoutBatch
from rounds import services, tasks
from rounds.models import PhaseSchedule
from rounds.selectors import rounds_for_home
from tests.factories import AreaFactory, RoundFactory, UserFactory, _kelurahan

pytestmark = pytest.mark.django_db


def schedule(round_, now, **phases):
    """phases: name=(start offset in days, end offset in days)."""
    for phase, (start, end) in phases.items():
        PhaseSchedule.objects.create(round=round_, phase=phase, start=now + dt.timedelta(days=start),
                                     end=now + dt.timedelta(days=end))


def test_admin_advances_by_hand_and_it_is_audited():
    admin = UserFactory(role=Role.ADMIN)
    round_ = RoundFactory(phase="submission")
    services.round_advance_phase(round=round_, actor=admin)
    round_.refresh_from_db()
    assert round_.phase == "support"
    entry = AuditEntry.objects.get(action="round.phase")
    assert entry.detail == {"from": "submission", "to": "support", "reason": "manual"}


def test_the_last_phase_cannot_advance():
    round_ = RoundFactory(phase="implementation")
    with pytest.raises(services.PhaseError):
        services.round_advance_phase(round=round_, actor=None)


def test_schedule_moves_the_round_forward_never_back_and_is_idempotent():
    now = timezone.now()
    round_ = RoundFactory(phase="submission")
    schedule(round_, now, submission=(-20, -10), support=(-10, 5), review=(5, 10))
    assert tasks.switch_phases() == {round_.slug: "support"}
    assert tasks.switch_phases() == {}
    round_.refresh_from_db()
    assert round_.phase == "support"
    round_.phase = "review"  # an admin went ahead by hand
    round_.save()
    assert services.round_switch_by_schedule(round_id=round_.pk, now=now) is None
    round_.refresh_from_db()
    assert round_.phase == "review"


def test_voting_opening_notifies_each_resident_of_the_round_once_with_their_area():
    now = timezone.now()
    round_ = RoundFactory(phase="review")
    schedule(round_, now, voting=(-1, 13))
    gb = AreaFactory(round=round_)
    AreaFactory(round=round_, level="kota", kelurahan=None, code="64.71", name="Kota Balikpapan")
    in_gb = UserFactory()
    in_batu_ampar = UserFactory(kelurahan=_kelurahan("64.71.03.1001"))
    services.round_switch_by_schedule(round_id=round_.pk, now=now)

    batches = list(FanoutBatch.objects.filter(kind="voting_opened"))
    by_area = {b.context["area_name"]: set(b.recipient_ids) for b in batches}
    assert in_gb.pk in by_area[gb.name]
    assert in_batu_ampar.pk in by_area["Kota Balikpapan"]
    assert in_gb.pk not in by_area["Kota Balikpapan"]
    assert batches[0].context["round_name"] == round_.name
    assert batches[0].context["closes_at"].startswith(str((now + dt.timedelta(days=13)).year))


def test_home_rounds_say_what_a_visitor_can_do_now():
    RoundFactory(phase="draft")
    voting = RoundFactory(phase="voting", name="Anggaran Partisipatif 2027")
    rounds = rounds_for_home()
    assert [r.pk for r in rounds] == [voting.pk]
    assert rounds[0].current_phase_label == "Pemungutan suara"
    assert "Pilih" in str(rounds[0].current_phase_hint)
    assert rounds[0].get_absolute_url() == f"/putaran/{voting.slug}/"
