"""KTP-like cards for the OCR benchmark and the tests: rendered, then photographed badly.

The card follows the real e-KTP layout: province and kabupaten/kota header, the NIK line in
large bold type, the fields with their colons (Nama, Tempat/Tgl Lahir, Jenis Kelamin with
Gol. Darah, Alamat with RT/RW, Kel/Desa and Kecamatan indented under it, Agama, Status
Perkawinan, Pekerjaan, Kewarganegaraan, Berlaku Hingga), the photo box on the right and the
place, date and signature under it. Fonts are Liberation Sans (metrically Arial, Debian
`fonts-liberation`), close to the Arial-like face printed on real cards.

Every NIK is valid against the shipped Kemendagri region list: region code of a real
kecamatan, birth date (day + 40 for women), serial. Nothing here is a real person.

`photograph` then does what a phone does to a card on a table: perspective and rotation
(up to 15 degrees), uneven light, motion blur, a finger over a corner, the phone's
resolution, JPEG quality 30-70. `bad_photo` makes photos the quality checks must refuse.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from conversations.validators import RegionIndex, default_regions

FONT_DIR = Path("/usr/share/fonts/truetype/liberation")
CARD_W, CARD_H = 1012, 638  # 85.6 x 54 mm at about 300 dpi

FIRST = [
    "BUDI",
    "AGUS",
    "SITI",
    "DEWI",
    "RINA",
    "AHMAD",
    "MUHAMMAD",
    "NUR",
    "SRI",
    "EKO",
    "JOKO",
    "YULI",
    "WAHYU",
    "INDAH",
    "PUTRI",
    "RATNA",
    "HENDRA",
    "DEDI",
    "ASEP",
    "UJANG",
    "NENG",
    "DADANG",
    "IWAN",
    "RUDI",
    "SUSI",
    "ENDANG",
    "YANTI",
    "LILIS",
    "TATANG",
    "KOMANG",
    "NI",
    "WAYAN",
    "MADE",
    "KETUT",
    "I",
    "GUSTI",
    "NYOMAN",
    "ANDI",
    "LA",
    "WA",
    "FITRI",
    "HASAN",
    "ISMAIL",
    "RAHMAT",
    "SLAMET",
    "SUPARMAN",
]
LAST = [
    "SANTOSO",
    "WIJAYA",
    "SURYANI",
    "HARTONO",
    "PRATAMA",
    "KURNIAWAN",
    "LESTARI",
    "RAHAYU",
    "SETIAWAN",
    "HIDAYAT",
    "NURHAYATI",
    "SUMARNI",
    "SAPUTRA",
    "WULANDARI",
    "GUNAWAN",
    "SUHERMAN",
    "MULYADI",
    "KARTIKA",
    "PURNAMASARI",
    "SIREGAR",
    "NASUTION",
    "HUTAGALUNG",
    "SIMANJUNTAK",
    "ARDIANSYAH",
    "MAULANA",
    "FIRMANSYAH",
    "SUTRISNO",
]
STREETS = (
    "JL. MERDEKA",
    "JL. SUDIRMAN",
    "DUSUN KRAJAN",
    "KP. BABAKAN",
    "JL. RAYA",
    "GG. MAWAR",
    "DSN. SUKAMAJU",
    "JL. PASAR BARU",
    "KP. CIBEUREUM",
    "JL. KH. AHMAD DAHLAN",
)
RELIGIONS = ("ISLAM", "ISLAM", "ISLAM", "KRISTEN", "KATHOLIK", "HINDU", "BUDDHA")
MARITAL = {
    "belum_kawin": "BELUM KAWIN",
    "kawin": "KAWIN",
    "cerai_hidup": "CERAI HIDUP",
    "cerai_mati": "CERAI MATI",
}
OCCUPATIONS = {
    "tidak_bekerja": "BELUM/TIDAK BEKERJA",
    "petani": "PETANI/PEKEBUN",
    "nelayan": "NELAYAN/PERIKANAN",
    "buruh": "BURUH HARIAN LEPAS",
    "pedagang": "PEDAGANG",
    "karyawan": "KARYAWAN SWASTA",
    "wiraswasta": "WIRASWASTA",
    "pelajar": "PELAJAR/MAHASISWA",
    "mengurus_rumah_tangga": "MENGURUS RUMAH TANGGA",
}


@dataclass(frozen=True)
class Person:
    """What is printed on the card, in the answer keys of the usulan flow."""

    nik: str
    name: str
    birth_place: str
    birth_date: str  # ISO
    sex: str  # L / P
    street: str
    rt: str
    rw: str
    village: str  # desa code, dotted
    village_name: str
    kecamatan_name: str
    kabupaten_name: str
    province_name: str
    religion: str
    marital: str
    occupation: str
    issued: str  # ISO

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@cache
def _all_desa() -> tuple[str, ...]:
    """Every current desa code of the shipped Kemendagri list."""
    path = Path(__file__).resolve().parents[1] / "conversations" / "data" / "wilayah.csv"
    with path.open(encoding="utf-8", newline="") as rows:
        return tuple(row["code"] for row in csv.DictReader(rows) if row["level"] == "desa")


def _kabupaten_label(name: str) -> str:
    # The Kemendagri list says "Kabupaten Bandung" / "Kota Bima"; cards print it in capitals.
    return name.upper()


def make_person(rng: random.Random, regions: RegionIndex | None = None) -> Person:
    index = regions or default_regions()
    while True:
        code = rng.choice(_all_desa())
        village = index.village(code)
        if village is not None and not village.retired:
            break
    digits = code.replace(".", "")
    sex = rng.choice("LP")
    born = date(1945, 1, 1) + timedelta(days=rng.randrange(0, 365 * 62))
    day = born.day + (40 if sex == "P" else 0)
    serial = rng.randrange(1, 3000)
    nik = f"{digits[:6]}{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"
    first = rng.choice(FIRST)
    name = " ".join([first, *rng.sample(LAST, rng.choice((1, 1, 2)))])
    kab = village.kabupaten.removeprefix("Kabupaten ").removeprefix("Kota ")
    street = f"{rng.choice(STREETS)} NO. {rng.randrange(1, 120)}"
    return Person(
        nik=nik,
        name=name,
        birth_place=kab.upper(),
        birth_date=born.isoformat(),
        sex=sex,
        street=street,
        rt=f"{rng.randrange(1, 20):03d}",
        rw=f"{rng.randrange(1, 15):03d}",
        village=code,
        village_name=village.name.upper(),
        kecamatan_name=village.kecamatan.upper(),
        kabupaten_name=_kabupaten_label(village.kabupaten),
        province_name=village.provinsi.upper(),
        religion=rng.choice(RELIGIONS),
        marital=rng.choice(tuple(MARITAL)),
        occupation=rng.choice(tuple(OCCUPATIONS)),
        issued=(date(2012, 1, 1) + timedelta(days=rng.randrange(0, 4000))).isoformat(),
    )


@cache
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    name = "LiberationSans-Bold.ttf" if bold else "LiberationSans-Regular.ttf"
    return ImageFont.truetype(str(FONT_DIR / name), size)


def _dmy(iso: str) -> str:
    d = date.fromisoformat(iso)
    return f"{d.day:02d}-{d.month:02d}-{d.year}"


def render_card(person: Person, rng: random.Random | None = None) -> Image.Image:
    """The card, flat and sharp, CARD_W x CARD_H pixels."""
    rng = rng or random.Random(person.nik)
    card = _background(rng)
    draw = ImageDraw.Draw(card)
    ink = (20, 20, 30)
    header = _font(30, bold=True)
    draw.text(
        (CARD_W // 2, 22), f"PROVINSI {person.province_name}", font=header, fill=ink, anchor="mt"
    )
    draw.text((CARD_W // 2, 60), person.kabupaten_name, font=header, fill=ink, anchor="mt")
    big = _font(38, bold=True)
    draw.text((34, 112), "NIK", font=big, fill=ink)
    draw.text((215, 112), f": {person.nik}", font=big, fill=ink)
    small = _font(23)
    value = _font(23)
    sex = "LAKI-LAKI" if person.sex == "L" else "PEREMPUAN"
    rows: list[tuple[int, str, str]] = [
        (0, "Nama", person.name),
        (0, "Tempat/Tgl Lahir", f"{person.birth_place}, {_dmy(person.birth_date)}"),
        (0, "Jenis Kelamin", sex),
        (0, "Alamat", person.street),
        (1, "RT/RW", f"{person.rt}/{person.rw}"),
        (1, "Kel/Desa", person.village_name),
        (1, "Kecamatan", person.kecamatan_name),
        (0, "Agama", person.religion),
        (0, "Status Perkawinan", MARITAL[person.marital]),
        (0, "Pekerjaan", OCCUPATIONS[person.occupation]),
        (0, "Kewarganegaraan", "WNI"),
        (0, "Berlaku Hingga", "SEUMUR HIDUP"),
    ]
    y = 168
    for indent, label, text in rows:
        draw.text((34 + 28 * indent, y), label, font=small, fill=ink)
        draw.text((240, y), ":", font=small, fill=ink)
        draw.text((258, y), text, font=value, fill=ink)
        if label == "Jenis Kelamin":
            draw.text((500, y), "Gol. Darah", font=small, fill=ink)
            draw.text((620, y), f": {rng.choice('ABO-')}", font=value, fill=ink)
        y += 34
    _photo_box(draw, rng)
    place = person.kabupaten_name.removeprefix("KABUPATEN ").removeprefix("KOTA ")
    sign = _font(19)
    draw.text((862, 448), place, font=sign, fill=ink, anchor="mt")
    draw.text((862, 472), _dmy(person.issued), font=sign, fill=ink, anchor="mt")
    _signature(draw, rng)
    return card


def _background(rng: random.Random) -> Image.Image:
    y, x = np.mgrid[0:CARD_H, 0:CARD_W].astype(np.float32)
    base = np.zeros((CARD_H, CARD_W, 3), np.float32)
    base[..., 0] = 196 + 18 * x / CARD_W  # R
    base[..., 1] = 222 + 10 * y / CARD_H  # G
    base[..., 2] = 238 + 8 * x / CARD_W  # B
    # The guilloche: fine waves printed over the whole card.
    phase = rng.uniform(0, 6.28)
    waves = np.sin(x / 23.0 + 3 * np.sin(y / 41.0 + phase)) * np.sin(y / 17.0)
    base -= (waves[..., None] > 0.85) * np.array([22, 14, 6], np.float32)
    return Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB")


def _photo_box(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    left, top, right, bottom = 772, 140, 952, 420
    draw.rectangle(
        (left, top, right, bottom), fill=(178, 34, 34) if rng.random() < 0.5 else (40, 80, 170)
    )
    shade = (60, 50, 45)
    draw.ellipse((812, 180, 912, 300), fill=shade)
    draw.chord((782, 290, 942, 460), 180, 360, fill=(30, 30, 40))


def _signature(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    points = [(800 + i * 12, 525 + rng.randrange(-18, 18)) for i in range(11)]
    draw.line(points, fill=(20, 20, 90), width=3)


# -- photographing --------------------------------------------------------------------------

PHONE_SIZES = ((1280, 960), (1600, 1200), (1280, 720), (960, 1280), (2048, 1536), (1600, 900))


@dataclass(frozen=True)
class Damage:
    size: tuple[int, int]
    card_share: float  # card width / photo width
    rotation: float  # degrees
    tilt: float  # perspective: share of the card's size the corners move
    light_low: float  # darkest factor of the uneven light
    blur: int  # motion blur length in pixels (0: none)
    finger: bool
    quality: int  # JPEG


def random_damage(rng: random.Random) -> Damage:
    return Damage(
        size=rng.choice(PHONE_SIZES),
        card_share=rng.uniform(0.55, 0.85),
        rotation=rng.uniform(-15, 15),
        tilt=rng.uniform(0.0, 0.08),
        light_low=rng.uniform(0.55, 1.0),
        blur=rng.choice((0, 0, 0, 3, 5, 7)),
        finger=rng.random() < 0.3,
        quality=rng.randrange(30, 71),
    )


def photograph(card: Image.Image, damage: Damage, rng: random.Random) -> bytes:
    """A phone photo of the card on a table, as JPEG bytes."""
    width, height = damage.size
    scene = _table(width, height, rng)
    cw = damage.card_share * width if width >= height else damage.card_share * width * 1.0
    ch = cw * CARD_H / CARD_W
    if ch > 0.9 * height:
        ch = 0.9 * height
        cw = ch * CARD_W / CARD_H
    corners = np.array([[-cw / 2, -ch / 2], [cw / 2, -ch / 2], [cw / 2, ch / 2], [-cw / 2, ch / 2]])
    corners += np.array(
        [
            [rng.uniform(-1, 1) * damage.tilt * cw, rng.uniform(-1, 1) * damage.tilt * ch]
            for _ in range(4)
        ]
    )
    angle = np.radians(damage.rotation)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    corners = corners @ rotation.T
    # Keep the whole card inside the frame, with a margin.
    span = corners.max(axis=0) - corners.min(axis=0)
    shrink = min(1.0, float(np.min(0.94 * np.array([width, height]) / span)))
    corners, span = corners * shrink, span * shrink
    room = np.array([width, height]) - span
    offset = np.array(
        [rng.uniform(0.25, 0.75) * max(room[0], 0), rng.uniform(0.25, 0.75) * max(room[1], 0)]
    )
    corners = corners - corners.min(axis=0) + offset
    source = np.array([[0, 0], [CARD_W, 0], [CARD_W, CARD_H], [0, CARD_H]], np.float32)
    matrix = cv2.getPerspectiveTransform(source, corners.astype(np.float32))
    flat = cv2.cvtColor(np.asarray(card), cv2.COLOR_RGB2BGR)
    warped = cv2.warpPerspective(flat, matrix, (width, height), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.full((CARD_H, CARD_W), 255, np.uint8), matrix, (width, height))
    scene = np.where(mask[..., None] > 127, warped, scene)
    if damage.finger:
        scene = _finger(scene, corners[rng.randrange(4)], cw, rng)
    scene = _light(scene, damage.light_low, rng)
    if damage.blur:
        scene = _motion_blur(scene, damage.blur, rng.uniform(0, 180))
    noise = np.asarray(np.random.default_rng(rng.randrange(1 << 30)).normal(0, 4, scene.shape))
    scene = np.clip(scene.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    return _jpeg(scene, damage.quality)


def _table(width: int, height: int, rng: random.Random) -> np.ndarray:
    base = np.array(
        [rng.randrange(40, 110), rng.randrange(60, 120), rng.randrange(90, 150)], np.float32
    )
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    grain = 12 * np.sin(x / rng.uniform(5, 15) + 2 * np.sin(y / 90.0))
    scene = base[None, None, :] + grain[..., None]
    return np.clip(scene, 0, 255).astype(np.uint8)


def _finger(
    scene: np.ndarray, corner: np.ndarray, card_width: float, rng: random.Random
) -> np.ndarray:
    out = scene.copy()
    size = card_width * rng.uniform(0.08, 0.13)
    centre = (int(corner[0]), int(corner[1]))
    skin = (rng.randrange(90, 140), rng.randrange(130, 170), rng.randrange(180, 225))  # BGR
    cv2.ellipse(out, centre, (int(size * 1.6), int(size)), rng.uniform(0, 180), 0, 360, skin, -1)
    return out


def _light(scene: np.ndarray, low: float, rng: random.Random) -> np.ndarray:
    height, width = scene.shape[:2]
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = np.cos(angle) * x / width + np.sin(angle) * y / height
    ramp = (ramp - ramp.min()) / max(1e-6, float(ramp.max() - ramp.min()))
    factor = low + (1.08 - low) * ramp
    return np.clip(scene.astype(np.float32) * factor[..., None], 0, 255).astype(np.uint8)


def _motion_blur(scene: np.ndarray, length: int, angle: float) -> np.ndarray:
    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2, :] = 1.0
    rotation = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), angle, 1.0)
    kernel = cv2.warpAffine(kernel, rotation, (length, length))
    kernel /= max(float(kernel.sum()), 1e-6)
    return cv2.filter2D(scene, -1, kernel)


def _jpeg(scene: np.ndarray, quality: int) -> bytes:
    ok, encoded = cv2.imencode(".jpg", scene, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return encoded.tobytes()


# -- photos the checks must refuse ------------------------------------------------------------

BAD_KINDS = ("too_small", "too_dark", "overexposed", "blurred", "no_card", "card_cut", "screen")


def bad_photo(kind: str, card: Image.Image, rng: random.Random) -> bytes:
    """A photo with one clear fault of `kind` (one of BAD_KINDS)."""
    damage = Damage((1280, 960), 0.7, rng.uniform(-5, 5), 0.02, 0.95, 0, False, 70)
    if kind == "too_small":
        small = Damage((320, 240), 0.7, 0, 0.0, 0.95, 0, False, 60)
        return photograph(card, small, rng)
    if kind == "too_dark":
        image = _decode(photograph(card, damage, rng))
        return _jpeg((image * 0.18).astype(np.uint8), 60)
    if kind == "overexposed":
        image = _decode(photograph(card, damage, rng)).astype(np.float32)
        return _jpeg(np.clip(image * 2.2 + 60, 0, 255).astype(np.uint8), 60)
    if kind == "blurred":
        image = _decode(photograph(card, damage, rng))
        return _jpeg(cv2.GaussianBlur(image, (0, 0), 6), 60)
    if kind == "no_card":
        return _jpeg(_table(1280, 960, rng), 60)
    if kind == "card_cut":
        big = Damage((1280, 960), 0.7, 3, 0.02, 0.95, 0, False, 70)
        image = _decode(photograph(card, big, rng))
        height, width = image.shape[:2]
        # Shifted so that the card runs off the left edge: a third of it is missing.
        shift = np.float32([[1, 0, -width * 0.35], [0, 1, 0]])
        return _jpeg(
            cv2.warpAffine(image, shift, (width, height), borderMode=cv2.BORDER_REPLICATE), 65
        )
    if kind == "screen":
        image = _decode(photograph(card, damage, rng)).astype(np.float32)
        height, width = image.shape[:2]
        y, x = np.mgrid[0:height, 0:width].astype(np.float32)
        # The screen's pixel grid beating against the camera's: moiré stripes and a bezel.
        moire = 0.78 + 0.22 * np.sin(2 * np.pi * (x * 0.31 + y * 0.07))
        image = image * moire[..., None]
        image[:60], image[-60:], image[:, :60], image[:, -60:] = 15, 15, 15, 15
        return _jpeg(np.clip(image, 0, 255).astype(np.uint8), 70)
    raise ValueError(kind)


def _decode(data: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return image


def readable_photo(seed: int = 7) -> tuple[Person, bytes]:
    """One card photographed well enough to read: a phone photo with mild damage."""
    rng = random.Random(seed)
    person = make_person(rng)
    damage = Damage((1600, 1200), 0.75, 4.0, 0.03, 0.85, 0, False, 70)
    return person, photograph(render_card(person, rng), damage, rng)


def png_bytes(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def house_photo(rng: random.Random, size: tuple[int, int] = (1024, 768)) -> bytes:
    """A plausible phone photo of a house front (sky, wall, roof, door, grass, noise)."""
    width, height = size
    scene = np.zeros((height, width, 3), np.float32)
    scene[:] = (235, 200, 150)  # sky, BGR
    scene[int(height * 0.75) :] = (72, 160, 96)  # grass
    left, right = int(width * 0.2), int(width * 0.8)
    top = int(height * 0.4)
    scene[top : int(height * 0.75), left:right] = (60, 90, 190)  # wall
    roof = np.array([[left - 40, top], [right + 40, top], [width // 2, int(height * 0.18)]])
    cv2.fillPoly(scene, [roof.astype(np.int32)], (40, 40, 120))
    scene[int(height * 0.5) : int(height * 0.75), width // 2 - 40 : width // 2 + 40] = (30, 60, 90)
    for _ in range(40):  # bricks, leaves: the fine detail a real photo has
        x, y = rng.randrange(width), rng.randrange(height)
        cv2.circle(scene, (x, y), rng.randrange(3, 12), (rng.randrange(256),) * 3, -1)
    noise = np.random.default_rng(rng.randrange(1 << 30)).normal(0, 12, scene.shape)
    return _jpeg(np.clip(scene + noise, 0, 255).astype(np.uint8), 70)


def darkened(photo: bytes) -> bytes:
    return _jpeg((_decode(photo) * 0.15).astype(np.uint8), 60)


def blurred(photo: bytes) -> bytes:
    return _jpeg(cv2.GaussianBlur(_decode(photo), (0, 0), 8), 60)
