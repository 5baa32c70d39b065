"""CSV cells that a spreadsheet cannot run as a formula. Pure code, no Django.

Officials open the CSV exports in Excel or LibreOffice, which read a cell starting with =, +,
-, @, a tab or a carriage return as a formula: a proposal titled =HYPERLINK("http://...")
would become a live link (or worse) on the official's machine. The OWASP rule is a leading
single quote on such a cell. A number, or text that is just a number ("-1.24", "+62812..."),
cannot run anything and is written as it is, so sums and sorting keep working. Only CSV
needs this: the JSON and .pb files say exactly what was proposed.
"""

import re
from collections.abc import Iterable, Mapping

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)*")


def csv_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_row(row: Mapping | Iterable):
    """A row for csv.DictWriter (a mapping) or csv.writer (a sequence), every cell made safe."""
    if isinstance(row, Mapping):
        return {key: csv_cell(value) for key, value in row.items()}
    return [csv_cell(value) for value in row]
