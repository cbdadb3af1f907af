"""Synthetic 居民身份证 (resident ID card) photos for the demo and the tests.

Every person here is invented; the ID numbers are well formed (real region codes, correct
check digit) but drawn at random. The font is Noto Sans CJK from the PyPI package
`cvttf-notosanscjk-regular` (dev extra), so rendering works offline on a fresh machine.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass, replace
from functools import cache, lru_cache

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from chalicelib.kyc.idnumber import make_id_number

# Region codes known to stdnum's table, with the address prefix a card from there carries.
REGIONS: dict[str, str] = {
    "110105": "北京市朝阳区",
    "310104": "上海市徐汇区",
    "120101": "天津市和平区",
    "440305": "广东省深圳市南山区",
    "330106": "浙江省杭州市西湖区",
    "510107": "四川省成都市武侯区",
    "420106": "湖北省武汉市武昌区",
    "320102": "江苏省南京市玄武区",
    "370102": "山东省济南市历下区",
    "610113": "陕西省西安市雁塔区",
    "350203": "福建省厦门市思明区",
    "210102": "辽宁省沈阳市和平区",
}
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余"
_GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉梅"
    "小龙海燕文博宇浩然欣怡子轩雨涵"
)
_ETHNICITIES = ["汉", "汉", "汉", "汉", "汉", "回", "满", "壮", "蒙古", "土家", "苗", "维吾尔"]
_STREETS = [
    "建国路",
    "中山路",
    "人民路",
    "解放大道",
    "长江路",
    "和平街",
    "光明巷",
    "文化路",
    "科技园南路",
    "滨江大道",
]
_ISSUERS = "公安局"


@dataclass(frozen=True)
class Person:
    name: str
    sex: str  # "男" or "女"
    ethnicity: str
    birth: dt.date
    address: str
    id_number: str
    valid_from: dt.date
    valid_until: dt.date | None  # None: 长期 (long-term)

    @property
    def issuer(self) -> str:
        region = next((v for k, v in REGIONS.items() if self.id_number.startswith(k)), "")
        return region.split("省")[-1] + _ISSUERS if region else "公安局"


def fake_id_number(
    birth: dt.date, region: str = "110105", *, male: bool = True, rng: random.Random | None = None
) -> str:
    """A valid ID number for this birth date and region; the sequence parity gives the sex."""
    rng = rng or random.Random()
    sequence = rng.randrange(0, 500) * 2 + (1 if male else 0)
    return make_id_number(region, birth, sequence)


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year + years, day=28)


def fake_person(
    seed: int, *, today: dt.date | None = None, age: int | None = None, expired: bool = False
) -> Person:
    """A reproducible invented person; `age` pins the age at `today` (default: 20..58)."""
    rng = random.Random(seed)
    today = today or dt.date.today()
    age = rng.randint(20, 58) if age is None else age
    # Within the year before the last birthday, so the age at `today` is exactly `age`.
    birth = _add_years(today, -age) - dt.timedelta(days=rng.randrange(0, 360))
    male = rng.random() < 0.5
    region = rng.choice(list(REGIONS))
    name = rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))
    address = (
        f"{REGIONS[region]}{rng.choice(_STREETS)}{rng.randint(1, 999)}号"
        f"{rng.randint(1, 30)}栋{rng.randint(1, 6)}单元{rng.randint(101, 2808)}室"
    )
    years = 10 if age < 46 else 20  # the validity of a card issued at about that age
    if expired:
        valid_until = today - dt.timedelta(days=rng.randint(30, 900))
        valid_from = _add_years(valid_until, -years)
    else:
        valid_from = today - dt.timedelta(days=rng.randint(30, 3000))
        valid_until = _add_years(valid_from, years)
    return Person(
        name,
        "男" if male else "女",
        rng.choice(_ETHNICITIES),
        birth,
        address,
        fake_id_number(birth, region, male=male, rng=rng),
        valid_from,
        valid_until,
    )


# --- Rendering --------------------------------------------------------------------------------

CARD_MM = (85.6, 54.0)
LABEL_COLOUR = (40, 110, 175)
TEXT_COLOUR = (20, 20, 20)


@cache
def _font_path() -> str:
    try:
        import cvttf_NotoSansCJK_Regular as noto
    except ImportError as exc:  # pragma: no cover - explains a missing dev extra
        raise RuntimeError(
            "install the dev extra: pip install -e '.[dev]' (needs cvttf-notosanscjk-regular)"
        ) from exc
    return noto.get_TTF_path()


@lru_cache(maxsize=64)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(_font_path(), size)


@dataclass(frozen=True)
class Distortion:
    """How the photo of the card is spoiled; the defaults give a clean, straight photo."""

    blur: float = 0.0  # Gaussian radius in pixels of the output
    noise: float = 0.0  # standard deviation of added grey noise, 0..255
    rotation: float = 0.0  # degrees, counter-clockwise
    contrast: float = 1.0  # 1 keeps it; 0.1 is nearly flat grey
    jpeg_quality: int = 90


CLEAN = Distortion()
UNREADABLE = Distortion(blur=7.0, noise=40.0, contrast=0.25, jpeg_quality=30)


def _card_base(px_per_mm: float, rng: random.Random) -> Image.Image:
    w, h = round(CARD_MM[0] * px_per_mm), round(CARD_MM[1] * px_per_mm)
    card = Image.new("RGB", (w, h), (236, 240, 238))
    draw = ImageDraw.Draw(card)
    # Faint guilloche-like background lines, as on the real card.
    for i in range(0, w + h, max(4, round(px_per_mm * 1.6))):
        tint = (222 + rng.randint(-4, 4), 232 + rng.randint(-4, 4), 236)
        draw.line([(i, 0), (i - h, h)], fill=tint, width=1)
    return card


def _rounded(card: Image.Image, px_per_mm: float) -> tuple[Image.Image, Image.Image]:
    mask = Image.new("L", card.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle(
        [(0, 0), (card.width - 1, card.height - 1)], radius=round(3 * px_per_mm), fill=255
    )
    return card, mask


def render_front(
    person: Person, *, px_per_mm: float = 12.0, seed: int = 0, portrait: bool = True
) -> Image.Image:
    """The portrait side (人像面) of the card, upright, on its own (no background)."""
    rng = random.Random(seed)
    card = _card_base(px_per_mm, rng)
    draw = ImageDraw.Draw(card)
    mm = px_per_mm
    label, value = _font(round(3.0 * mm)), _font(round(3.4 * mm))
    x_label, x_value = 6.5 * mm, 17.0 * mm

    def put(x: float, y: float, text: str, font: ImageFont.FreeTypeFont, colour) -> None:
        draw.text((x, y), text, font=font, fill=colour)

    put(x_label, 6.0 * mm, "姓 名", label, LABEL_COLOUR)
    put(x_value, 5.7 * mm, person.name, _font(round(3.8 * mm)), TEXT_COLOUR)
    put(x_label, 12.5 * mm, "性 别", label, LABEL_COLOUR)
    put(x_value, 12.3 * mm, person.sex, value, TEXT_COLOUR)
    put(26.0 * mm, 12.5 * mm, "民 族", label, LABEL_COLOUR)
    put(35.0 * mm, 12.3 * mm, person.ethnicity, value, TEXT_COLOUR)
    put(x_label, 19.0 * mm, "出 生", label, LABEL_COLOUR)
    b = person.birth
    put(x_value, 18.8 * mm, f"{b.year}", value, TEXT_COLOUR)
    put(x_value + 9.2 * mm, 19.0 * mm, "年", label, LABEL_COLOUR)
    put(x_value + 13.5 * mm, 18.8 * mm, f"{b.month}", value, TEXT_COLOUR)
    put(x_value + 18.0 * mm, 19.0 * mm, "月", label, LABEL_COLOUR)
    put(x_value + 22.3 * mm, 18.8 * mm, f"{b.day}", value, TEXT_COLOUR)
    put(x_value + 26.8 * mm, 19.0 * mm, "日", label, LABEL_COLOUR)
    put(x_label, 25.5 * mm, "住 址", label, LABEL_COLOUR)
    per_line = 11
    for i in range(0, len(person.address), per_line):
        put(
            x_value,
            (25.3 + 5.0 * (i // per_line)) * mm,
            person.address[i : i + per_line],
            value,
            TEXT_COLOUR,
        )
    put(x_label, 44.5 * mm, "公民身份号码", label, LABEL_COLOUR)
    put(29.0 * mm, 44.0 * mm, person.id_number, _font(round(3.9 * mm)), TEXT_COLOUR)

    if not portrait:
        return card
    # Photo placeholder: a grey head-and-shoulders silhouette.
    px0, py0, px1, py1 = 57 * mm, 7 * mm, 81 * mm, 38 * mm
    draw.rectangle([(px0, py0), (px1, py1)], fill=(214, 222, 228))
    cx = (px0 + px1) / 2
    draw.ellipse(
        [(cx - 5.5 * mm, py0 + 6 * mm), (cx + 5.5 * mm, py0 + 19 * mm)], fill=(150, 158, 166)
    )
    draw.pieslice(
        [(px0 + 2 * mm, py0 + 19 * mm), (px1 - 2 * mm, py1 + 12 * mm)],
        180,
        360,
        fill=(150, 158, 166),
    )
    return card


def render_back(person: Person, *, px_per_mm: float = 12.0, seed: int = 0) -> Image.Image:
    """The national-emblem side (国徽面): issuing authority and validity period."""
    rng = random.Random(seed)
    card = _card_base(px_per_mm, rng)
    draw = ImageDraw.Draw(card)
    mm = px_per_mm
    draw.ellipse([(7 * mm, 5 * mm), (23 * mm, 21 * mm)], outline=(200, 40, 40), width=round(mm))
    draw.text((30 * mm, 7 * mm), "中华人民共和国", font=_font(round(5.0 * mm)), fill=TEXT_COLOUR)
    draw.text((30 * mm, 16 * mm), "居民身份证", font=_font(round(6.5 * mm)), fill=TEXT_COLOUR)
    label, value = _font(round(3.0 * mm)), _font(round(3.4 * mm))
    draw.text((15 * mm, 37.5 * mm), "签发机关", font=label, fill=TEXT_COLOUR)
    draw.text((31 * mm, 37.3 * mm), person.issuer, font=value, fill=TEXT_COLOUR)
    until = "长期" if person.valid_until is None else f"{person.valid_until:%Y.%m.%d}"
    draw.text((15 * mm, 44.5 * mm), "有效期限", font=label, fill=TEXT_COLOUR)
    draw.text(
        (31 * mm, 44.3 * mm), f"{person.valid_from:%Y.%m.%d}-{until}", font=value, fill=TEXT_COLOUR
    )
    return card


def photograph(
    card: Image.Image,
    *,
    distortion: Distortion | None = None,
    margin: float = 0.08,
    seed: int = 0,
    fmt: str = "JPEG",
) -> bytes:
    """Place the card on a table-like background, spoil it as asked, encode as JPEG/PNG bytes."""
    distortion = distortion or CLEAN
    rng = random.Random(seed)
    card, mask = _rounded(card, card.width / CARD_MM[0])
    pad_w, pad_h = round(card.width * margin), round(card.height * margin)
    bg_colour = (rng.randint(90, 160), rng.randint(80, 140), rng.randint(60, 120))
    canvas = Image.new("RGB", (card.width + 2 * pad_w, card.height + 2 * pad_h), bg_colour)
    canvas.paste(card, (pad_w, pad_h), mask)
    if distortion.rotation:
        canvas = canvas.rotate(
            distortion.rotation,
            resample=Image.Resampling.BICUBIC,
            expand=False,
            fillcolor=bg_colour,
        )
    if distortion.contrast != 1.0:
        grey = Image.new("RGB", canvas.size, (128, 128, 128))
        canvas = Image.blend(grey, canvas, distortion.contrast)
    if distortion.blur:
        canvas = canvas.filter(ImageFilter.GaussianBlur(distortion.blur))
    if distortion.noise:
        noise = Image.effect_noise(canvas.size, distortion.noise).convert("RGB")
        canvas = Image.blend(canvas, noise, 0.35)
    out = io.BytesIO()
    if fmt.upper() == "PNG":
        canvas.save(out, "PNG")
    else:
        canvas.save(out, "JPEG", quality=distortion.jpeg_quality)
    return out.getvalue()


def front_photo(
    person: Person,
    *,
    distortion: Distortion | None = None,
    seed: int = 0,
    px_per_mm: float = 12.0,
    fmt: str = "JPEG",
    portrait: bool = True,
) -> bytes:
    """Encoded photo of the card's front side: what an applicant uploads."""
    return photograph(
        render_front(person, px_per_mm=px_per_mm, seed=seed, portrait=portrait),
        distortion=distortion,
        seed=seed,
        fmt=fmt,
    )


def back_photo(
    person: Person,
    *,
    distortion: Distortion | None = None,
    seed: int = 0,
    px_per_mm: float = 12.0,
    fmt: str = "JPEG",
) -> bytes:
    """Encoded photo of the card's back side (validity period)."""
    return photograph(
        render_back(person, px_per_mm=px_per_mm, seed=seed),
        distortion=distortion,
        seed=seed,
        fmt=fmt,
    )


__all__ = [
    "REGIONS",
    "UNREADABLE",
    "Distortion",
    "Person",
    "back_photo",
    "fake_id_number",
    "fake_person",
    "front_photo",
    "photograph",
    "render_back",
    "render_front",
    "replace",
]
