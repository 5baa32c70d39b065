"""Writes that send no model signal (a queryset update(), bulk_create, bulk_update, SQL of its own,
a deletion's SET NULL) and the pages kept under version keys (balikpapan_pb/shared_pages.py,
voting/ballot_cache.py): each such write calls shared_pages.rows_changed with the models it wrote.

Written as attacks: a page is kept, a person makes the write, another reader must not get the
kept page. Each failed (the old page served) before rows_changed was called where it is."""

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from balikpapan_pb import shared_pages
from proposals.models import Comment, Proposal, Status
from rounds import tasks
from rounds.models import Phase
from tests.factories import AreaFactory, ProposalFactory, RoundFactory, UserFactory
from tests.rounds.test_services import schedule
from tests.site.clients import browser, read
from voting import ballot_cache

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pages_kept_at_once")]


def now_phase(page: str) -> str:
    return re.search(r'Sekarang: <span class="badge[^"]*">([^<]+)</span>', page)[1]


def test_a_comment_hidden_by_a_repeated_report_is_gone_at_once():
    """The report that reaches the threshold hides the comment with a queryset update. When it
    is a repeated report (the round's threshold lowered since the first), no Flag row is saved
    either: nothing else set a new version, and every reader kept getting the comment."""
    round_ = RoundFactory(phase=Phase.SUPPORT, flag_threshold=3)
    proposal = ProposalFactory(round=round_, area=AreaFactory(round=round_), status=Status.APPROVED)
    ana, budi, citra = UserFactory(), UserFactory(), UserFactory()
    comment = Comment.objects.create(proposal=proposal, author=ana, body="Komentar yang kasar sekali.")
    b, c = browser(budi), browser(citra)
    path = proposal.get_absolute_url()
    b.post(reverse("proposals:comment_flag", args=[comment.pk]))  # one report of three
    round_.flag_threshold = 1  # the admin lowers the threshold; nothing is hidden by that alone
    round_.save()
    assert "Komentar yang kasar sekali." in read(c, path)  # kept
    b.post(reverse("proposals:comment_flag", args=[comment.pk]))  # Budi reports again
    comment.refresh_from_db()
    assert comment.hidden
    assert "Komentar yang kasar sekali." not in read(c, path)


def test_a_deleted_account_leaves_no_name_on_a_kept_page():
    """Deleting an account sets the author of its comments and proposals to NULL by UPDATE
    statements of the deletion (on_delete=SET_NULL), which send no signal."""
    round_ = RoundFactory(phase=Phase.SUPPORT)
    proposal = ProposalFactory(round=round_, area=AreaFactory(round=round_), status=Status.APPROVED,
                               proposer=UserFactory(full_name="Yohana Pengusul"))
    ana = UserFactory(full_name="Ariyanti Komentator")
    Comment.objects.create(proposal=proposal, author=ana, body="Setuju sekali.")
    budi = browser(UserFactory())
    path = proposal.get_absolute_url()
    assert "Ariyanti" in read(budi, path)
    a = browser(ana)
    assert a.post(reverse("accounts:account_delete"), {"password": "rahasia-123"}).status_code == 302
    assert "Ariyanti" not in read(budi, path)
    assert "Yohana" in read(budi, path)
    proposal.proposer.delete()  # the proposer too, through the model's own delete
    assert "Yohana" not in read(budi, path)


def test_a_phase_switched_by_the_scheduled_task_shows_at_once():
    """The beat task's phase move saves the round (a signal): checked here as the other writes."""
    now = timezone.now()
    round_ = RoundFactory(phase=Phase.SUBMISSION)
    schedule(round_, now, submission=(-20, 5), support=(5, 10))
    reader = browser(UserFactory())
    path = reverse("rounds:detail", args=[round_.slug])
    assert now_phase(read(reader, path)) == "Pengajuan usulan"
    round_.schedule.filter(phase=Phase.SUBMISSION).update(end=now - timezone.timedelta(days=1))
    round_.schedule.filter(phase=Phase.SUPPORT).update(start=now - timezone.timedelta(days=1))
    assert tasks.switch_phases() == {round_.slug: Phase.SUPPORT}
    assert now_phase(read(reader, path)) == "Dukungan"


def test_a_settled_result_shows_on_the_kept_proposal_page():
    """proposals_settle_result moves a whole ballot to SELECTED / NOT_SELECTED by update()."""
    from proposals.services import proposals_settle_result

    round_ = RoundFactory(phase=Phase.RESULTS)
    area = AreaFactory(round=round_)
    proposal = ProposalFactory(round=round_, area=area, status=Status.FEASIBLE)
    reader = browser(UserFactory())
    assert ">Layak<" in read(reader, proposal.get_absolute_url())
    assert proposals_settle_result(round_id=round_.pk, area_id=area.pk, selected_ids=[proposal.project_id],
                                   actor=None) == 1
    assert Proposal.objects.get(pk=proposal.pk).status == Status.SELECTED
    page = read(reader, proposal.get_absolute_url())
    assert ">Terpilih<" in page and ">Layak<" not in page


