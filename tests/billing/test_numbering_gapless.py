"""Gapless numbering on real PostgreSQL: concurrent issues, rollbacks, the check endpoint, immutability."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import DBAPIError

from services.billing.adapters.numbering import InvoiceNumbering
from services.billing.adapters.tables import member_invoices
from services.billing.domain.numbering import Series
from tests.billing.helpers import (
    known_purchase_order,
    member_invoice_of,
    purchase_order_issued,
    supplier_invoice_body,
)

pytestmark = pytest.mark.postgres


class RolledBack(Exception):
    pass


async def test_100_concurrent_issues_give_1_to_100_and_rollbacks_consume_no_number(billing) -> None:
    runtime = billing.runtimes["billing"]
    committed: list[int] = []
    rolled_back: list[int] = []

    async def issue(i: int) -> None:
        try:
            async with runtime.unit_of_work() as uow:
                number = await InvoiceNumbering(uow.session).issue(Series.MARKETPLACE, 2031)
                await asyncio.sleep(0.001)  # hold the counter's lock a little, as a real issue would
                if i % 6 == 5:
                    rolled_back.append(number.sequence)
                    raise RolledBack
                await uow.commit()
                committed.append(number.sequence)
        except RolledBack:
            pass

    await asyncio.gather(*(issue(i) for i in range(120)))

    assert len(rolled_back) == 20
    assert sorted(committed) == list(range(1, 101))
    async with runtime.unit_of_work() as uow:
        assert (await InvoiceNumbering(uow.session).counter_lasts())[("marketplace", 2031)] == 100


async def test_series_and_years_count_separately(billing) -> None:
    async with billing.runtimes["billing"].unit_of_work() as uow:
        numbering = InvoiceNumbering(uow.session)
        first_2031 = await numbering.issue(Series.MARKETPLACE, 2031)
        first_2032 = await numbering.issue(Series.MARKETPLACE, 2032)
        second_2031 = await numbering.issue(Series.MARKETPLACE, 2031)
    assert [str(n) for n in (first_2031, first_2032, second_2031)] == [
        "FAC-M-2031-000001",
        "FAC-M-2032-000001",
        "FAC-M-2031-000002",
    ]


async def issue_one_invoice(billing) -> dict:
    po = purchase_order_issued()
    await known_purchase_order(billing, po)
    created = (await billing.client.post("/v1/supplier-invoices", json=supplier_invoice_body(po))).json()
    return await member_invoice_of(billing, created["id"])


async def test_the_numbering_check_proves_a_clean_series_and_finds_a_gap_inserted_by_hand(billing) -> None:
    invoice = await issue_one_invoice(billing)
    clean = (await billing.client.get("/v1/numbering/check")).json()
    runtime = billing.runtimes["billing"]
    async with runtime.db.sessionmaker() as session, session.begin():
        row = await session.execute(
            select(member_invoices).where(member_invoices.c.id == uuid.UUID(invoice["id"]))
        )
        values = dict(row.one()._mapping)
        year = values["year"]
        await session.execute(
            insert(member_invoices).values(
                values
                | {
                    "id": uuid.uuid4(),
                    "sequence": 3,
                    "number": f"FAC-M-{year}-000003",
                    "supplier_invoice_id": None,
                }
            )
        )

    broken = (await billing.client.get("/v1/numbering/check")).json()

    assert clean["ok"] is True
    assert clean["series"] == [
        {
            "series": "marketplace",
            "year": year,
            "count": 1,
            "first": 1,
            "last": 1,
            "counter_last": 1,
            "gaps": [],
            "duplicates": [],
            "ok": True,
        }
    ]
    assert broken["ok"] is False
    assert broken["series"][0] | {} == clean["series"][0] | {"count": 2, "last": 3, "gaps": [2], "ok": False}


async def test_a_number_consumed_without_an_invoice_shows_as_a_gap(billing) -> None:
    invoice = await issue_one_invoice(billing)
    year = int(invoice["issue_date"][:4])
    async with billing.runtimes["billing"].unit_of_work() as uow:
        await InvoiceNumbering(uow.session).issue(Series.MARKETPLACE, year)
        await uow.commit()  # a number given out that no invoice carries

    check = (await billing.client.get("/v1/numbering/check")).json()

    assert check["ok"] is False
    assert [(s["last"], s["counter_last"], s["gaps"]) for s in check["series"]] == [(1, 2, [2])]


async def test_an_issued_invoice_row_cannot_be_updated_nor_deleted(billing) -> None:
    invoice = await issue_one_invoice(billing)
    engine = billing.runtimes["billing"].db.engine
    for statement in (
        "UPDATE member_invoices SET total_incl_tax = 0 WHERE id = :id",
        "DELETE FROM member_invoice_lines WHERE invoice_id = :id",
        "UPDATE member_invoice_vat SET vat_amount = 0 WHERE invoice_id = :id",
    ):
        with pytest.raises(DBAPIError, match="immutable"):
            async with engine.begin() as conn:
                await conn.execute(text(statement), {"id": uuid.UUID(invoice["id"])})
    assert (await billing.client.get(f"/v1/invoices/{invoice['id']}")).json() == invoice
