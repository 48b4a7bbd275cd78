"""The embedded mode runs billing on a SQLite file: same migrations (immutability triggers included),
same flow from PO to numbered member invoice."""

from __future__ import annotations

import sqlalchemy
from sqlalchemy import text

from services.billing.bootstrap import DEFINITION
from services.billing.config import BillingSettings
from tests.apps import run_services
from tests.billing.helpers import (
    known_purchase_order,
    member_invoice_of,
    purchase_order_issued,
    supplier_invoice_body,
)


async def test_a_supplier_invoice_is_rebilled_on_sqlite_and_the_invoice_stays_immutable(tmp_path) -> None:
    settings = BillingSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/billing.db", retry_delay_ms=100)
    async with run_services([(DEFINITION, settings)]) as running:
        po = purchase_order_issued()
        await known_purchase_order(running, po)
        created = (await running.client.post("/v1/supplier-invoices", json=supplier_invoice_body(po))).json()
        invoice = await member_invoice_of(running, created["id"])

        assert (
            invoice["number"].endswith("-000001") and invoice["total_excl_tax"] == created["total_excl_tax"]
        )
        assert (await running.client.get("/v1/numbering/check")).json()["ok"] is True
        try:
            async with running.runtimes["billing"].db.engine.begin() as conn:
                await conn.execute(text("UPDATE member_invoices SET total_vat = '0'"))
        except sqlalchemy.exc.DBAPIError as refused:
            assert "immutable" in str(refused)
        else:
            raise AssertionError("the update of an issued invoice went through")
