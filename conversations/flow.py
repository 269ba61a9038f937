"""How a flow is declared: steps as data, with their parsers, choices and conditions.

A flow is an ordered list of steps. Where the conversation stands is always derived from
the answers: the next question is the first step that applies and has no answer yet. So
going back, changing a field from the summary, and dropping answers that no longer apply
all follow from the same rule.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Generic, Literal, Protocol, TypeVar, cast

from conversations.catalogue import Language
from conversations.effects import Effect, EffectRequest, EffectResult, Fact
from conversations.timezones import NATIONAL
from conversations.types import Incoming
from conversations.validators import Problem, RegionIndex

StepKind = Literal["text", "choice", "multi_choice", "yes_no", "photo", "location", "village"]
Answers = Mapping[str, Any]


@dataclass(frozen=True)
class ParseContext:
    now: datetime
    today: date
    language: Language
    answers: Answers
    regions: RegionIndex
    key: str  # the answer key being filled, e.g. "nik" or "members.2.nik"
    # Parts of a grouped answer taken from an earlier, incomplete try at this question
    # (the place of "Tempat/Tgl lahir" typed alone): only the rest needs typing now.
    partial: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Parsed:
    """What a parser made of an answer.

    `extra` holds further answers derived from this one (the sex and birth date in a NIK);
    `warnings` are soft problems the citizen must confirm; `flags` are recorded for staff.
    """

    value: Any = None
    errors: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)
    # The errors end the flow: nothing can usefully be asked now (a lock-out).
    stop: bool = False
    # Said once the answer is taken: parts that were left out, asked next on their own.
    notes: tuple[Problem, ...] = ()
    # An incomplete grouped answer: the parts that are right, kept while the question is
    # open; `errors` then say what was kept and ask only for the rest (one message).
    partial: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


Parser = Callable[[Incoming, ParseContext], Parsed]
Condition = Callable[[Answers], bool]
# The result of one effect (a union of its variants).
R = TypeVar("R", bound=EffectResult)


class Verifier(Protocol):
    """What the engine asks of a step's check, whatever its effect (built by `check`)."""

    def request(self, value: Any, answers: Answers) -> Effect | None: ...

    def verdict(self, result: EffectResult, value: Any, answers: Answers) -> Parsed: ...


def check(
    ask: Callable[[Any, Answers], EffectRequest[R] | None],
    judge: Callable[[R, Any, Answers], Parsed],
) -> Verifier:
    """The service checks an accepted value (is there an open usulan for this NIK?).

    `ask` builds the effect (None: nothing to check); `judge` turns its typed result into
    problems (refuse) or nothing (accept), plus extra answers. mypy checks that `judge`
    takes every result `ask`'s effect can give (R is inferred from these two alone).
    """
    return _Check(ask, judge)


@dataclass(frozen=True)
class _Check(Generic[R]):
    ask: Callable[[Any, Answers], EffectRequest[R] | None]
    judge: Callable[[R, Any, Answers], Parsed]

    def request(self, value: Any, answers: Answers) -> EffectRequest[R] | None:
        return self.ask(value, answers)

    def verdict(self, result: EffectResult, value: Any, answers: Answers) -> Parsed:
        # The service answered the effect `ask` built, so the result is one of its R.
        return self.judge(cast(R, result), value, answers)


@dataclass(frozen=True)
class ChoiceSet:
    """Choices whose labels live in the catalogue under `choice.<name>.<value>`."""

    name: str
    values: tuple[str, ...]
    # A value that excludes the others in a multiple choice ("tidak ada").
    exclusive: str | None = None


@dataclass(frozen=True)
class Reuse:
    """An answer this chat gave in one of its earlier requests, offered as one tap when the
    question is asked ("Pakai 3204********0001 Budi S."): fetched with `RecallAnswers`,
    shown masked, and fetched again and taken exactly as if typed only when tapped, so the
    citizen confirms it and nothing of it waits in the conversation."""

    facts: tuple[Fact, ...]
    # The button's words for the values (masked: a NIK or phone is never shown whole).
    shown: Callable[[Mapping[Fact, str]], str]
    # The answer the values make, as the citizen would type it.
    typed: Callable[[Mapping[Fact, str]], str]
    when: Condition | None = None


