"""Member invoices ready for Chorus Pro, and the connector's moves through its API."""

from __future__ import annotations

import itertools
import json
from typing import Any

from sqlalchemy import select

from services.billing.adapters.tables import messaging
from shared.security.principal import Role
from tests.apps import RunningServices, bearer
from tests.billing.helpers import BUYER, issued_member_invoice, purchase_order_issued

# The helpers' buyer with a SIRET that passes the Luhn check, as the members service guarantees.
CHORUS_BUYER = BUYER.model_copy(update={"siret": "20004461800011"})
CONNECTOR = bearer(Role.CONNECTOR)
_fluxes = itertools.count(1)


async def invoice_for_chorus(running: RunningServices, **buyer: Any) -> dict[str, Any]:
    po = purchase_order_issued(buyer=CHORUS_BUYER.model_copy(update=buyer))
    return await issued_member_invoice(running, po)


async def claim(running: RunningServices, invoice_id: str, connector: str = "conn-a") -> Any:
    return await running.client.post(
        f"/v1/chorus/transmissions/{invoice_id}/claim", json={"connector": connector}, headers=CONNECTOR
    )


async def deposit(running: RunningServices, invoice_id: str) -> dict[str, Any]:
    """Claim and report a deposit, as the connector does after `deposer/flux`."""
    claimed = await claim(running, invoice_id)
    assert claimed.status_code == 200, claimed.text
    done = await running.client.post(
        f"/v1/chorus/transmissions/{invoice_id}/outcome",
        json={
            "claim_id": claimed.json()["claim_id"],
            "outcome": "deposited",
            "flux_number": f"CPP{next(_fluxes):010d}",
            "at": "2027-01-20T10:00:00+01:00",
            "chorus_invoice_id": "4242",
        },
        headers=CONNECTOR,
    )
    assert done.status_code == 200, done.text
    return done.json()


async def report(
    running: RunningServices, invoice_id: str, *statuses: tuple[str, str] | tuple[str, str, str]
) -> Any:
    """Report (status, time[, comment]) as the connector does after reading the status history."""
    return await running.client.post(
        f"/v1/chorus/transmissions/{invoice_id}/statuses",
        json={
            "statuses": [
                {"status": s[0], "at": s[1], **({"comment": s[2]} if len(s) > 2 else {})} for s in statuses
            ]
        },
        headers=CONNECTOR,
    )


async def emitted(running: RunningServices, type_: str) -> list[dict[str, Any]]:
    """Payloads of the events of this type billing wrote to its outbox."""
    outbox = messaging.outbox
    async with running.runtimes["billing"].db.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(outbox.c.body).where(outbox.c.routing_key == type_).order_by(outbox.c.id)
            )
        ).all()
    return [json.loads(row.body)["payload"] for row in rows]
