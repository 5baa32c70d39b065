"""Fills msgstr entries of a .po catalogue from a JSON file {msgid: msgstr}; keeps existing ones.

Usage: python tools/po_fill.py locale/en/LC_MESSAGES/django.po translations.json
Prints the msgids that are still untranslated.
"""

import io
import json
import sys

from babel.messages import pofile


def main(po_path: str, json_path: str) -> None:
    with open(po_path, "rb") as f:
        catalog = pofile.read_po(f)
    with open(json_path, encoding="utf-8") as f:
        table = json.load(f)
    missing = []
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        if message.context:  # a msgid with a context is keyed "context\x04msgid", as gettext stores it
            key = f"{message.context}\x04{key}"
        if key in table:
            value = table[key]
            if isinstance(message.id, str):
                message.string = value if isinstance(value, str) else value[0]
            else:  # a plural: [singular, plural] in the file, or one string for both
                message.string = tuple(value) if isinstance(value, list) else (value, value)
            message.flags.discard("fuzzy")
        elif not message.string or (isinstance(message.string, tuple) and not message.string[0]):
            missing.append(key)
    # Written in memory first: an error while writing must not leave a truncated catalogue behind.
    buffer = io.BytesIO()
    pofile.write_po(buffer, catalog, width=0)
    with open(po_path, "wb") as f:
        f.write(buffer.getvalue())
    for key in missing:
        print("MISSING:", json.dumps(key, ensure_ascii=False))


if __name__ == "__main__":
    main(*sys.argv[1:3])
