"""No message a citizen (or a village operator) receives is over 600 characters.

Every catalogue text is filled with the longest value each blank realistically takes, in
both languages; the composed messages (the summary's sections, a question shown again with
its earlier answer, the status timeline) are built from the longest answers the parsers
accept. The figures are printed (`pytest -s`) for the closing note.
"""

from __future__ import annotations

import string
from datetime import UTC, date, datetime
from typing import Any

import pytest

from conversations import render
from conversations.catalogue import LANGUAGES, Language, catalogue
from conversations.effects import RequestView, StatusStep
from conversations.flow import EngineConfig, FlowContext, Repeat, Step, positions
from conversations.flows import FLOWS
from conversations.flows.status import with_explanation
from conversations.validators import default_regions
from staff.workflow import shipped_workflows

LIMIT = 600


def _longest(texts: list[str]) -> str:
    return max(texts, key=len)


def _labels(prefix: str, language: Language) -> list[str]:
    cat = catalogue(language)
    return [cat.text(k) for k in sorted(cat.keys()) if k.startswith(prefix)]


def longest_values(language: Language) -> dict[str, str]:
    """The longest realistic value of every blank in the catalogues."""
    regions = default_regions()
    village = _longest([v.label() for v in regions.search_villages("sumber", limit=50)])
    long_name = "Muhammad Abdurrahman Al-Fatih Wicaksono Hadiningrat Putra"  # 57 of 60
    choice = _longest(_labels("choice.", language))
    return {
        "count": "30",
        "total": "30",
        "n": "30",
        "days": "30",
        "minutes": "60",
        "minimum": "200",
        "maximum": "500",
        "got": "4096",
        "digits": "999999",
        "chars": "@ # $ % & * !",
        "hint": _longest(_labels("problem_hint.", language)),
        "code": "32.04.99",
        "ticket": "U-7KQ4M9",
        "tickets": "U-7KQ4M9 / S-7KQ4M9",
        # What a hand-over keeps (conversations/flows/sanggahan.py carried_household).
        "kept": ", ".join(
            catalogue(language).text(f"summary.{key}")
            for key in ("nik", "name", "village", "rt_rw")
        ),
        "flow": _longest(_labels("flow_name.", language)),
        "next": _longest(_labels("flow_name.", language)),
        "kind": _longest(_labels("kind.", language)),
        "status": _longest(_labels("status.", language)[:40]),
        "stage": _longest(_labels("status.", language)[:40]),
        "village": village,
        "place": "Balai Desa " + village.split(",")[0],
        "area": village,
        "agenda": "30 usulan, 30 sanggahan",
        "regency": "Kabupaten Kepulauan Siau Tagulandang Biaro",
        "province": "Kepulauan Bangka Belitung",
        "date": "30 September 2026",
        "cutoff": "17 September 2026",
        "updated": "30 September 2026 23:59",
        "since": "30 September 2026 23:59",
        "time": "23:59",
        "at": "30 September 2026 23:59",
        "due": "30 September 2026 23:59",  # when staff erase a request ("hapus data saya")
        "asked": "30 September 2026 23:59",
        "niks": "3204********0001, 3204********0002, 3204********0003 (+9)",
        "lines": "\n".join(
            [
                "Sudah diisi: 999 jawaban",
                "NIK: " + "3204********0001, " * 3,
                "KK: 3204********0001",
                "Foto: 99",
            ]
        ),
        "version": "sanggahan-2026-11-v12",  # a consent text's version, as "data saya" shows it
        "month": "September",
        "last": "30",
        "earliest": "1900",
        # The longest group read from a KTP (prefill.py): the address, as the card prints it.
        "fields": "\n".join(
            (
                f"Kel/Desa: {village}",
                "RT: 003",
                "RW: 005",
                "Alamat: JL. KH. AHMAD DAHLAN GG. MAWAR MERAH NO. 117 BLOK C-12 KOMPLEK PERUMAHAN",
            )
        ),
        "nik": "3204********0001",
        "kk": "3204********0001",
        "nik_date": "30-09-1985",
        "typed_date": "30-09-1958",
        "nik_sex": "perempuan",
        "typed_sex": "laki-laki",
        "parts": "tanggal, bulan dan tahunnya berbeda",
        "name": long_name,
        "names": long_name,
        "label": choice,
        "picked": ", ".join(_labels("choice.conditions.", language)[:4]),
        "value": "Jl. " + "Panjang " * 24,  # a 200-character street, the longest answer
        "said": "x" * 40,  # what was typed, quoted back clipped
        "query": "x" * 40,
        "word": "lewati",
        "phone": "+6281234567890",
        "reason": "x" * 300,
        "section": _longest(_labels("choice.summary_section.", language)),
        # Every kind's count ("usulan 30, sanggahan 30"), as the digest writes them.
        "counts": ", ".join(f"{w} 30" for w in _labels("digest.kind.", language)),
        "placeholders": "{a}, {b}",
        "example": "U-7KQ4M9",
        "field": _longest(_labels("summary.", language)),
        "part": _longest(_labels("summary.", language)),
        "answer": "x" * 40,
        "member": long_name,
        # Words of the shipped regional workflows (cek status explains each stage).
        "who": _longest([s.who.get(language) for w in shipped_workflows() for s in w.stages]),
        "ask": _longest([s.ask.get(language) for w in shipped_workflows() for s in w.stages]),
        # Who proposed a household on its behalf, as its notice names them.
        "capacity": _longest(_labels("proposer.capacity.", language)),
    }