def test_rows_changed_sets_every_key_the_models_saves_set_now_and_at_commit(settings, django_capture_on_commit_callbacks):
    settings.SHARED_CACHE = True
    content, turnout, ballots = "shared-pages:content", "shared-pages:turnout", ballot_cache.VERSION_KEY

    def values():
        return [cache.get(key) for key in (content, turnout, ballots)]

    shared_pages.rows_changed(Comment)  # shown on the pages, not on the ballot
    first = values()
    shared_pages.rows_changed(Proposal)
    second = values()
    assert second[0] != first[0] and second[1] == first[1] and second[2] != first[2]
    shared_pages.rows_changed(apps.get_model("voting", "Participation"))
    third = values()
    assert third[0] == second[0] and third[1] != second[1] and third[2] == second[2]
    shared_pages.rows_changed(apps.get_model("notifications", "Notification"))  # no page follows these
    assert values() == third
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        shared_pages.rows_changed(Proposal)
        inside = values()
    assert inside[0] != third[0] and len(callbacks) == 1  # set in the transaction, and once more after it
    assert values()[0] != inside[0]


# --- a supplement: every such write in the code is followed by rows_changed ---------------------

_APPS = ("accounts", "balikpapan_pb", "dashboard", "musrenbang", "notifications", "proposals", "rounds", "voting",
         "wilayah")
_BULK = {"update", "bulk_create", "bulk_update"}
_SQL_WRITE = re.compile(r"\b(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\b", re.I)


def _root(node):
    """The name a chain like `Model.objects.filter(...).update` starts from, and whether it went through `.objects`."""
    through_objects = False
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        if isinstance(node, ast.Attribute) and node.attr == "objects":
            through_objects = True
        node = node.func if isinstance(node, ast.Call) else node.value
    return (node.id if isinstance(node, ast.Name) else None), through_objects


def _written_models(function) -> list[tuple[int, set[str]]]:
    """(line, names the written model may have) of each write in `function` that sends no signal."""
    bound: dict[str, set[str]] = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name, through_objects = _root(node.value)
            if name and through_objects:
                bound[node.targets[0].id] = {name}
        elif isinstance(node, ast.For) and isinstance(node.target, ast.Name) and isinstance(node.iter, ast.Tuple):
            bound[node.target.id] = {element.id for element in node.iter.elts if isinstance(element, ast.Name)}
    writes = []
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _BULK:
            name, through_objects = _root(node.func.value)
            if name in bound:
                writes.append((node.lineno, bound[name] | {name}))
            elif name and through_objects:
                writes.append((node.lineno, {name}))
        elif isinstance(node, ast.JoinedStr):
            text = "".join(part.value for part in node.values if isinstance(part, ast.Constant))
            tables = {part.value.value.value.id for part in node.values if isinstance(part, ast.FormattedValue)
                      and isinstance(part.value, ast.Attribute) and part.value.attr == "db_table"
                      and isinstance(part.value.value, ast.Attribute) and isinstance(part.value.value.value, ast.Name)}
            if tables and _SQL_WRITE.search(re.sub(r"FOR\s+UPDATE", "", text, flags=re.I)):
                writes.append((node.lineno, tables))
    return writes


def _functions(tree):
    """Each function, with the functions defined in it as parts of it."""
    outer = [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]
    inner = {id(child) for node in outer for child in ast.walk(node) if child is not node
             and isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)}
    return [node for node in outer if id(node) not in inner]


def test_every_write_without_a_signal_to_a_model_a_kept_page_shows_calls_rows_changed():
    followed = {model.__name__ for model in shared_pages._FOLLOWERS}
    assert {"Proposal", "Comment", "Round", "Participation", "ResultSnapshot"} <= followed
    assert "Ballot" not in followed and "PendingBallot" not in followed  # a vote in progress renders no page afresh
    root = Path(django_settings.BASE_DIR)
    missing, seen = [], 0
    for app in _APPS:
        for path in sorted((root / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(), filename=str(path))
            for function in _functions(tree):
                told = {arg.id for node in ast.walk(function) if isinstance(node, ast.Call)
                        and isinstance(node.func, ast.Name) and node.func.id == "rows_changed"
                        for arg in node.args if isinstance(arg, ast.Name)}
                for line, names in _written_models(function):
                    seen += 1
                    if names & followed and not names & told:
                        missing.append(f"{path.relative_to(root)}:{line} {sorted(names)}")
    assert seen > 30  # the scan finds the writes at all
    assert missing == []