@dataclass(frozen=True)
class HandOver:
    """An answer that shows the request is another kind than the flow files: the
    conversation goes on in that kind's flow, keeping what was already typed.

    "Keluarga saya tidak terdaftar" chosen in a sanggahan is an usulan: the sanggahan's
    village, name, NIK and RT/RW become the usulan's answers, the citizen reads `says`
    (why, and that nothing typed is lost), then the new flow's first open question: its own
    consent, since consent is given for one purpose at a time (UU 27/2022).
    """

    value: str  # the answer that hands over
    flow: str  # the flow it goes on in
    # The new flow's answers from this flow's (None values are left out): values already
    # checked by this flow's parsers, in the form the new flow's parsers would give them.
    carry: Callable[[Answers], Mapping[str, Any]]
    says: str  # catalogue key of the explanation; `{kept}` names the answers kept


@dataclass(frozen=True)
class Step:
    key: str
    kind: StepKind
    # Catalogue key of the question; defaults to `ask.<key>`.
    prompt: str | None = None
    parse: Parser | None = None
    choices: ChoiceSet | None = None
    optional: bool = False
    when: Condition | None = None
    verify: Verifier | None = None
    # Answers that must be asked again when this one changes...
    invalidates: tuple[str, ...] = ()
    # ...unless they still fit the new one (a new NIK with the same birth date).
    still_fits: Callable[[str, Answers], bool] | None = None
    # Catalogue key of the label in the summary; None keeps it out of the summary.
    summary: str | None = None
    # How the value is shown back (e.g. a NIK masked); the raw value otherwise.
    display: Callable[[Any], str] | None = None
    # Optional answers skipped together with this one (each still asked when this is given).
    skips_also: tuple[str, ...] = ()
    # A phone question: takes a shared contact, and offers the number the channel knows.
    asks_phone: bool = False
    # Ends the flow on this answer (no consent): returns the catalogue key of the goodbye.
    stop_if: Callable[[Any], str | None] | None = None
    # What this chat answered before, offered as one tap (None: nothing is offered).
    reuse: Reuse | None = None
    # The answer as the citizen would type it, from the values read off the KTP photo;
    # None when the card does not answer this question (prefill.py).
    from_card: Callable[[Mapping[str, Any]], Any] | None = None
    # A photo whose check refuses it (blurred, dark...) may be sent again this many times;
    # after that it is kept as it is and the flow goes on (0: asked until it passes).
    retakes: int = 0
    # Answers that make the request another kind: the conversation goes on in its flow.
    hands_over: tuple[HandOver, ...] = ()
    # The question's catalogue key chosen by the answers so far (None: `prompt_key`), where
    # who is asked changes what the question must say.
    prompt_for: Callable[[Answers], str | None] | None = None

    @property
    def prompt_key(self) -> str:
        return self.prompt or f"ask.{self.key}"

    def prompt_key_for(self, answers: Answers) -> str:
        chosen = self.prompt_for(answers) if self.prompt_for is not None else None
        return chosen or self.prompt_key

    def applies(self, answers: Answers) -> bool:
        return self.when is None or self.when(answers)


@dataclass(frozen=True)
class Repeat:
    """A group of steps asked `count(answers)` times (the members of a household).

    Answers are stored under `<key>.<i>.<step key>`, i is 0-based.
    """

    key: str
    steps: tuple[Step, ...]
    count: Callable[[Answers], int]
    when: Condition | None = None
    summary: str | None = None
    # Other answers that belong to this group in the summary (changing it asks them again).
    also_clears: tuple[str, ...] = ()
    # Steps whose answers the summary shows after each name: "Sri (Petani, disabilitas)".
    details: tuple[str, ...] = ()

    def applies(self, answers: Answers) -> bool:
        return self.when is None or self.when(answers)


Node = Step | Repeat


class Ending(Protocol):
    """What the engine asks of a flow's ending, whatever its effect (built by `ending`)."""

    def effect(self, answers: Answers, ctx: FlowContext) -> Effect | None: ...

    def closing(
        self, answers: Answers, result: EffectResult | None, ctx: FlowContext
    ) -> Closing: ...


def ending(
    effect: Callable[[Answers, FlowContext], EffectRequest[R] | None],
    close: Callable[[Answers, R | None, FlowContext], Closing],
) -> Ending:
    """How a finished flow ends.

    `effect` builds what the service must do (file the request; None: nothing); `close`
    turns the answers and the effect's typed result (None without an effect) into the
    closing replies. mypy checks that `close` takes every result of `effect`'s effect.
    """
    return _Ending(effect, close)


