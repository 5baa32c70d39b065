"""python manage.py import_census FILE.csv: replaces the census (accounts.census) with the file's rows."""

import time

from django.core.management.base import BaseCommand, CommandError

from accounts.census import REFUSAL_REASONS, CensusEmptyError, CensusFileError, census_import, decoded_lines


class Command(BaseCommand):
    help = ("Replaces the census with FILE.csv (columns nik,kelurahan_code). Stores keyed NIK hashes only; "
            "prints rows read, stored and refused, with the line numbers of refused rows (never a NIK).")

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file: str, **options):
        started = time.monotonic()
        try:
            with open(file, "rb") as handle:
                report = census_import(lines=decoded_lines(iter(lambda: handle.read(1 << 20), b"")),
                                       progress=self._progress if options["verbosity"] > 1 else None)
        except OSError as error:
            raise CommandError(f"cannot read {file}: {error.strerror}") from None
        except CensusEmptyError as error:
            self.stdout.write(f"rows read: {error.report.read}")
            for reason, lines in error.report.refused_ranges().items():
                self.stdout.write(f"  {REFUSAL_REASONS[reason]}, lines {lines}")
            raise CommandError(str(error)) from None
        except CensusFileError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"rows read: {report.read}")
        self.stdout.write(f"stored: {report.stored}")
        self.stdout.write(f"refused: {report.refused_count}")
        for reason, lines in report.refused_ranges().items():
            self.stdout.write(f"  {REFUSAL_REASONS[reason]}, lines {lines}")
        self.stdout.write(f"accounts verified by this census: {report.verified_accounts}")
        self.stdout.write(self.style.SUCCESS(f"census replaced in {time.monotonic() - started:.1f} s"))

    def _progress(self, done: int) -> None:
        self.stdout.write(f"  {done} rows read")
