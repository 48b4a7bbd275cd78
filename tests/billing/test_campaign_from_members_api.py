"""Members and billing together: what staff record through the members API (member, adhesion on 1 July
with the option, school, pupil count, the Comité's schedule, delivered half-days) reaches billing as
events, and the campaign computes the worked check's prorated figure from it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from services.billing.adapters.campaign_tables import (
    contribution_adhesions,
    contribution_pupil_counts,
    contribution_support,
    contribution_tariffs,
)
from services.billing.adapters.tables import members as billing_members
from services.billing.bootstrap import DEFINITION as BILLING
from services.billing.config import BillingSettings
from services.members.bootstrap import DEFINITION as MEMBERS
from services.members.config import MembersSettings
from tests.apps import run_services
from tests.billing.helpers import eventually
from tests.members.helpers import adhere, committee_deliberation, member_body, valid_uai

pytestmark = pytest.mark.postgres


async def test_a_campaign_from_the_members_api_to_the_issued_invoice(pg_url_factory) -> None:
    members_url, billing_url = (
        await pg_url_factory("ent_test_members"),
        await pg_url_factory("ent_test_billing"),
    )
    fast = {"retry_delay_ms": 100, "relay_poll_interval_s": 0.05}
    async with run_services(
        [
            (MEMBERS, MembersSettings(database_url=members_url, **fast)),
            (BILLING, BillingSettings(database_url=billing_url, **fast)),
        ]
    ) as running:
        client = running.client
        registered = await client.post("/v1/members", json=member_body(77))
        assert registered.status_code == 201, registered.text
        member_id = registered.json()["id"]
        await adhere(
            client,
            member_id,
            effective_date="2027-07-01",
            deliberation_date="2027-05-20",
            session_date="2027-06-10",
            option="base_and_flat",
        )
        uai = valid_uai(77)
        school = await client.post(
            "/v1/schools",
            json={
                "uai": uai,
                "name": "École Jules Ferry",
                "commune_insee": "59178",
                "member_id": member_id,
                "attached_from": "2026-01-01",
            },
        )
        assert school.status_code == 201, school.text
        count = await client.post(
            f"/v1/schools/{uai}/pupil-counts", json={"school_year": "2026-2027", "pupils": 4321}
        )
        assert count.status_code == 201, count.text
        deliberation = await committee_deliberation(client, "CS-2026-42", date="2026-12-10")
        tariff = await client.post(
            "/v1/tariffs",
            json={
                "year": 2027,
                "base_per_pupil": "1.30",
                "optional_per_pupil": "0.30",
                "half_day_rate": "150.00",
                "pupil_count_school_year": "2026-2027",
                "prorata_rule": "by_days",
                "deliberation_id": deliberation["id"],
            },
        )
        assert tariff.status_code == 201, tariff.text
        request = await client.post(
            "/v1/support-requests",
            json={
                "member_id": member_id,
                "service": "family_training",
                "requested_on": "2027-08-01",
                "half_days": 3,
            },
        )
        assert request.status_code == 201, request.text
        delivered = await client.post(
            f"/v1/support-requests/{request.json()['id']}/delivery",
            json={"delivered_on": "2027-09-20", "half_days": 3},
        )
        assert delivered.status_code == 200, delivered.text

        async def billing_knows_everything() -> bool:
            async with running.runtimes["billing"].db.engine.connect() as conn:
                for table in (
                    billing_members,
                    contribution_adhesions,
                    contribution_pupil_counts,
                    contribution_tariffs,
                    contribution_support,
                ):
                    if not (await conn.execute(select(func.count()).select_from(table))).scalar_one():
                        return False
            return True

        await eventually(billing_knows_everything, timeout=30)

        campaign = (await client.post("/v1/campaigns", json={"year": 2027})).json()
        assert campaign["summary"]["blocking_members"] == [], campaign
        call = (await client.get(f"/v1/campaigns/{campaign['id']}/calls/{member_id}")).json()
        assert call["total"] == "3935.21"  # 6913.60 x 184/365 rounded once, + 3 x 150.00
        assert call["breakdown"]["schools"] == [
            {"uai": uai, "name": "École Jules Ferry", "pupils": 4321, "counted_on": "2026-09-01"}
        ]
        issued = await client.post(f"/v1/campaigns/{campaign['id']}/issue", json={"issue_date": "2027-10-01"})
        assert issued.json()["status"] == "issued"
        call = (await client.get(f"/v1/campaigns/{campaign['id']}/calls/{member_id}")).json()
        invoice = (await client.get(f"/v1/invoices/{call['invoice_id']}")).json()
        assert invoice["number"] == "FAC-C-2027-000001" and invoice["total_incl_tax"] == "3935.21"
        assert invoice["buyer"]["siret"] == registered.json()["siret"]
