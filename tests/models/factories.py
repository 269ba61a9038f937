"""Builders for test data."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from models.requests import NewMember, NewRequest

NOW = datetime(2025, 11, 20, 9, 0, tzinfo=UTC)

# Structurally plausible 16-digit numbers (Kab. Bandung prefix 3204); not real people.
NIK_A = "3204014101900001"
NIK_B = "3204015502850002"
NIK_C = "3204011203100003"
NIK_D = "3204016707150004"
KK_A = "3204010101200001"


_SERIALS = itertools.count(100)


def fresh_nik() -> str:
    """A NIK no other call returns (serials from 0100): one open usulan per NIK is the rule."""
    return f"{NIK_A[:12]}{next(_SERIALS):04d}"


def new_usulan(**overrides: Any) -> NewRequest:
    values: dict[str, Any] = {
        "kind": "usulan",
        "subtype": "family",
        "channel": "telegram",
        "chat_id": "1001",
        "village_code": "32.04.01.2001",
        "nik": NIK_A,
        "kk": KK_A,
        "name": "Siti Aminah",
        "answers": {"lantai": "tanah", "penghasilan": "< 1 juta", "program": ["PKH", "BPNT"]},
        "flags": [],
        "language": "id",
        "members": [
            NewMember(nik=NIK_B, name="Budi Santoso", relationship="suami"),
            NewMember(nik=None, name="Ani", relationship="anak"),
        ],
        "consent_version": "usulan-2025-11",
        "consent_given_at": NOW,
    }
    values.update(overrides)
    return NewRequest(**values)


def new_sanggahan(**overrides: Any) -> NewRequest:
    values: dict[str, Any] = {
        "kind": "sanggahan",
        "subtype": "recipient_not_eligible",
        "channel": "whatsapp",
        "chat_id": "whatsapp:+6281200000001",
        "village_code": "32.04.01.2001",
        "nik": NIK_C,
        "name": "Pelapor",
        "subject_nik": NIK_D,
        "subject_name": "Orang Mampu",
        "answers": {"alasan": "sudah_mampu"},
        "language": "id",
        "consent_version": "sanggahan-2025-11",
        "consent_given_at": NOW,
    }
    values.update(overrides)
    return NewRequest(**values)


# Smallest byte strings each image sniffer accepts, padded a little.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64
GIF = b"GIF89a" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + b"\x00" * 64
