"""The engine's `Reply`s as SMS texts a feature phone shows well.

- GSM-7 only (`gsm.to_gsm`): 160 characters a segment instead of 70, and no boxes.
- At most three segments per SMS (459 characters): a longer text first takes its short
  variant from the catalogue (`sms.short.<key>` next to the key the engine used), and is
  then cut between paragraphs into several SMS of at most three segments each.
- Choices are numbered lines ("1. Ya") with "Balas dengan angka 1-n"; a choice a number
  does not pick ("Lewati" at a typed question) says the word to type.
- A question that wants a photo or a location, which SMS cannot carry, says so: send it
  through WhatsApp or Telegram, or type LEWATI where the step may be skipped. (A photo may
  still come as an MMS where the phone and network can send one.)
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from functools import cache
from typing import Final

from bot.channels.sms.gsm import PER_SEGMENT, septets, to_gsm
from bot.channels.split import split
from conversations.catalogue import Language, catalogue
from conversations.choices import KNOWN_PHONE, SKIP
from conversations.types import Choice, Reply

MAX_SEGMENTS: Final = 3
MAX_SEPTETS: Final = MAX_SEGMENTS * PER_SEGMENT
SHORT_PREFIX: Final = "sms.short."
WORD_FOR: Final = {SKIP: "sms.word_skip", KNOWN_PHONE: "sms.word_yes"}


def render(replies: Iterable[Reply], language: Language) -> list[str]:
    return [text for reply in replies for text in texts(reply, language)]


def texts(reply: Reply, language: Language) -> list[str]:
    """One reply as one or more SMS, each at most `MAX_SEGMENTS` segments."""
    cat = catalogue(language)
    skippable = any(_typed_word(c) == WORD_FOR[SKIP] for c in reply.choices)
    asks_media = reply.expects in ("photo", "location")
    numbered = [c for c in reply.choices if _typed_word(c) is None]
    lines = [
        f"{n}. {c.label}" if reply.numbered else f"- {c.label}" for n, c in enumerate(numbered, 1)
    ]
    for choice in reply.choices:
        word = _typed_word(choice)
        if word is not None and not (asks_media and word == WORD_FOR[SKIP]):
            lines.append(cat.text("sms.type_word", label=choice.label, word=cat.text(word)))
    parts = [shorten(reply.text, language)]
    if lines:
        parts.append("\n".join(lines))
    if numbered and reply.numbered:
        typed = reply.expects == "text"
        key = ("type_or_" if typed else "choose_") + ("one" if len(numbered) == 1 else "number")
        parts.append(cat.text(f"sms.{key}", count=len(numbered)))
    if asks_media:
        parts.append(cat.text(f"sms.{reply.expects}_{'skip' if skippable else 'needed'}"))
    return split(to_gsm("\n\n".join(parts)), MAX_SEPTETS, septets)


def _typed_word(choice: Choice) -> str | None:
    return WORD_FOR.get(choice.id.partition("=")[2])


def shorten(text: str, language: Language) -> str:
    """`text` with every paragraph that has an SMS variant in the catalogue replaced by it."""
    variants = _variants(language)
    whole = _replace(text, variants)
    if whole is not None:
        return whole
    return "\n\n".join(_replace(p, variants) or p for p in text.split("\n\n"))


def _replace(text: str, variants: list[tuple[re.Pattern[str], str]]) -> str | None:
    for pattern, short in variants:
        found = pattern.fullmatch(text)
        if found is not None:
            return short.format(**found.groupdict())
    return None


@cache
def _variants(language: Language) -> list[tuple[re.Pattern[str], str]]:
    """(the original text as a pattern, its short template), longest original first so a
    text matches its most specific template."""
    cat = catalogue(language)
    found = []
    for key in sorted(cat.keys()):
        if key.startswith(SHORT_PREFIX) and cat.has(key[len(SHORT_PREFIX) :]):
            original = cat.template(key[len(SHORT_PREFIX) :])
            found.append((len(original), _pattern(original), cat.template(key)))
    found.sort(key=lambda item: -item[0])
    return [(pattern, short) for _, pattern, short in found]


def _pattern(template: str) -> re.Pattern[str]:
    out: list[str] = []
    seen: set[str] = set()
    for literal, name, _spec, _conversion in string.Formatter().parse(template):
        out.append(re.escape(literal))
        if name is None:
            continue
        if name in seen:
            out.append(f"(?P={name})")
        else:
            seen.add(name)
            out.append(f"(?P<{name}>.+?)")
    return re.compile("".join(out), re.DOTALL)
