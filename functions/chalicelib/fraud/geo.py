"""Major Chinese cities and great-circle distance; enough to tell 'far from home' apart."""

from __future__ import annotations

import math

EARTH_RADIUS_KM = 6371.0

# (Chinese name, pinyin): (latitude, longitude) of the city centre
CITIES: dict[tuple[str, str], tuple[float, float]] = {
    ("北京", "beijing"): (39.9042, 116.4074),
    ("上海", "shanghai"): (31.2304, 121.4737),
    ("广州", "guangzhou"): (23.1291, 113.2644),
    ("深圳", "shenzhen"): (22.5431, 114.0579),
    ("天津", "tianjin"): (39.3434, 117.3616),
    ("重庆", "chongqing"): (29.5630, 106.5516),
    ("成都", "chengdu"): (30.5728, 104.0668),
    ("杭州", "hangzhou"): (30.2741, 120.1551),
    ("武汉", "wuhan"): (30.5928, 114.3055),
    ("西安", "xian"): (34.3416, 108.9398),
    ("南京", "nanjing"): (32.0603, 118.7969),
    ("苏州", "suzhou"): (31.2989, 120.5853),
    ("郑州", "zhengzhou"): (34.7466, 113.6254),
    ("长沙", "changsha"): (28.2282, 112.9388),
    ("沈阳", "shenyang"): (41.8057, 123.4315),
    ("青岛", "qingdao"): (36.0671, 120.3826),
    ("济南", "jinan"): (36.6512, 117.1201),
    ("哈尔滨", "harbin"): (45.8038, 126.5350),
    ("长春", "changchun"): (43.8171, 125.3235),
    ("大连", "dalian"): (38.9140, 121.6147),
    ("厦门", "xiamen"): (24.4798, 118.0894),
    ("福州", "fuzhou"): (26.0745, 119.2965),
    ("合肥", "hefei"): (31.8206, 117.2272),
    ("南昌", "nanchang"): (28.6820, 115.8579),
    ("昆明", "kunming"): (25.0389, 102.7183),
    ("贵阳", "guiyang"): (26.6470, 106.6302),
    ("南宁", "nanning"): (22.8170, 108.3665),
    ("海口", "haikou"): (20.0440, 110.1999),
    ("石家庄", "shijiazhuang"): (38.0428, 114.5149),
    ("太原", "taiyuan"): (37.8706, 112.5489),
    ("呼和浩特", "hohhot"): (40.8426, 111.7492),
    ("兰州", "lanzhou"): (36.0611, 103.8343),
    ("西宁", "xining"): (36.6171, 101.7782),
    ("银川", "yinchuan"): (38.4872, 106.2309),
    ("乌鲁木齐", "urumqi"): (43.8256, 87.6168),
    ("拉萨", "lhasa"): (29.6525, 91.1721),
    ("东莞", "dongguan"): (23.0207, 113.7518),
    ("佛山", "foshan"): (23.0215, 113.1214),
    ("宁波", "ningbo"): (29.8683, 121.5440),
    ("无锡", "wuxi"): (31.4912, 120.3119),
}

_ALIASES = {
    "xi'an": "xian",
    "xi an": "xian",
    "huhehaote": "hohhot",
    "wulumuqi": "urumqi",
    "lasa": "lhasa",
    "haerbin": "harbin",
    "peking": "beijing",
    "canton": "guangzhou",
}
_BY_NAME: dict[str, tuple[float, float]] = {}
for (_zh, _py), _coords in CITIES.items():
    _BY_NAME[_zh] = _coords
    _BY_NAME[_py] = _coords


def _normalise(name: str) -> str:
    n = name.strip().lower()
    for suffix in ("市", " city", " shi"):
        n = n.removesuffix(suffix)
    n = n.strip()
    return _ALIASES.get(n, n)


def city_coordinates(name: str) -> tuple[float, float] | None:
    """Centre of a major city by Chinese name or pinyin ('北京', '北京市', 'Beijing'); else None."""
    return _BY_NAME.get(_normalise(name))


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))
