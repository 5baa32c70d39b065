import json
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from rounds.models import Round, TallyRule


class Command(BaseCommand):
    help = "Tallies a round (on the Celery worker, or in-process with --sync) and writes the result as JSON."
    # The system checks import every URLconf, view and admin of the project (0.5 s and more of a
    # tally's start-up); `manage.py check`, the tests and every server start run them anyway.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--rule", choices=TallyRule.values, required=True)
        parser.add_argument("--sync", action="store_true", help="run in this process instead of on the worker")
        parser.add_argument("--json", dest="json_file", help="write the result to this file ('-' for stdout)")
        parser.add_argument("--timeout", type=int, default=600, help="seconds to wait for the worker")

    def handle(self, *args, slug: str, rule: str, sync: bool, json_file: str | None, timeout: int, **options):
        from voting import services
        from voting.models import ResultSnapshot, TallyRun
        from voting.pabulib_io import tally_json

        round_ = Round.objects.filter(slug=slug).first()
        if round_ is None:
            raise CommandError(f"No round with slug {slug!r}.")
        try:
            if sync:
                snapshots = services.tally_round_execute(round=round_, rule=rule)
            else:
                with transaction.atomic():
                    run = services.tally_run_start(round=round_, rule=rule)
                deadline = time.monotonic() + timeout
                while True:
                    run = TallyRun.objects.get(pk=run.pk)
                    if run.status in (TallyRun.Status.DONE, TallyRun.Status.FAILED) or time.monotonic() > deadline:
                        break
                    time.sleep(0.5)
                if run.status != TallyRun.Status.DONE:
                    raise CommandError(f"Tally {run.get_status_display()}: {run.error or 'no answer from the worker'}")
                snapshots = list(ResultSnapshot.objects.filter(pk__in=run.snapshot_ids))
        except ValueError as error:
            raise CommandError(str(error)) from error
        except Exception as error:  # ValidationError from the service
            if hasattr(error, "messages"):
                raise CommandError(" ".join(error.messages)) from error
            raise
        data = tally_json(round=round_, rule=rule, snapshots=snapshots)
        text = json.dumps(data, ensure_ascii=False, indent=2)
        if json_file == "-":
            self.stdout.write(text)
        elif json_file:
            with open(json_file, "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
        stats = {snapshot.area_id: snapshot.stats for snapshot in snapshots}
        codes = dict(round_.areas.values_list("code", "pk"))
        for area in data["areas"]:
            cost = stats.get(codes[area["area"]]) or {}
            self.stderr.write(
                f"{area['area']}: {len(area['selected'])} selected: {', '.join(area['selected'])} "
                f"({cost.get('mes_runs', 0)} MES runs, {cost.get('seconds', 0):.2f} s)"
            )
        self.stderr.write(
            f"{len(data['areas'])} areas: {sum((s or {}).get('mes_runs', 0) for s in stats.values())} MES runs, "
            f"{sum((s or {}).get('seconds', 0) for s in stats.values()):.2f} s"
        )
