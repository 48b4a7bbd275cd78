"""A stand-in for the ENT contractor's order system, for the demo and the tests.

    python -m simulators.contractor --port 8090 [--mode ok] [--ack-delay 1.0]

It implements the order API the orders service's HTTP gateway speaks (see
`services/orders/adapters/contractor_http.py`):
    PUT  /orders/{po_number}          take an order, idempotently by its number
    GET  /orders/{po_number}, GET /orders
    POST /orders/{po_number}/cancel   withdraw an order not yet acknowledged
Once it holds a new order it acknowledges it after `ack_delay` seconds by POSTing to the order's
`acknowledgement_url` (retried with backoff); a negative delay means only on request.

Staff of the test bench steer it through admin endpoints:
    PUT  /admin/mode {"mode": "ok" | "fail" | "timeout" | "late" | "garbage", "delay_s": 30, "ack_delay_s": 1}
        fail: 500 and nothing kept; timeout: hangs `delay_s` then 503, nothing kept;
        late: hangs `delay_s`, then keeps the order and answers; garbage: keeps the order, answers junk
    POST /admin/orders/{po_number}/acknowledge    acknowledge now (sends the callback)
    GET  /admin/state, POST /admin/reset
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hashlib
import json
import logging
import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field

log = logging.getLogger("simulators.contractor")

Mode = Literal["ok", "fail", "timeout", "late", "garbage"]


@dataclass
class HeldOrder:
    po_number: str
    fingerprint: str
    document: dict[str, Any]
    contractor_reference: str
    received_at: dt.datetime
    status: str = "received"  # received → acknowledged | cancelled
    submissions: int = 1
    acknowledgement_delivered: bool = False


@dataclass
class ContractorState:
    mode: Mode = "ok"
    delay_s: float = 30.0
    ack_delay_s: float = 1.0
    orders: dict[str, HeldOrder] = field(default_factory=dict)
    requests: int = 0  # every order submission received, whatever the mode
    sequence: int = 0
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def reset(self) -> None:
        self.mode, self.delay_s, self.ack_delay_s = "ok", 30.0, 1.0
        self.orders.clear()
        self.requests = self.sequence = 0


class ModeIn(BaseModel):
    mode: Mode
    delay_s: float | None = Field(default=None, ge=0, le=3600)
    ack_delay_s: float | None = Field(default=None, le=3600)


def _fingerprint(document: dict[str, Any]) -> str:
    # The callback address is ours to change between attempts; the order is everything else.
    order = {k: v for k, v in document.items() if k != "acknowledgement_url"}
    return hashlib.sha256(json.dumps(order, sort_keys=True).encode()).hexdigest()


def _view(order: HeldOrder) -> dict[str, Any]:
    return {
        "po_number": order.po_number,
        "contractor_reference": order.contractor_reference,
        "status": order.status,
        "received_at": order.received_at.isoformat(),
        "submissions": order.submissions,
        "acknowledgement_delivered": order.acknowledgement_delivered,
    }


def build_app(
    state: ContractorState | None = None,
    *,
    callback_transport: httpx.AsyncBaseTransport | None = None,
    callback_headers: Mapping[str, str] | None = None,
) -> FastAPI:
    """`callback_transport` lets a test deliver acknowledgements to an in-process orders app;
    `callback_headers` go with every acknowledgement (the contractor's bearer token)."""
    state = state or ContractorState()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        for task in list(state.tasks):
            task.cancel()
        await asyncio.gather(*state.tasks, return_exceptions=True)

    app = FastAPI(title="ENT contractor simulator", lifespan=lifespan)
    app.state.contractor = state

    async def deliver_acknowledgement(order: HeldOrder, delay: float) -> None:
        await asyncio.sleep(delay)
        if order.status == "cancelled":
            return
        order.status = "acknowledged"
        url = order.document.get("acknowledgement_url")
        if not url:
            return
        body = {
            "po_number": order.po_number,
            "contractor_reference": order.contractor_reference,
            "acknowledged_at": dt.datetime.now(dt.UTC).isoformat(),
        }
        async with httpx.AsyncClient(
            transport=callback_transport, timeout=10, headers=dict(callback_headers or {})
        ) as client:
            for attempt in range(8):
                try:
                    response = await client.post(url, json=body)
                    if response.status_code < 500:
                        order.acknowledgement_delivered = response.status_code < 300
                        return
                except httpx.HTTPError as exc:
                    log.warning("acknowledgement of %s not delivered: %r", order.po_number, exc)
                await asyncio.sleep(min(30.0, 0.2 * 2**attempt))

    def acknowledge_later(order: HeldOrder, delay: float) -> None:
        task = asyncio.create_task(deliver_acknowledgement(order, delay))
        state.tasks.add(task)
        task.add_done_callback(state.tasks.discard)

    @app.put("/orders/{po_number}")
    async def take_order(po_number: str, request: Request) -> Response:
        state.requests += 1
        mode = state.mode
        raw = await request.body()  # received in full, then processed (slowly, in the late modes)
        if mode == "fail":
            return PlainTextResponse("internal error (simulated)", status_code=500)
        if mode in ("timeout", "late"):
            await asyncio.sleep(state.delay_s)
            if mode == "timeout":
                return PlainTextResponse("gave up (simulated)", status_code=503)
        try:
            document = json.loads(raw)
        except ValueError:
            raise HTTPException(400, "the order is not JSON") from None
        if (
            not isinstance(document, dict)
            or document.get("po_number") != po_number
            or not document.get("lines")
        ):
            raise HTTPException(422, "an order carries its number and lines")
        fingerprint = _fingerprint(document)
        held = state.orders.get(po_number)
        if held is not None:
            if held.fingerprint != fingerprint:
                raise HTTPException(409, f"{po_number} is already held for another order")
            held.submissions += 1
            held.document = document
            status_code = 200
        else:
            state.sequence += 1
            held = HeldOrder(
                po_number=po_number,
                fingerprint=fingerprint,
                document=document,
                contractor_reference=f"TIT-{state.sequence:06d}",
                received_at=dt.datetime.now(dt.UTC),
            )
            state.orders[po_number] = held
            status_code = 201
            if state.ack_delay_s >= 0:
                acknowledge_later(held, state.ack_delay_s)
        if mode == "garbage":
            return PlainTextResponse("<html><body>Proxy Error 0xDEAD", status_code=200)
        return JSONResponse(_view(held), status_code=status_code)

    @app.get("/orders/{po_number}")
    async def read_order(po_number: str) -> dict[str, Any]:
        held = state.orders.get(po_number)
        if held is None:
            raise HTTPException(404, f"no order {po_number}")
        return _view(held)

    @app.get("/orders")
    async def list_orders() -> list[dict[str, Any]]:
        return [_view(o) for o in state.orders.values()]

    @app.post("/orders/{po_number}/cancel")
    async def cancel_order(po_number: str) -> dict[str, Any]:
        held = state.orders.get(po_number)
        if held is None:
            raise HTTPException(404, f"no order {po_number}")
        if held.status == "acknowledged":
            raise HTTPException(409, f"{po_number} was already acknowledged")
        held.status = "cancelled"
        return _view(held)

    @app.put("/admin/mode")
    async def set_mode(body: ModeIn) -> dict[str, Any]:
        state.mode = body.mode
        if body.delay_s is not None:
            state.delay_s = body.delay_s
        if body.ack_delay_s is not None:
            state.ack_delay_s = body.ack_delay_s
        return {"mode": state.mode, "delay_s": state.delay_s, "ack_delay_s": state.ack_delay_s}

    @app.post("/admin/orders/{po_number}/acknowledge")
    async def acknowledge_now(po_number: str) -> dict[str, Any]:
        held = state.orders.get(po_number)
        if held is None:
            raise HTTPException(404, f"no order {po_number}")
        await deliver_acknowledgement(held, 0)
        return _view(held)

    @app.get("/admin/state")
    async def read_state() -> dict[str, Any]:
        return {
            "mode": state.mode,
            "delay_s": state.delay_s,
            "ack_delay_s": state.ack_delay_s,
            "requests": state.requests,
            "orders": [_view(o) for o in state.orders.values()],
        }

    @app.post("/admin/reset")
    async def reset() -> dict[str, str]:
        state.reset()
        return {"status": "reset"}

    return app


@asynccontextmanager
async def serving(app: FastAPI, *, host: str = "127.0.0.1", port: int) -> AsyncIterator[None]:
    """Serve `app` on a real port in the current event loop (tests, the demo) until the block ends."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_config=None, lifespan="on"))
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()  # re-raise why it could not start
            await asyncio.sleep(0.02)
        yield
    finally:
        server.should_exit = True
        await task


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m simulators.contractor", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--mode", choices=["ok", "fail", "timeout", "late", "garbage"], default="ok")
    parser.add_argument("--delay", type=float, default=30.0, help="seconds for the timeout and late modes")
    parser.add_argument(
        "--ack-delay", type=float, default=1.0, help="seconds before acknowledging; <0: never"
    )
    parser.add_argument(
        "--callback-token",
        default=os.environ.get("ENT_CONTRACTOR_TOKEN"),
        help="bearer token sent with acknowledgements (default $ENT_CONTRACTOR_TOKEN; "
        "`python -m launcher.tokens --role contractor` in development)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    import uvicorn

    state = ContractorState(mode=args.mode, delay_s=args.delay, ack_delay_s=args.ack_delay)
    headers = {"Authorization": f"Bearer {args.callback_token}"} if args.callback_token else None
    uvicorn.run(build_app(state, callback_headers=headers), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
