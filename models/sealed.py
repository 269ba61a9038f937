"""Column types that keep personal data sealed at rest (see `models.crypto`).

The keys belong to the engine (`attach_keys`, done by `create_db_engine`): a column type is
made at import, long before the settings are read, and every statement knows its dialect.
An empty string stays empty (nothing to hide; anonymised rows are found by it); None stays
NULL.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Final, TypeVar

from sqlalchemy import JSON, String, Text
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BindParameter, ClauseElement
from sqlalchemy.sql.operators import OperatorType
from sqlalchemy.types import TypeDecorator

from models.crypto import KeyRing, SealError

_ATTRIBUTE: Final = "dtsen_keys"
# The key in a sealed JSON column's stored object holding the sealed whole.
SEALED_KEY: Final = "~sealed"


def attach_keys(engine: Engine, keys: KeyRing) -> None:
    setattr(engine.dialect, _ATTRIBUTE, keys)


def keys_of(dialect: Dialect) -> KeyRing:
    keys = getattr(dialect, _ATTRIBUTE, None)
    if keys is None:
        raise SealError(
            "no keys for personal data: set DATA_KEYS and LOOKUP_KEY, or DATA_DIR to the "
            "folder holding data_keys (the engine gets them from create_db_engine)"
        )
    assert isinstance(keys, KeyRing)
    return keys


class SealedComparisonError(SealError, TypeError):
    """A sealed column compared with a value in SQL: it could never match."""


# What SQL may still ask of a sealed column: ordering the rows does not look at the value's
# meaning, and NULL / "" are stored as they are (`SealedText`); `IS` only asks for NULL
# (`IS true` on a sealed yes/no would never hold).
_EMPTY_ONLY: Final = frozenset({operators.eq, operators.ne})
_NULL_ONLY: Final = frozenset({operators.is_, operators.is_not})
_ORDERING: Final = frozenset({operators.asc_op, operators.desc_op})
_ALLOWED: Final = _ORDERING | frozenset(
    {operators.collate, operators.nulls_first_op, operators.nulls_last_op, operators.distinct_op}
)


def _a_value(other: Any, op: OperatorType) -> bool:
    """Whether `other` is a value from Python (bound as a parameter) rather than SQL: SQL
    expressions (another column, as SQLAlchemy itself compares them) pass; so do NULL and
    "" where they are compared for (in)equality (stored as they are), and NULL after IS."""
    if isinstance(other, BindParameter):
        other = other.value
    elif isinstance(other, ClauseElement):
        return False
    if op in _NULL_ONLY:
        return other is not None
    empty = other is None or (isinstance(other, str) and other == "")
    return not (op in _EMPTY_ONLY and empty)


class _SealedComparator(TypeDecorator.Comparator[str]):
    """Refuses `Request.nik == "3204…"` and its kin: every seal has a fresh nonce, so the
    stored text never equals the bound value sealed again, and the query silently finds
    nothing. Exact look-ups go through the keyed-hash column (`Request.nik_lookup == nik`)."""

    def operate(self, op: OperatorType, *other: Any, **kwargs: Any) -> Any:
        # A sealed date or yes/no (`SealedValue`) is there to be read for its meaning:
        # sorting by it in SQL would silently give the order of the ciphertexts.
        ordered_ok = not isinstance(self.type, SealedValue)
        allowed = op in _ALLOWED and (ordered_ok or op not in _ORDERING)
        if allowed or (op not in _ALLOWED and not any(_a_value(v, op) for v in other)):
            return super().operate(op, *other, **kwargs)
        context = getattr(self.type, "context", "a sealed column")
        raise SealedComparisonError(
            f"{context} is sealed: SQL cannot compare or sort by it "
            f"({getattr(op, '__name__', op)}); find a NIK through its *_lookup column "
            "(keyed hash), or read the rows and compare or sort them in Python"
        )

    def reverse_operate(self, op: OperatorType, other: Any, **kwargs: Any) -> Any:
        return self.operate(op, other, **kwargs)


class SealedText(TypeDecorator[str]):
    """Text sealed with the engine's newest key, bound to `context` ("request.nik").

    SQL comparisons with a value raise `SealedComparisonError` (see `_SealedComparator`)."""

    impl = Text
    cache_ok = True
    comparator_factory = _SealedComparator

    def __init__(self, context: str) -> None:
        super().__init__()
        self.context = context

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if not value:
            return value
        return keys_of(dialect).seal(value, self.context)

    def process_result_value(self, value: Any | None, dialect: Dialect) -> str | None:
        if not value:
            return value
        return keys_of(dialect).open(str(value), self.context)


_V = TypeVar("_V")


class SealedValue(TypeDecorator[_V]):
    """A value that is not text (a date, a yes/no) sealed as `SealedText` seals text: its
    text form (`to_text`) is stored exactly as a sealed text is (`"v2:…"`, bound to
    `context`), so `keys rotate` and `keys retire` treat it as one. Python sees the value
    itself; None stays NULL. SQL can neither compare it with a value nor sort by it."""

    impl = SealedText
    cache_ok = True
    comparator_factory = _SealedComparator

    def __init__(self, context: str) -> None:
        super().__init__(context)  # the SealedText underneath, bound to the same context
        self.context = context

    def to_text(self, value: _V) -> str:
        raise NotImplementedError

    def from_text(self, text: str) -> _V:
        raise NotImplementedError

    def process_bind_param(self, value: _V | None, dialect: Dialect) -> str | None:
        return None if value is None else self.to_text(value)

    def process_result_value(self, value: Any | None, dialect: Dialect) -> _V | None:
        return self.from_text(value) if value else None


class SealedDate(SealedValue[date]):
    """A date sealed as its ISO text ("1992-03-14")."""

    cache_ok = True

    def to_text(self, value: date) -> str:
        return value.isoformat()

    def from_text(self, text: str) -> date:
        return date.fromisoformat(text)


class SealedBool(SealedValue[bool]):
    """A yes/no sealed as "1" or "0" (never empty: "no" is an answer, not a missing one)."""

    cache_ok = True

    def to_text(self, value: bool) -> str:
        return "1" if value else "0"

    def from_text(self, text: str) -> bool:
        if text not in ("1", "0"):
            raise SealError(f"a value in {self.context} is not a sealed yes/no")
        return text == "1"


class LookupDigest(TypeDecorator[str]):
    """The keyed hash (HMAC) of what is bound: set or compare it with the value in clear
    (`Request.nik_lookup == nik`). An empty value stays empty."""

    impl = String(64)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if not value:
            return value
        return keys_of(dialect).lookup(value)


class SealedJSON(TypeDecorator[Any]):
    """A JSON object stored as `{"~sealed": "<sealed whole>", <clear keys>...}`.

    `clear` names the keys that stay readable beside the sealed whole because SQL filters
    on them (the dusun, RT and RW of the staff queue and digests: a place inside a village,
    no one's identity); a read returns the whole object from the sealed part.
    """

    impl = JSON
    cache_ok = True

    def __init__(self, context: str, clear: tuple[str, ...] = (), none_as_null: bool = False):
        super().__init__(none_as_null=none_as_null)
        self.context = context
        self.clear = clear

    def process_bind_param(self, value: Any | None, dialect: Dialect) -> Any | None:
        if value is None:
            return None
        stored: dict[str, Any] = {}
        if isinstance(value, dict):
            stored = {key: value[key] for key in self.clear if key in value}
        stored[SEALED_KEY] = keys_of(dialect).seal_json(value, self.context)
        return stored

    def process_result_value(self, value: Any | None, dialect: Dialect) -> Any | None:
        if value is None:
            return None
        if not isinstance(value, dict) or SEALED_KEY not in value:
            raise SealError(f"a value in {self.context} is not sealed")
        return keys_of(dialect).open_json(value[SEALED_KEY], self.context)
