"""The English catalogue is complete: no empty, fuzzy (guessed by makemessages from a similar
string) or placeholder-mismatched translation reaches an English-speaking user."""

import re
from pathlib import Path

from babel.messages import pofile

CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{\{\s*(\w+)")


def _messages():
    with CATALOGUE.open("rb") as f:
        return [m for m in pofile.read_po(f) if m.id]


def _first(value):
    return value[0] if isinstance(value, tuple) else value


def test_every_message_has_an_english_translation_that_is_not_a_guess():
    messages = _messages()
    assert len(messages) > 500
    untranslated = [_first(m.id) for m in messages if not _first(m.string)]
    fuzzy = [_first(m.id) for m in messages if m.fuzzy]
    assert untranslated == [] and fuzzy == []


def test_translations_keep_the_placeholders():
    wrong = []
    for message in _messages():
        source, target = _first(message.id), _first(message.string)
        if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(target)):
            wrong.append(source)
    assert wrong == []
