"""`lending`: one entry point for people. Each subcommand is a thin shell over a module."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def _sample_seed(text: str) -> int:
    from .sample import SEEDS

    seed = int(text)
    if not 0 <= seed < SEEDS:
        raise argparse.ArgumentTypeError(f"a seed is 0 to {SEEDS - 1}")
    return seed


def _processes(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = -1
    if not 0 <= n <= 64:
        raise argparse.ArgumentTypeError(f"a number of processes is 0 to 64, not {text!r}")
    return n


def _cmd_up(args: argparse.Namespace) -> int:
    from . import local

    with local.running(
        port=args.port,
        review_timeout=args.review_timeout,
        business_date=args.business_date,
        lambda_processes=args.lambda_processes,
    ) as cloud:
        local.print_banner(cloud)
        local.serve_until_interrupted()
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from . import demo, local

    with local.running(
        port=args.port,
        review_timeout=args.review_timeout,
        business_date=args.business_date,
        lambda_processes=args.lambda_processes,
    ) as cloud:
        local.print_banner(cloud)
        ok = demo.run(cloud)
        if args.once:
            return 0 if ok else 1
        print("\nThe local cloud keeps serving; Ctrl-C stops it.", flush=True)
        local.serve_until_interrupted()
    return 0 if ok else 1


def _cmd_token(args: argparse.Namespace) -> int:
    from . import local

    print(local.token_for(args.user_id, ops=args.ops, ttl_hours=args.hours))
    return 0


def _cmd_review(args: argparse.Namespace) -> int:
    from . import local

    return local.review(args.action, args.application_id, args.note)


def _cmd_model(args: argparse.Namespace, rest: list[str]) -> int:
    from creditmodel import cli

    return {"train": cli.train_main, "score": cli.score_main, "drift": cli.drift_main}[args.action](
        rest
    )


def _cmd_schedule(rest: list[str]) -> int:
    from .schedule import schedule_main

    return schedule_main(rest)


def _cmd_ledger(args: argparse.Namespace) -> int:
    from . import local

    return local.ledger_check()


def _cmd_clock(args: argparse.Namespace) -> int:
    from . import local

    return local.clock(args.action, getattr(args, "value", None))


def _cmd_cob(args: argparse.Namespace) -> int:
    from . import local

    return local.cob(args.day, args.json)


def _cmd_bank(args: argparse.Namespace) -> int:
    from . import local

    return local.bank(args.action, args.user_id, getattr(args, "amount", None))


def build_parser() -> argparse.ArgumentParser:
    from . import bank as bank_types
    from . import clock as clock_types

    p = argparse.ArgumentParser(
        prog="lending", description="Serverless micro-loan backend: local cloud and tools."
    )
    sub = p.add_subparsers(dest="command", required=True)

    for name, text in (
        ("up", "start the local cloud and the API"),
        ("demo", "start the local cloud and walk demo applicants through it"),
    ):
        s = sub.add_parser(name, help=text)
        s.add_argument("--port", type=int, default=8000, help="API port (default 8000)")
        s.add_argument(
            "--review-timeout",
            type=int,
            default=3600,
            help="seconds a manual review waits before declining",
        )
        s.add_argument(
            "--business-date",
            type=clock_types.business_date,
            default=None,
            metavar="YYYY-MM-DD",
            help="the business date the local cloud opens on (default: today in Asia/Shanghai)",
        )
        s.add_argument(
            "--lambda-processes",
            type=_processes,
            default=0,
            metavar="N",
            help="run the functions in up to N Lambda containers, one process each, on more "
            "cores (a large book's close of business); default 0: in the local cloud's process",
        )
        if name == "demo":
            s.add_argument(
                "--once", action="store_true", help="stop after the demo instead of serving"
            )

    s = sub.add_parser(
        "token", help="print a bearer token for USER_ID, valid on the running local cloud"
    )
    s.add_argument("user_id")
    s.add_argument(
        "--ops", action="store_true", help="include the ops group (manual review endpoints)"
    )
    s.add_argument("--hours", type=int, default=12)

    s = sub.add_parser("review", help="list pending manual reviews, or approve/decline one")
    s.add_argument("action", choices=["list", "approve", "decline"])
    s.add_argument("application_id", nargs="?")
    s.add_argument("--note", default="")

    s = sub.add_parser(
        "model",
        help="train, score or check drift of a credit model (see `lending model train -h`)",
        add_help=False,
    )
    s.add_argument("action", choices=["train", "score", "drift"])

    sub.add_parser(
        "schedule",
        help="print a repayment schedule as JSON (see `lending schedule -h`)",
        add_help=False,
    )

    s = sub.add_parser(
        "package",
        help="build infra/build/sam.yaml and the Lambda package (checks the 250 MB limit)",
    )
    s.add_argument(
        "--image-tag",
        default=None,
        help="tag the OCR image with this (CI passes the commit), instead of `ocr`",
    )

    s = sub.add_parser(
        "policy-scan",
        help="checkov over infra/build/sam.yaml; every finding must be accepted, with a reason",
    )
    s.add_argument("template", nargs="?", help="another template than infra/build/sam.yaml")

    s = sub.add_parser(
        "sample",
        help="an invented applicant's ID-card photo, or their application body, "
        "to try the API by hand",
    )
    s.add_argument("what", choices=["photo", "application"])
    s.add_argument(
        "document_id", nargs="?", help="for `application`: the id POST /v1/documents returned"
    )
    s.add_argument(
        "--kind",
        choices=["good", "thin", "borderline"],
        default="good",
        help="which path the applicant takes",
    )
    s.add_argument(
        "--seed",
        type=_sample_seed,
        default=7000,
        help="0 to 1000002: another seed, another person (same seed and kind: same person)",
    )

    s = sub.add_parser("ledger", help="prove the ledger balances and agrees with loans and lines")
    s.add_argument("action", choices=["check"])

    s = sub.add_parser("ops", help="operator jobs on the running local cloud")
    s.add_argument(
        "action",
        choices=["resolve-stuck"],
        help="resolve-stuck: book every draw or repayment the bank settled but a step left STUCK",
    )
    s = sub.add_parser("clock", help="show or move the running local cloud's business date")
    acts = s.add_subparsers(dest="action", required=True)
    acts.add_parser("show", help="print the business date (YYYY-MM-DD)")
    a = acts.add_parser(
        "set", help="move the business date forward to DATE (closes no day; never backwards)"
    )
    a.add_argument("value", metavar="YYYY-MM-DD", type=clock_types.business_date)
    a = acts.add_parser(
        "advance", help="close DAYS business days one by one (a progress bar, each day's summary)"
    )
    a.add_argument("value", metavar="DAYS", type=clock_types.days)

    s = sub.add_parser("cob", help="what the close of business did with a business date")
    acts = s.add_subparsers(dest="action", required=True)
    a = acts.add_parser(
        "show", help="the day's summary, or NOT_CLOSED with its error (exit 1); 2: never run"
    )
    a.add_argument("day", metavar="YYYY-MM-DD", type=clock_types.business_date)
    a.add_argument("--json", action="store_true", help="the day's record as JSON")

    s = sub.add_parser(
        "bank", help="the sandbox bank: a user's card balance, deposits and withdrawals"
    )
    acts = s.add_subparsers(dest="action", required=True)
    a = acts.add_parser("balance", help="print what USER_ID's card holds, in yuan")
    a.add_argument("user_id")
    for action, text in (
        ("deposit", "pay AMOUNT yuan into USER_ID's card"),
        ("withdraw", "take AMOUNT yuan out of USER_ID's card (never more than it holds)"),
    ):
        a = acts.add_parser(action, help=text)
        a.add_argument("user_id")
        a.add_argument("amount", metavar="AMOUNT", type=bank_types.amount, help="yuan, e.g. 100.50")

    s = sub.add_parser("portfolio", help="the portfolio report of the running local cloud")
    s.add_argument("action", choices=["report"])
    s.add_argument("--json", action="store_true", help="the figures as JSON (fen, ratios)")
    s.add_argument(
        "--plot", metavar="FILE.png", help="draw the vintage curves and the buckets to a PNG"
    )
    s.add_argument(
        "--as-of",
        metavar="YYYY-MM-DD",
        type=clock_types.business_date,
        default=None,
        help="the day to report (default: the local cloud's business date; never after it)",
    )

    s = sub.add_parser(
        "events", help="print the events on the local notifications bus (what SMS/push receive)"
    )
    s.add_argument("action", choices=["tail"])
    s.add_argument("-f", "--follow", action="store_true", help="keep printing new events")
    s.add_argument("--json", action="store_true", help="each event whole, as JSON")
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    # model and schedule parse their own options.
    if argv[:1] == ["schedule"]:
        return _cmd_schedule(argv[1:])
    if argv[:1] == ["model"] and len(argv) > 1:
        args = parser.parse_args(argv[:2])
        return _cmd_model(args, argv[2:])
    args = parser.parse_args(argv)
    handlers: dict[str, Any] = {
        "up": _cmd_up,
        "demo": _cmd_demo,
        "token": _cmd_token,
        "review": _cmd_review,
        "ledger": _cmd_ledger,
        "ops": lambda _args: __import__("lending_cli.local", fromlist=["x"]).resolve_stuck(),
        "clock": _cmd_clock,
        "cob": _cmd_cob,
        "bank": _cmd_bank,
        "portfolio": lambda a: __import__("lending_cli.local", fromlist=["x"]).portfolio(
            a.json, a.plot, a.as_of
        ),
        "events": lambda a: __import__("lending_cli.events", fromlist=["main"]).main(
            a.follow, a.json
        ),
        "sample": lambda a: __import__("lending_cli.sample", fromlist=["main"]).main(
            a.what, a.kind, a.seed, a.document_id
        ),
        "package": lambda a: __import__("lending_cli.package", fromlist=["main"]).main(
            ["--image-tag", a.image_tag] if a.image_tag else []
        ),
        "policy-scan": lambda a: __import__("lending_cli.policy_scan", fromlist=["main"]).main(
            [a.template] if a.template else []
        ),
    }
    return handlers[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
