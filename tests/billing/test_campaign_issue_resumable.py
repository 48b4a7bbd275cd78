"""Issuing a campaign is resumable and idempotent: a crash halfway, a second click, two clicks at once
issue nothing twice and skip nobody, and the contributions series stays gapless."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from services.billing.adapters.member_invoices import MemberInvoiceRepository
from services.billing.adapters.tables import member_invoices, messaging
from services.billing.use_cases import campaigns
from tests.billing.campaign_helpers import adhering, feed, new_member, tariff_adopted

pytestmark = pytest.mark.postgres

MARCH = {"issue_date": "2027-03-15"}
SIRENS = ["200044618", "200041762", "245900410", "200093201", "200066793"]


async def five_members_campaign(billing) -> str:
    members = [new_member(f"CC {i}", siren) for i, siren in enumerate(SIRENS)]
    await feed(
        billing, tariff_adopted(2027), *(e for i, m in enumerate(members) for e in adhering(m, 100 + i))
    )
    created = await billing.client.post("/v1/campaigns", json={"year": 2027})
    assert created.status_code == 201
    return created.json()["id"]


async def issued_rows(billing) -> list[tuple[str, str]]:
    async with billing.runtimes["billing"].db.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(member_invoices.c.member_id, member_invoices.c.number).order_by(
                    member_invoices.c.number
                )
            )
        ).all()
    return [(row.member_id, row.number) for row in rows]


async def outbox_count(billing, routing_key: str) -> int:
    outbox = messaging.outbox
    async with billing.runtimes["billing"].db.engine.connect() as conn:
        query = select(func.count()).select_from(outbox).where(outbox.c.routing_key == routing_key)
        return int((await conn.execute(query)).scalar_one())


async def test_a_crash_halfway_then_a_second_click_issue_each_call_once_in_order(
    billing, monkeypatch
) -> None:
    campaign_id = await five_members_campaign(billing)
    monkeypatch.setattr(campaigns, "ISSUE_BATCH", 2)
    real_add_many = MemberInvoiceRepository.add_many
    batches = 0

    async def crashing_add_many(self, invoices):
        nonlocal batches
        batches += 1
        if batches == 2:  # the second batch dies after taking its numbers, before its inserts
            raise RuntimeError("power cut")
        await real_add_many(self, invoices)

    monkeypatch.setattr(MemberInvoiceRepository, "add_many", crashing_add_many)
    try:
        crashed = await billing.client.post(f"/v1/campaigns/{campaign_id}/issue", json=MARCH)
        assert crashed.status_code == 500
    except RuntimeError:
        pass  # the test transport re-raised the crash
    halfway = (await billing.client.get(f"/v1/campaigns/{campaign_id}")).json()
    assert halfway["status"] == "issuing" and halfway["issued_count"] == 2
    assert [number for _, number in await issued_rows(billing)] == ["FAC-C-2027-000001", "FAC-C-2027-000002"]

    monkeypatch.setattr(MemberInvoiceRepository, "add_many", real_add_many)
    # The resumed issue keeps the date the first click fixed, whatever this click says.
    resumed = await billing.client.post(
        f"/v1/campaigns/{campaign_id}/issue", json={"issue_date": "2027-04-01"}
    )
    assert resumed.status_code == 200 and resumed.json()["status"] == "issued"
    assert resumed.json()["issue_date"] == "2027-03-15"
    assert resumed.json()["issued_count"] == 5

    rows = await issued_rows(billing)
    calls = (await billing.client.get(f"/v1/campaigns/{campaign_id}/calls")).json()["items"]
    # Numbers follow the campaign's order, each member once, none skipped, no gap (the crashed batch's
    # numbers were rolled back with it).
    assert rows == [(call["member_id"], f"FAC-C-2027-{i:06d}") for i, call in enumerate(calls, start=1)]
    assert (await billing.client.get("/v1/numbering/check")).json()["ok"] is True
    assert await outbox_count(billing, "billing.invoice.issued") == 5
    assert await outbox_count(billing, "billing.campaign.issued") == 1

    again = await billing.client.post(f"/v1/campaigns/{campaign_id}/issue")
    assert again.status_code == 200 and len(await issued_rows(billing)) == 5
    assert await outbox_count(billing, "billing.campaign.issued") == 1


async def test_two_clicks_at_once_issue_each_call_once(billing, monkeypatch) -> None:
    campaign_id = await five_members_campaign(billing)
    monkeypatch.setattr(campaigns, "ISSUE_BATCH", 2)
    first, second = await asyncio.gather(
        billing.client.post(f"/v1/campaigns/{campaign_id}/issue", json=MARCH),
        billing.client.post(f"/v1/campaigns/{campaign_id}/issue", json=MARCH),
    )
    assert first.status_code == second.status_code == 200
    rows = await issued_rows(billing)
    assert len(rows) == 5 and len({member for member, _ in rows}) == 5
    assert [number for _, number in rows] == [f"FAC-C-2027-{i:06d}" for i in range(1, 6)]
    assert await outbox_count(billing, "billing.campaign.issued") == 1
