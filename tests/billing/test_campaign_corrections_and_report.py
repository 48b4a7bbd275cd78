"""After issue, a late pupil count or a wrong option is corrected by a credit note and a new invoice,
never an edit; the campaign report (CSV, JSON) and the Comité's summary tell the same figures."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from shared.contracts.members import AdhesionOption
from tests.billing.campaign_helpers import adhering, feed, new_member, tariff_adopted
from tests.billing.en16931 import fatal_findings

pytestmark = pytest.mark.postgres


async def issued_campaign(billing):
    late, optional = new_member("CC Effectifs tardifs", "200044618"), new_member("CC Option", "200041762")
    await feed(
        billing,
        tariff_adopted(2027),
        *adhering(late, 4321),
        *adhering(optional, 1000),
        optional.subsidy("100.00"),
    )
    campaign = (await billing.client.post("/v1/campaigns", json={"year": 2027})).json()
    issued = await billing.client.post(
        f"/v1/campaigns/{campaign['id']}/issue", json={"issue_date": "2027-03-15"}
    )
    assert issued.json()["status"] == "issued"
    return campaign["id"], late, optional


async def test_a_late_pupil_count_is_corrected_by_a_credit_note_and_a_new_invoice(billing) -> None:
    campaign_id, late, _ = await issued_campaign(billing)
    before = (await billing.client.get(f"/v1/campaigns/{campaign_id}/calls/{late.member_id}")).json()
    old_invoice = (await billing.client.get(f"/v1/invoices/{before['invoice_id']}")).json()
    assert old_invoice["total_incl_tax"] == "5617.30"

    nothing = await billing.client.post(
        f"/v1/campaigns/{campaign_id}/calls/{late.member_id}/corrections", json={"reason": "contrôle"}
    )
    assert nothing.status_code == 422 and "nothing to correct" in nothing.json()["detail"]

    await feed(billing, late.count(late.uais[0], 4400, revision=2))
    corrected = await billing.client.post(
        f"/v1/campaigns/{campaign_id}/calls/{late.member_id}/corrections",
        json={"reason": "effectifs 2026-2027 rectifiés"},
    )
    assert corrected.status_code == 201, corrected.text
    body = corrected.json()
    assert (body["previous_total"], body["total"]) == ("5617.30", "5720.00")  # 4400 x 1.30

    note = (await billing.client.get(f"/v1/credit-notes/{body['credit_note_id']}")).json()
    assert note["invoice_id"] == old_invoice["id"] and note["total_incl_tax"] == "5617.30"
    assert note["number"].startswith("AV-")
    new_invoice = (await billing.client.get(f"/v1/invoices/{body['invoice_id']}")).json()
    assert new_invoice["number"].startswith("FAC-C-") and new_invoice["number"] != old_invoice["number"]
    assert new_invoice["total_incl_tax"] == "5720.00"
    # The issued invoice is untouched; the call now stands for the new one.
    assert (await billing.client.get(f"/v1/invoices/{old_invoice['id']}")).json() == old_invoice
    after = (await billing.client.get(f"/v1/campaigns/{campaign_id}/calls/{late.member_id}")).json()
    assert after["invoice_id"] == body["invoice_id"] and after["breakdown"]["pupils"] == 4400
    assert (await billing.client.get("/v1/numbering/check")).json()["ok"] is True
    # Both documents of the correction are valid EN 16931 (the credit note refers to the invoice).
    for path in (f"/v1/credit-notes/{note['id']}/cii.xml", f"/v1/invoices/{new_invoice['id']}/cii.xml"):
        xml = (await billing.client.get(path)).content
        assert fatal_findings(xml, "CII") == [], path
    assert (
        old_invoice["number"].encode()
        in (await billing.client.get(f"/v1/credit-notes/{note['id']}/cii.xml")).content
    )


async def test_a_wrong_option_is_corrected_the_same_way(billing) -> None:
    campaign_id, _, optional = await issued_campaign(billing)
    await feed(billing, optional.option_changed(dt.date(2027, 1, 1), AdhesionOption.BASE_AND_FLAT))
    corrected = await billing.client.post(
        f"/v1/campaigns/{campaign_id}/calls/{optional.member_id}/corrections",
        json={"reason": "option forfaitaire omise"},
    )
    assert corrected.status_code == 201, corrected.text
    # 1000 x (1.30 + 0.30) - 100.00 subsidy
    assert (corrected.json()["previous_total"], corrected.json()["total"]) == ("1200.00", "1500.00")


async def test_the_report_and_the_committee_summary(billing) -> None:
    campaign_id, late, optional = await issued_campaign(billing)
    report = (await billing.client.get(f"/v1/campaigns/{campaign_id}/report.json")).json()
    rows = {row["member_id"]: row for row in report["calls"]}
    assert rows[late.member_id] | {"invoice_number": None} == {
        "member_id": late.member_id,
        "name": "CC Effectifs tardifs",
        "siren": "200044618",
        "pupils": 4321,
        "base_amount": "5617.30",
        "optional_amount": "0.00",
        "days_in_competence": 365,
        "days_in_year": 365,
        "yearly_part": "5617.30",
        "half_days": 0,
        "half_day_amount": "0.00",
        "subsidy_applied": "0.00",
        "subsidy_remainder": "0.00",
        "total": "5617.30",
        "invoice_number": None,
        "flags": [],
    }
    assert rows[late.member_id]["invoice_number"].startswith("FAC-C-2027-")
    assert rows[optional.member_id]["subsidy_applied"] == "100.00"
    assert report["campaign"]["summary"]["total"] == "6817.30"

    exported = await billing.client.get(f"/v1/campaigns/{campaign_id}/report.csv")
    assert exported.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert {(r["siren"], r["pupils"], r["total"]) for r in table} == {
        ("200044618", "4321", "5617.30"),
        ("200041762", "1000", "1200.00"),
    }

    summary = (await billing.client.get(f"/v1/campaigns/{campaign_id}/committee-summary")).text
    assert "Appels de contribution 2027" in summary
    assert "Membres appelés : 2" in summary and "élèves : 5321" in summary
    assert "Total appelé : 6\u00a0817,30\u00a0€" in summary
    assert "Factures émises : 2 sur 2" in summary
