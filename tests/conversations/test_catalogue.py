"""Every text exists in both languages, with the same blanks to fill."""

from __future__ import annotations

import re
import string

from conversations.catalogue import catalogue


def blanks(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_both_languages_have_the_same_messages():
    indonesian, english = catalogue("id"), catalogue("en")
    assert indonesian.keys() == english.keys(), indonesian.keys() ^ english.keys()


def test_translations_fill_the_same_blanks():
    indonesian, english = catalogue("id"), catalogue("en")
    for key in sorted(indonesian.keys()):
        assert blanks(indonesian.template(key)) == blanks(english.template(key)), key


def test_no_text_is_left_with_a_stray_brace():
    for language in ("id", "en"):
        cat = catalogue(language)
        for key in sorted(cat.keys()):
            assert not re.search(r"{[^}]*$", cat.template(key)), key
