"""What a validator says back: a checked value with its hard errors and soft warnings.

A `Problem` carries only a code and language-neutral parameters; its text lives in the
message catalogue (`problem.<code>`), so the same result can be shown to a citizen in
Bahasa Indonesia and to an operator in English.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from conversations.catalogue import Language, catalogue

# Covariant: a frozen Checked[str] may be used where a Checked[object] is expected.
T = TypeVar("T", covariant=True)
V = TypeVar("V")
Severity = Literal["error", "warning"]


class Term(str):
    """A parameter value that is itself a catalogue key, translated when the message is built.

    Used where the wording depends on the language ("tanggalnya berbeda" / "the day differs")
    but the parameter must stay language-neutral. It is a `str`, so params stay JSON-friendly.
    """

    __slots__ = ()


@dataclass(frozen=True)
class Problem:
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def message(self, language: Language = "id") -> str:
        texts = catalogue(language)
        params = {
            key: texts.text(value) if isinstance(value, Term) else value
            for key, value in self.params.items()
        }
        return texts.text("problem." + self.code, **params)


@dataclass(frozen=True)
class Checked(Generic[T]):
    value: T | None
    errors: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def problems(self) -> tuple[tuple[Severity, Problem], ...]:
        """Errors first, then warnings, each tagged with its severity (for lists and JSON)."""
        tagged: list[tuple[Severity, Problem]] = [("error", p) for p in self.errors]
        tagged += [("warning", p) for p in self.warnings]
        return tuple(tagged)

    @staticmethod
    def good(value: V, *warnings: Problem) -> Checked[V]:
        return Checked(value=value, warnings=tuple(warnings))

    @staticmethod
    def bad(*errors: Problem, warnings: tuple[Problem, ...] = ()) -> Checked[Any]:
        # A refused answer never carries a value, so callers cannot use it by mistake.
        return Checked(value=None, errors=tuple(errors), warnings=warnings)


def problem(code: str, /, **params: Any) -> Problem:
    """Shorthand used by the validators: `problem("nik_length", got=15)`.

    `code` is positional-only so that a parameter may itself be called `code`.
    """
    return Problem(code, params)
