"""Operators' command for parked messages: list them, inspect one, replay them once the cause is fixed.

    python -m shared.messaging.parking list billing.rebilling
    python -m shared.messaging.parking show billing.rebilling <message-id>
    python -m shared.messaging.parking replay billing.rebilling [<message-id> ...]

It talks to RabbitMQ at ENT_AMQP_URL. A replayed message keeps its message id, so a consumer that
had in fact applied it (it cannot have: it was parked) would still apply it only once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from shared.contracts.topology import system_topology
from shared.messaging.rabbitmq import RabbitMQBroker
from shared.settings import CommonSettings


async def _run(args: argparse.Namespace) -> int:
    broker = RabbitMQBroker(args.amqp_url or CommonSettings().amqp_url, connection_name="ent-parking-cli")
    await broker.connect()
    try:
        await broker.declare(system_topology())
        if args.command == "list":
            parked = await broker.list_parked(args.queue, limit=args.limit)
            for message in parked:
                print(
                    f"{message.message_id}  {message.routing_key:40}  attempts={message.attempts}  "
                    f"parked_at={message.parked_at}  reason={message.reason}"
                )
            print(f"{len(parked)} parked message(s) on {args.queue}", file=sys.stderr)
            return 0
        if args.command == "show":
            for message in await broker.list_parked(args.queue, limit=10_000):
                if message.message_id == args.message_id:
                    print(
                        json.dumps(
                            {
                                "message_id": message.message_id,
                                "routing_key": message.routing_key,
                                "reason": message.reason,
                                "attempts": message.attempts,
                                "parked_at": message.parked_at.isoformat() if message.parked_at else None,
                                "headers": dict(message.headers),  # traceparent: the flow's trace
                                "envelope": json.loads(message.body),
                            },
                            indent=2,
                            ensure_ascii=False,
                            default=str,
                        )
                    )
                    return 0
            print(f"no parked message {args.message_id} on {args.queue}", file=sys.stderr)
            return 1
        moved = await broker.replay_parked(args.queue, set(args.message_ids) or None)
        print(f"replayed {moved} message(s) to {args.queue}")
        return 0
    finally:
        await broker.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m shared.messaging.parking",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--amqp-url", help="defaults to ENT_AMQP_URL")
    sub = parser.add_subparsers(dest="command", required=True)
    listing = sub.add_parser("list", help="list parked messages of a queue")
    listing.add_argument("queue")
    listing.add_argument("--limit", type=int, default=100)
    show = sub.add_parser("show", help="print one parked message with its envelope")
    show.add_argument("queue")
    show.add_argument("message_id")
    replay = sub.add_parser("replay", help="send parked messages (all, or the ids given) back to their queue")
    replay.add_argument("queue")
    replay.add_argument("message_ids", nargs="*")
    return asyncio.run(_run(parser.parse_args(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
