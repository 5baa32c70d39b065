from django.core.management.base import BaseCommand, CommandError

from rounds.models import Round


class Command(BaseCommand):
    help = "Writes the anonymised ballots of a round's area as a pabulib .pb file (voter id = receipt code)."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("file")
        parser.add_argument("--area", dest="code", help="area code (needed when the round has several areas)")

    def handle(self, *args, slug: str, file: str, code: str | None, **options):
        from voting.pabulib_io import area_export

        round_ = Round.objects.filter(slug=slug).first()
        if round_ is None:
            raise CommandError(f"No round with slug {slug!r}.")
        areas = round_.areas.all()
        if code:
            areas = areas.filter(code=code)
        areas = list(areas[:2])
        if not areas:
            raise CommandError(f"No area {code!r} in round {slug!r}.")
        if len(areas) > 1:
            raise CommandError("This round has several areas; choose one with --area CODE.")
        count = area_export(area=areas[0], path=file)
        self.stderr.write(f"{count} ballots written to {file}")
