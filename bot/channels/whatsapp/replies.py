"""The engine's `Reply`s as WhatsApp messages.

WhatsApp has no inline keyboards. Choices become, in order of preference:
- quick-reply buttons (a `twilio/quick-reply` Content template) when the reply has 2 or 3
  choices, a template for that many buttons is configured, every label fits WhatsApp's
  20-character button title and the text fits the template's 1,024-character body. The
  button's id is the engine's choice id, which comes back as `ButtonPayload`;
- otherwise a numbered list under the text, with "Balas dengan angka 1-n" (the engine
  accepts the number, the words or the id); `numbered=False` replies (the summary, where a
  number picks a field to change) get bullets instead.

"Lewati" (skip) and "Pakai nomor ini" (the WhatsApp number, at the phone question) are not
numbered: at a question that takes typed text a number is an answer (RT "1" is RT 001),
so they are shown with the word that works instead ("ketik LEWATI", "ketik YA").

Formatting is used sparingly: the hint in italics, nothing else. Reply texts can hold
what the citizen typed (names in the summary), so nothing is wrapped in `*` or `_`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from twilio.twiml.messaging_response import MessagingResponse  # type: ignore[import-untyped]

from conversations.catalogue import Language, catalogue
from conversations.choices import KNOWN_PHONE, SKIP
from conversations.types import Choice, Reply

# Twilio refuses bodies over 1,600 characters; it counts some characters (emoji) twice,
# hence the margin.
MAX_BODY = 1500
QUICK_REPLY_MAX_BODY = 1024
BUTTON_TITLE_MAX = 20
QUICK_REPLY_SIZES = (2, 3)
# Choices that typing their number does not pick, and the word that does.
WORD_FOR = {SKIP: "whatsapp.word_skip", KNOWN_PHONE: "whatsapp.word_yes"}


@dataclass(frozen=True)
class Message:
    """One WhatsApp message. With `content_sid` it is a quick-reply template, and
    `fallback` is the same reply as plain numbered text, for when the template cannot go
    out (TwiML cannot carry Content templates)."""

    body: str
    content_sid: str | None = None
    variables: Mapping[str, str] = field(default_factory=dict)
    fallback: tuple[str, ...] = ()

    @property
    def plain(self) -> tuple[str, ...]:
        return self.fallback if self.content_sid else (self.body,)


def render(
    replies: Iterable[Reply], language: Language, quick_replies: Mapping[int, str]
) -> list[Message]:
    messages: list[Message] = []
    for reply in replies:
        plain = split_body(plain_text(reply, language))
        quick = _quick_reply(reply, language, quick_replies, plain)
        messages.extend([quick] if quick else [Message(body) for body in plain])
    return messages


def plain_text(reply: Reply, language: Language) -> str:
    cat = catalogue(language)
    numbered = [c for c in reply.choices if _typed_word(c) is None]
    lines = [
        f"{n}. {c.label}" if reply.numbered else f"• {c.label}" for n, c in enumerate(numbered, 1)
    ]
    for choice in reply.choices:
        word = _typed_word(choice)
        if word is not None:
            lines.append(cat.text("whatsapp.type_word", label=choice.label, word=cat.text(word)))
    text = reply.text
    if lines:
        text += "\n\n" + "\n".join(lines)
    if numbered and reply.numbered:
        text += f"\n\n_{_number_hint(reply, len(numbered), language)}_"
    return text + _media_hint(reply, language)


def _typed_word(choice: Choice) -> str | None:
    """The catalogue key of the word to type for a choice a number does not pick."""
    return WORD_FOR.get(choice.id.partition("=")[2])


def _number_hint(reply: Reply, count: int, language: Language) -> str:
    typed = reply.expects == "text"  # a question answered by typing (several choices)
    key = ("type_or_" if typed else "choose_") + ("one" if count == 1 else "number")
    return catalogue(language).text(f"whatsapp.{key}", count=count)


def _media_hint(reply: Reply, language: Language) -> str:
    if reply.expects in ("photo", "location"):
        return "\n\n" + catalogue(language).text(f"whatsapp.{reply.expects}_hint")
    return ""


def _quick_reply(
    reply: Reply, language: Language, templates: Mapping[int, str], plain: Sequence[str]
) -> Message | None:
    choices = reply.choices
    content_sid = templates.get(len(choices))
    # Only single-choice questions: a multiple-choice answer ("1 3") is typed, not pressed.
    if content_sid is None or len(choices) not in QUICK_REPLY_SIZES or reply.expects != "choice":
        return None
    labels = [choice.label for choice in choices]
    if any(len(label) > BUTTON_TITLE_MAX for label in labels) or len(set(labels)) < len(labels):
        return None
    body = reply.text + _media_hint(reply, language)
    if len(body) > QUICK_REPLY_MAX_BODY:
        return None
    return Message(body, content_sid, quick_reply_variables(body, choices), tuple(plain))


def quick_reply_variables(body: str, choices: Sequence[Choice]) -> dict[str, str]:
    """The template's blanks: {{1}} the body, then title and id of each button in turn
    ({{2}}/{{3}}, {{4}}/{{5}}, {{6}}/{{7}}); see docs/whatsapp.md."""
    variables = {"1": body}
    for n, choice in enumerate(choices):
        variables[str(2 + 2 * n)] = choice.label
        variables[str(3 + 2 * n)] = choice.id
    return variables


def split_body(text: str, limit: int = MAX_BODY) -> list[str]:
    """`text` in pieces of at most `limit` characters, cut between paragraphs where
    possible, else between lines, else between words, else anywhere."""
    return [piece for piece in _split(text.strip(), limit, ("\n\n", "\n", " ")) if piece]


def _split(text: str, limit: int, separators: tuple[str, ...]) -> list[str]:
    if len(text) <= limit:
        return [text]
    if not separators:
        return [text[i : i + limit] for i in range(0, len(text), limit)]
    separator, finer = separators[0], separators[1:]
    pieces: list[str] = []
    current = ""
    for chunk in text.split(separator):
        for part in _split(chunk, limit, finer) if len(chunk) > limit else [chunk]:
            joined = f"{current}{separator}{part}" if current else part
            if len(joined) <= limit:
                current = joined
            else:
                pieces.append(current)
                current = part
    pieces.append(current)
    return [piece.strip() for piece in pieces]


def twiml(bodies: Iterable[str]) -> str:
    """The webhook's answer: one <Message> per body (none: Twilio sends nothing)."""
    response = MessagingResponse()
    for body in bodies:
        response.message(body)
    return str(response)