@dataclass(frozen=True)
class _Ending(Generic[R]):
    build: Callable[[Answers, FlowContext], EffectRequest[R] | None]
    close: Callable[[Answers, R | None, FlowContext], Closing]

    def effect(self, answers: Answers, ctx: FlowContext) -> EffectRequest[R] | None:
        return self.build(answers, ctx)

    def closing(self, answers: Answers, result: EffectResult | None, ctx: FlowContext) -> Closing:
        # The service answered the effect `build` made, so the result is one of its R.
        return self.close(answers, cast(R | None, result), ctx)


@dataclass(frozen=True)
class Closing:
    texts: tuple[str, ...]
    # A refusal the citizen can fix: the flow stays open, every other answer is kept, and
    # these answers are asked again (then the summary), as when changed from the summary.
    ask_again: tuple[str, ...] = ()


@dataclass(frozen=True)
class FlowContext:
    today: date
    language: Language
    regions: RegionIndex
    config: EngineConfig
    flags: tuple[str, ...]


@dataclass(frozen=True)
class Section:
    """A part of the summary, sent as one message with its own "ubah" choice.

    `name` labels it (`choice.summary_section.<name>`); `keys` are the node keys it shows.
    `label_for` may name another label for some answers (the usulan's "Data diri" reads
    "Data yang diusulkan" when it is for someone else); the section keeps its name.
    """

    name: str
    keys: tuple[str, ...]
    label_for: Callable[[Mapping[str, Any]], str | None] | None = None

    def label(self, answers: Mapping[str, Any]) -> str:
        """The name of its label (`choice.summary_section.<it>`) for these answers."""
        other = self.label_for(answers) if self.label_for is not None else None
        return other or self.name


@dataclass(frozen=True)
class Flow:
    name: str
    nodes: tuple[Node, ...]
    finish: Ending
    # Show a summary and ask "ya" before finishing.
    confirm: bool = True
    # Offered on the main menu (at its place in the registration, flows/__init__.py);
    # False for a flow only reached otherwise.
    on_menu: bool = True
    # The summary's parts, in order; answers in none of them come last under "Lainnya".
    sections: tuple[Section, ...] = ()
    # Answers read from a photo are confirmed in these groups, one message each (prefill.py).
    card_groups: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class EngineConfig:
    conversation_ttl: timedelta = timedelta(days=7)
    resume_prompt_after: timedelta = timedelta(minutes=30)
    cutoff_day: int = 17
    consent_version: str = "2026-11-v1"
    # Dates and times are shown to people in this zone.
    timezone: str = NATIONAL.key
    # The service reads ID photos (bot/photos): flows with `card_groups` then ask for the
    # card first and offer what it says. Without a reader it is one photo among the others.
    reads_photos: bool = False


@dataclass(frozen=True)
class Position:
    """One question in a flow as it stands: the answer key and the step that asks it."""

    key: str
    step: Step
    node: Node
    index: int | None = None  # which repetition, for steps in a Repeat


def positions(flow: Flow, answers: Answers) -> list[Position]:
    """Every question that applies, in order, given the answers so far."""
    return list(iter_positions(flow, answers))


def iter_positions(flow: Flow, answers: Answers) -> Iterator[Position]:
    """`positions` one at a time: the engine looks for one question (the current one, the
    first unanswered) on every message and stops there, instead of evaluating every
    condition of the flow each time."""
    for node in flow.nodes:
        if not node.applies(answers):
            continue
        if isinstance(node, Step):
            yield Position(node.key, node, node)
            continue
        count = node.count(answers)
        if count <= 0:
            continue
        groups = _repetitions(answers, node.key)
        for i in range(count):
            scoped = ChainMap(groups.get(i, {}), answers)  # type: ignore[arg-type]
            for step in node.steps:
                if step.applies(scoped):
                    yield Position(f"{node.key}.{i}.{step.key}", step, node, i)


def _repetitions(answers: Answers, prefix: str) -> dict[int, dict[str, Any]]:
    """The answers of each repetition of `prefix`, their own keys unprefixed: one pass over
    the answers for all repetitions (copying every answer per repetition was the engine's
    top cost), seen through a ChainMap over the whole answers."""
    head = f"{prefix}."
    groups: dict[int, dict[str, Any]] = {}
    for k, v in answers.items():
        if not k.startswith(head):
            continue
        index, _, own = k[len(head) :].partition(".")
        if own and index.isdigit():
            groups.setdefault(int(index), {})[own] = v
    return groups
