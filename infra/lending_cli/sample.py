"""`lending sample`: an invented applicant's ID-card photo and application body, for trying the
API by hand (README, "Using the local cloud"). The same --seed and --kind give the same person,
so the photo and the application always match each other.
"""

from __future__ import annotations

import datetime as dt
import json
import sys

KINDS = ("good", "thin", "borderline")
# Seed s searches the invented people s, s + SEEDS, s + 2 * SEEDS, ... for one of its kind, so
# two seeds below SEEDS never reach the same person. (Searching s, s + 1, ... gave seeds 1, 2
# and 3 the same person: the first fitting one at or after 3.)
SEEDS = 1_000_003


def applicant(kind: str, seed: int) -> object:
    from demo.personas import STEADY, YOUNG, Applicant, find

    if not 0 <= seed < SEEDS:
        raise ValueError(f"seed must be between 0 and {SEEDS - 1}")
    _, person = find(kind, start_seed=seed, today=dt.date.today(), stride=SEEDS)
    profile = YOUNG if kind == "borderline" else STEADY
    return Applicant(
        f"sample-{kind}-{seed}",
        person,
        person.name,
        profile,
        "北京",
        f"dev-sample-{seed:06d}",
        "10.9.8.7",
    )


def main(what: str, kind: str, seed: int, document_id: str | None) -> int:
    a = applicant(kind, seed)
    if what == "photo":
        if sys.stdout.isatty():
            print(
                "the photo is a JPEG: redirect it to a file, "
                "e.g. `lending sample photo > card.jpg`",
                file=sys.stderr,
            )
            return 2
        sys.stdout.buffer.write(a.photo())  # type: ignore[attr-defined]
        return 0
    if not document_id:
        print(
            "lending sample application needs the DOCUMENT_ID that POST /v1/documents returned",
            file=sys.stderr,
        )
        return 2
    print(json.dumps(a.application(document_id), ensure_ascii=False, indent=2))  # type: ignore[attr-defined]
    return 0
