from django.core.management.base import BaseCommand, CommandError

from musrenbang.exports import LEVELS, sipd_write
from rounds.models import Round


class Command(BaseCommand):
    help = ("Writes the usulan of a round as a CSV in the shape SIPD uses for resident usulan "
            "(one row per usulan, no personal data).")

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("file")
        parser.add_argument("--level", choices=[str(level) for level in LEVELS],
                            help="only usulan of this area level (default: all)")

    def handle(self, *args, slug: str, file: str, level: str | None, **options):
        round_ = Round.objects.filter(slug=slug).first()
        if round_ is None:
            raise CommandError(f"Putaran tidak ditemukan / no such round: {slug}")
        try:
            # utf-8-sig: Excel opens it with the right characters.
            with open(file, "w", encoding="utf-8-sig", newline="") as out:
                count = sipd_write(out, round=round_, level=level)
        except OSError as error:
            raise CommandError(f"Tidak dapat menulis / cannot write {file}: {error}") from error
        self.stdout.write(f"{count} usulan ditulis ke {file}")
