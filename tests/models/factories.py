"""Builders for test data."""

from __future__ import annotations

import io
import itertools
from datetime import UTC, datetime
from typing import Any

from PIL import Image

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


def new_perbaikan(**overrides: Any) -> NewRequest:
    """Budi's own data corrected: his name and his address are wrong in DTSEN."""
    values: dict[str, Any] = {
        "kind": "perbaikan",
        "subtype": "self",
        "channel": "whatsapp",
        "chat_id": "whatsapp:+6281200000002",
        "village_code": "32.04.01.2001",
        "nik": NIK_C,
        "kk": KK_A,
        "name": "Budi Santoso",
        "answers": {
            "perbaikan_for": "self",
            "nik": NIK_C,
            "name": "Budi Santoso",
            "kk": KK_A,
            "address": "Jl. Melati Gg. 2, Dusun Krajan",
            "street": "Jl. Melati Gg. 2",
            "dusun": "Krajan",
            "rt_rw": "003/005",
            "rt": "003",
            "rw": "005",
            "perbaikan_fields": ["nama", "alamat"],
            "recorded_now": "Budi Santosa",
            "document_photo": None,
        },
        "language": "id",
        "consent_version": "perbaikan-2026-12",
        "consent_given_at": NOW,
    }
    values.update(overrides)
    return NewRequest(**values)


def new_perubahan(**overrides: Any) -> NewRequest:
    """A household's report that a member died (the reporter is another member)."""
    values: dict[str, Any] = {
        "kind": "perubahan",
        "subtype": "death",
        "channel": "whatsapp",
        "chat_id": "whatsapp:+6281200000002",
        "village_code": "32.04.01.2001",
        "nik": NIK_B,
        "kk": KK_A,
        "name": "Budi Santoso",
        "subject_nik": NIK_A,
        "subject_name": "Siti Aminah",
        "answers": {"change": "death", "death_date": "2025-11-15", "witness_name": "Pak RT"},
        "flags": ["death_letter_missing"],
        "language": "id",
        "consent_version": "perubahan-2025-11",
        "consent_given_at": NOW,
    }
    values.update(overrides)
    return NewRequest(**values)


def _tiny_image(format: str) -> bytes:
    """A small picture that decodes: the blob store refuses magic bytes followed by junk."""
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (150, 200, 235)).save(buffer, format=format)
    return buffer.getvalue()


JPEG = _tiny_image("JPEG")
PNG = _tiny_image("PNG")
WEBP = _tiny_image("WEBP")
GIF = _tiny_image("GIF")
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + b"\x00" * 64
