from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from proposals.services import KamusFileError, kamus_import, kamus_rows_read


class Command(BaseCommand):
    help = ("Replaces the kamus usulan with a CSV (columns kode,nama,satuan,harga_satuan,kategori,opd) "
            "in one transaction; prints rows read, stored and refused with line numbers and reasons.")

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file: str, **options):
        translation.activate("id")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Berkas tidak ditemukan / no such file: {file}")
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as error:
            raise CommandError(f"Berkas harus UTF-8 / the file must be UTF-8: {error}") from error
        try:
            report = kamus_import(rows=kamus_rows_read(text))
        except KamusFileError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"dibaca {report.read}, disimpan {report.stored}, ditolak {len(report.refused)}, "
                          f"dinonaktifkan {report.deactivated}")
        for line, reason in report.refused:
            self.stdout.write(f"ditolak baris {line}: {reason}")
