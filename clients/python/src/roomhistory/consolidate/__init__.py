"""roomhistory-consolidate: the consolidation worker. It keeps the memory banks of namespaces (see
memory_bank.proto): summarises each settled room with a model (1-3 bullets under 80 words) and rolls
the bank up into day, week and month digests (2-4 bullets under 120 words) within its token budget,
all through the service, so any number of workers may run at once.

    OPENAI_BASE_URL=http://127.0.0.1:8000/v1 OPENAI_API_KEY=... ROOMHISTORY_CONSOLIDATE_MODEL=gpt-4o-mini \\
        roomhistory-consolidate --target 127.0.0.1:50051 --namespace support

The model is any OpenAI-compatible endpoint, through the official ``openai`` package (the
``consolidate`` extra): OPENAI_BASE_URL, OPENAI_API_KEY and ROOMHISTORY_CONSOLIDATE_MODEL. Without a
model configured the command says what to set and exits 0, doing nothing. Namespaces come from
``--namespace`` (repeatable) or ROOMHISTORY_CONSOLIDATE_NAMESPACES (comma-separated); TLS and the token
towards roomhistory from the environment as for every client (roomhistory.trust_from_env).

Without ``--once`` it runs until interrupted, following the namespaces' rooms on a watch (see
roomhistory.consolidate.follow); with ``--once`` it makes one pass over each namespace and exits (cron).
PRIVACY: the summaries of a namespace's rooms are shown to every room of that namespace whose renders
ask for the bank; the transcripts go to the model endpoint configured.
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence

from .._trust import trust_from_env
from ..client import RoomHistoryClient
from .follow import DEFAULT_RELIST_SECONDS, Follower
from .model import MODEL_ENV, Model, ModelConfig, config_from_env, openai_client
from .worker import ConsolidationWorker, PassReport, utc_now

__all__ = [
    "MODEL_ENV",
    "ConsolidationWorker",
    "Follower",
    "Model",
    "ModelConfig",
    "PassReport",
    "config_from_env",
    "main",
    "openai_client",
    "utc_now",
]

NAMESPACES_ENV = "ROOMHISTORY_CONSOLIDATE_NAMESPACES"
log = logging.getLogger("roomhistory.consolidate")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="roomhistory-consolidate", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--target",
        default=os.environ.get("ROOMHISTORY_ADDRESS", "127.0.0.1:50051"),
        help="the roomhistory server (host:port; default $ROOMHISTORY_ADDRESS or 127.0.0.1:50051)",
    )
    parser.add_argument(
        "--namespace", action="append", default=[], help=f"a namespace to consolidate (repeatable; or ${NAMESPACES_ENV})"
    )
    parser.add_argument("--once", action="store_true", help="one pass over each namespace, then exit")
    parser.add_argument(
        "--relist-seconds", type=float, default=DEFAULT_RELIST_SECONDS,
        help="how often the namespaces' rooms are listed again to follow new ones (default 60)",
    )
    parser.add_argument(
        "--as-of", type=datetime.datetime.fromisoformat, metavar="ISO-8601",
        help="with --once: decide idleness and entry ages as at this time, not now (replays, tests; naive is UTC)",
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="log at debug level")
    return parser.parse_args(argv)


def namespaces_from(args: argparse.Namespace) -> list[str]:
    given = args.namespace or os.environ.get(NAMESPACES_ENV, "").split(",")
    return list(dict.fromkeys(ns.strip() for ns in given if ns.strip()))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    config, missing = config_from_env()
    if config is None:
        print(missing, file=sys.stderr, flush=True)
        return 0
    namespaces = namespaces_from(args)
    if args.as_of is not None and not args.once:
        print("roomhistory-consolidate: --as-of goes with --once", file=sys.stderr)
        return 2
    if not namespaces:
        print(f"roomhistory-consolidate: no namespace given; pass --namespace or set {NAMESPACES_ENV}", file=sys.stderr)
        return 2
    model = Model(openai_client(config), config.model)
    with RoomHistoryClient(args.target, **trust_from_env()) as client:
        as_of = args.as_of
        if as_of is not None and as_of.tzinfo is None:
            as_of = as_of.replace(tzinfo=datetime.timezone.utc)
        worker = ConsolidationWorker(client, model, clock=(lambda: as_of) if as_of else utc_now)
        if args.once:
            for report in worker.run_once(namespaces):
                print(json.dumps(report.__dict__), flush=True)
            return 0
        follower = Follower(worker, namespaces, relist_seconds=args.relist_seconds)
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, lambda *_: follower.stop())
        log.info("consolidating %s with model %s", ", ".join(namespaces), config.model)
        try:
            follower.run()
        except KeyboardInterrupt:
            follower.stop()
    return 0
