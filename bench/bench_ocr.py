"""OCR bench: time per ID-card photo and field accuracy, RapidOCR as shipped vs our tuning.

    PYTHONPATH=functions:infra python bench/bench_ocr.py [--photos 20] [--px-per-mm 12]

Photos are generated (infra/demo/idcard.py) with mild rotation, noise and blur. The engines
run interleaved on the same photo, in alternating order, so background load hits both alike.
Wall time is what a Lambda bills; CPU time (this process, all threads) is printed beside it
because it is steadier on a shared machine. Accuracy: the fraction of photos whose name and
ID number were both extracted exactly.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import time
from dataclasses import asdict, dataclass, field

from chalicelib.kyc.fields import extract_fields
from chalicelib.kyc.rapid import TUNED, OcrTuning, RapidOcrEngine
from demo import idcard

TODAY = dt.date(2026, 11, 28)


@dataclass
class Tally:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    exact: int = 0
    cold_start: float = 0.0


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


def photos(n: int, px_per_mm: float) -> list[tuple[idcard.Person, bytes]]:
    out = []
    for seed in range(100, 100 + n):
        person = idcard.fake_person(seed, today=TODAY)
        distortion = idcard.Distortion(
            rotation=(seed % 7) - 3, noise=(seed % 4) * 4, blur=(seed % 3) * 0.5
        )
        photo = idcard.front_photo(person, seed=seed, distortion=distortion, px_per_mm=px_per_mm)
        out.append((person, photo))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", type=int, default=20)
    parser.add_argument(
        "--px-per-mm",
        type=float,
        default=12.0,
        help="card resolution: 12 gives ~1190x750 px photos, 30 a phone's ~3000",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="also bench the tuning with this many intra-op threads",
    )
    args = parser.parse_args()

    configs: dict[str, OcrTuning | None] = {"rapidocr-default": None, "tuned": TUNED}
    if args.threads:
        configs[f"tuned-{args.threads}thr"] = OcrTuning(intra_op_num_threads=args.threads)
    data = photos(args.photos, args.px_per_mm)
    width, height = _size(data[0][1])
    print(
        f"{len(data)} photos of {width}x{height} px, {os.cpu_count()} CPUs, "
        f"load average at start {os.getloadavg()[0]:.2f}"
    )

    engines, tallies = {}, {name: Tally() for name in configs}
    for name, tuning in configs.items():
        start = time.perf_counter()
        engines[name] = RapidOcrEngine(tuning)
        engines[name].read(data[0][1])  # warm-up, also the cold start of a new container
        tallies[name].cold_start = time.perf_counter() - start

    names = list(configs)
    for i, (person, photo) in enumerate(data):
        for name in names if i % 2 == 0 else reversed(names):
            wall, cpu = time.perf_counter(), time.process_time()
            lines = engines[name].read(photo)
            tally = tallies[name]
            tally.wall.append(time.perf_counter() - wall)
            tally.cpu.append(time.process_time() - cpu)
            fields = extract_fields(lines)
            tally.exact += fields.name == person.name and fields.id_number == person.id_number

    print(f"load average at end {os.getloadavg()[0]:.2f}\n")
    print(
        f"{'config':20s} {'wall median':>11s} {'wall p90':>9s} {'cpu median':>10s} "
        f"{'cpu p90':>8s} {'cold start':>10s} {'name+ID exact':>14s}"
    )
    for name, t in tallies.items():
        print(
            f"{name:20s} {statistics.median(t.wall):10.3f}s {p90(t.wall):8.3f}s "
            f"{statistics.median(t.cpu):9.3f}s {p90(t.cpu):7.3f}s {t.cold_start:9.2f}s "
            f"{t.exact:>6d}/{len(data)} ({t.exact / len(data):.0%})"
        )
    print("\ntuned =", asdict(TUNED))


def _size(photo: bytes) -> tuple[int, int]:
    import io

    from PIL import Image

    return Image.open(io.BytesIO(photo)).size


if __name__ == "__main__":
    main()
