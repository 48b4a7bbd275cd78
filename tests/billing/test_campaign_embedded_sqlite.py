"""The contribution campaign end to end through the API in the embedded mode (SQLite): same flow,
same figures, same Factur-X as on PostgreSQL."""

from __future__ import annotations

import datetime as dt

import facturx

from services.billing.bootstrap import DEFINITION
from services.billing.config import BillingSettings
from shared.contracts.members import AdhesionOption
from tests.apps import run_services
from tests.billing.campaign_helpers import adhering, feed, new_member, tariff_adopted

FLAT = AdhesionOption.BASE_AND_FLAT


async def test_a_campaign_runs_end_to_end_on_sqlite(tmp_path) -> None:
    settings = BillingSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/billing.db", retry_delay_ms=100)
    async with run_services([(DEFINITION, settings)]) as running:
        base, july, uncounted = (
            new_member("CC Base", "200044618"),
            new_member("CC Juillet", "200041762"),
            new_member("CC Sans effectifs", "245900410"),
        )
        await feed(
            running,
            tariff_adopted(2027),
            *adhering(base, 4321),
            *adhering(july, 4321, option=FLAT, effective=dt.date(2027, 7, 1)),
            july.half_days(3, dt.date(2027, 9, 20)),
            *adhering(uncounted, None),
        )
        client = running.client
        campaign = (await client.post("/v1/campaigns", json={"year": 2027})).json()
        assert campaign["summary"]["blocking_members"] == [uncounted.member_id]
        assert (await client.post(f"/v1/campaigns/{campaign['id']}/issue")).status_code == 422

        await feed(running, uncounted.count(uncounted.uais[0], 10, revision=2))
        reviewed = (await client.post(f"/v1/campaigns/{campaign['id']}/compute")).json()
        assert reviewed["summary"]["blocking_members"] == []
        assert reviewed["summary"]["total"] == "9565.51"  # 5617.30 + 3935.21 + 13.00

        issued = await client.post(f"/v1/campaigns/{campaign['id']}/issue", json={"issue_date": "2027-03-15"})
        assert issued.json()["status"] == "issued" and issued.json()["issued_count"] == 3
        again = await client.post(f"/v1/campaigns/{campaign['id']}/issue")
        assert again.json()["issued_count"] == 3

        call = (await client.get(f"/v1/campaigns/{campaign['id']}/calls/{july.member_id}")).json()
        assert call["total"] == "3935.21" and call["breakdown"]["days_in_competence"] == 184
        invoice = (await client.get(f"/v1/invoices/{call['invoice_id']}")).json()
        assert invoice["number"].startswith("FAC-C-2027-") and invoice["total_incl_tax"] == "3935.21"
        pdf = (await client.get(f"/v1/invoices/{call['invoice_id']}/facturx.pdf")).content
        _, xml = facturx.get_xml_from_pdf(pdf, check_xsd=True)
        assert b"<ram:CategoryCode>O</ram:CategoryCode>" in xml
        assert (await client.get("/v1/numbering/check")).json()["ok"] is True