def blanks(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_catalogue_text_filled_with_the_longest_values_fits(language: Language):
    cat = catalogue(language)
    values = longest_values(language)
    lengths = {}
    for key in sorted(cat.keys()):
        template = cat.template(key)
        missing = blanks(template) - set(values)
        assert not missing, f"{key}: give the longest realistic value of {missing}"
        lengths[key] = len(template.format(**values))
    too_long = {k: n for k, n in lengths.items() if n > LIMIT}
    assert not too_long, too_long
    key = max(lengths, key=lengths.__getitem__)
    print(f"\n[{language}] longest catalogue text: {key}, {lengths[key]} characters")


def longest_answers() -> dict[str, Any]:
    """An usulan with every answer as long as the parsers let it be."""
    long_name = "Muhammad Abdurrahman Al-Fatih Wicaksono Hadiningrat Putra"
    answers: dict[str, Any] = {
        "consent": "yes",
        "for_whom": "other_household",
        "nik": "3204051708850001",
        "kk": "3204050101200003",
        "name": long_name,
        "birth_place": "Kabupaten Kepulauan Siau Tagulandang Biaro Ulu Siau",
        "birth_date": "1985-08-17",
        "mother_name": long_name,
        "relationship": "famili_lain",
        "marital": "cerai_hidup",
        "occupation": "pekerja_rumah_tangga",
        "village": "32.04.05.2004",
        "village_label": _longest(
            [v.label() for v in default_regions().search_villages("sumber", limit=50)]
        ),
        "dusun": "Dusun " + "Panjang " * 6,
        "rt": "003",
        "rw": "007",
        "street": ("Jl. " + "Panjang " * 25)[:200],
        "household_size": 12,
        "members_now": "yes",
        "floor": "keramik",
        "wall": "tembok_kasar",
        "roof": "daun",
        "water": "sumur_terbuka",
        "lighting": "listrik_non_pln",
        "fuel": "lpg_besar",
        "toilet": "bersama",
        "conditions": ["disabilitas", "lansia", "hamil", "penyakit_kronis"],
        "programmes": ["pkh", "bpnt", "pbi_jkn"],
        "photo_ktp": {"ref": "a", "content_type": "image/jpeg"},
        "photo_house": {"ref": "b", "content_type": "image/jpeg"},
        "location": {"lat": -6.9, "lon": 107.7},
        "phone": "+6281234567890",
    }
    for i in range(11):
        answers[f"members.{i}.nik"] = None
        answers[f"members.{i}.name"] = long_name
        answers[f"members.{i}.relationship"] = "famili_lain"
    return answers


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_summary_sections_fit_with_the_longest_answers(language: Language):
    replies = render.summary(FLOWS["usulan"], longest_answers(), language)
    lengths = [len(r.text) for r in replies]
    assert max(lengths) <= LIMIT, lengths
    print(f"\n[{language}] summary: {len(replies)} messages, longest {max(lengths)} characters")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_question_shown_again_with_its_longest_earlier_answer_fits(language: Language):
    answers = longest_answers()
    flow = FLOWS["usulan"]
    longest = 0
    for position in positions(flow, answers):
        scratch = {"previous": {position.key: answers.get(position.key)}}
        if isinstance(position.node, Step) and position.step.kind == "multi_choice":
            scratch["picked"] = answers.get(position.key) or []
        reply = render.question(position, {}, scratch, language, known_phone="+6281234567890")
        assert len(reply.text) <= LIMIT, (position.key, len(reply.text))
        longest = max(longest, len(reply.text))
    assert any(isinstance(n, Repeat) for n in flow.nodes)
    print(f"\n[{language}] longest question: {longest} characters")


def longest_explanation(language: Language) -> str:
    """The longest stage explanation of any shipped workflow (cek status shows one)."""
    from staff.explain import explain_stage

    return max(
        (
            explain_stage(w, s.id, entered=date(2026, 3, 17), ticket="U-7KQ4M9", language=language)
            for w in shipped_workflows()
            for s in w.stages
        ),
        key=len,
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_status_timeline_with_every_stage_fits(language: Language):
    ctx = FlowContext(date(2026, 11, 23), language, default_regions(), EngineConfig(), ())
    at = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    words = {language: "Dibahas di musyawarah desa, menunggu berita acara dan tanda tangan"}
    request = RequestView(
        ticket="U7KQ4M9",
        kind="usulan",
        status="diterima",
        created_at=at,
        updated_at=at,
        village=longest_answers()["village_label"],
        status_text=words,
        history=tuple(StatusStep(at, "x", words, note="x" * 60) for _ in range(12)),
        explain={language: longest_explanation(language)},
    )
    for text in with_explanation(request, ctx):
        assert len(text) <= LIMIT, len(text)
