from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from rounds.models import Add1Stop
from voting.pabulib_io import instance_import


class Command(BaseCommand):
    help = "Imports a pabulib .pb file as a round with one area; prints the round slug."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--round", dest="slug", help="slug of the new round (default: from the file name)")
        parser.add_argument(
            "--add1-stop", choices=Add1Stop.values,
            help="when MES + add1 stops: 'exhaustive' (default, as pabutools) or 'infeasible' "
                 "(as Wieliczka counted its 2023 Green Budget)",
        )

    def handle(self, *args, file: str, slug: str | None, add1_stop: str | None, **options):
        from rounds.models import Round
        from voting.tally import parse_pabulib

        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        if slug and Round.objects.filter(slug=slug).exists():
            raise CommandError(f"A round with slug {slug!r} already exists.")
        try:
            instance = parse_pabulib(path)
            round_ = instance_import(instance=instance, source_name=path.stem, slug=slug, add1_stop=add1_stop)
        except ValueError as error:
            raise CommandError(f"Cannot import {file}: {error}") from error
        self.stdout.write(round_.slug)
