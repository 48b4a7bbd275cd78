"""The yearly contribution campaign through billing's API: created from the members' events, reviewed,
issued as one contributions-series invoice per member, explained, refused when the input is wrong."""

from __future__ import annotations

import datetime as dt
import io

import facturx
import pytest
from lxml import etree
from pypdf import PdfReader

from shared.contracts.members import AdhesionOption
from shared.security.principal import Role
from tests.apps import bearer
from tests.billing.campaign_helpers import adhering, feed, new_member, tariff_adopted
from tests.billing.en16931 import fatal_findings

pytestmark = pytest.mark.postgres

FLAT = AdhesionOption.BASE_AND_FLAT
CII = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}


async def worked_check_members(billing):
    """The issue's worked check: 4,321 pupils at 1.30 / 0.30 / 150.00."""
    base_only = new_member("CC Base", "200044618")
    with_option = new_member("CC Option", "200041762")
    with_half_days = new_member("CC Demi-journées", "245900410")
    from_july = new_member("CC Juillet", "200093201")
    events = [
        tariff_adopted(2027),
        *adhering(base_only, 4321),
        *adhering(with_option, 4321, option=FLAT),
        *adhering(with_half_days, 4321, option=FLAT),
        with_half_days.half_days(3),
        *adhering(from_july, 4321, option=FLAT, effective=dt.date(2027, 7, 1)),
        from_july.half_days(3, dt.date(2027, 9, 20)),
    ]
    await feed(billing, *events)
    return base_only, with_option, with_half_days, from_july


async def test_the_worked_check_holds_from_draft_to_issued_invoices(billing) -> None:
    base_only, with_option, with_half_days, from_july = await worked_check_members(billing)

    created = await billing.client.post("/v1/campaigns", json={"year": 2027})
    assert created.status_code == 201, created.text
    campaign = created.json()
    assert campaign["status"] == "draft" and campaign["tariff"]["revision"] == 1
    summary = campaign["summary"]
    assert summary["members"] == 4 and summary["blocking_members"] == []
    # 5617.30 + 6913.60 + 7363.60 + (3485.21 + 450.00)
    assert summary["total"] == "23829.71"

    calls = (await billing.client.get(f"/v1/campaigns/{campaign['id']}/calls")).json()["items"]
    totals = {call["member_id"]: call["total"] for call in calls}
    assert totals == {
        base_only.member_id: "5617.30",
        with_option.member_id: "6913.60",
        with_half_days.member_id: "7363.60",
        from_july.member_id: "3935.21",
    }
    july = (await billing.client.get(f"/v1/campaigns/{campaign['id']}/calls/{from_july.member_id}")).json()
    breakdown = july["breakdown"]
    assert (breakdown["days_in_competence"], breakdown["days_in_year"]) == (184, 365)
    assert breakdown["yearly_part"] == "3485.21" and breakdown["half_day_amount"] == "450.00"
    assert breakdown["schools"][0]["pupils"] == 4321 and breakdown["prorated"] is True

    issued = await billing.client.post(
        f"/v1/campaigns/{campaign['id']}/issue", json={"issue_date": "2027-03-15"}
    )
    assert issued.status_code == 200, issued.text
    assert issued.json()["status"] == "issued" and issued.json()["issued_count"] == 4

    calls = (await billing.client.get(f"/v1/campaigns/{campaign['id']}/calls")).json()["items"]
    invoices = [(await billing.client.get(f"/v1/invoices/{c['invoice_id']}")).json() for c in calls]
    assert sorted(i["number"] for i in invoices) == [f"FAC-C-2027-{n:06d}" for n in range(1, 5)]
    for call, invoice in zip(calls, invoices, strict=True):
        assert invoice["total_incl_tax"] == invoice["total_excl_tax"] == call["total"]
        assert invoice["total_vat"] == "0.00"
        assert [(v["vat_category"], v["vat_amount"]) for v in invoice["vat_breakdown"]] == [("O", "0.00")]
        assert invoice["issue_date"] == "2027-03-15"
    assert (await billing.client.get("/v1/numbering/check")).json()["ok"] is True

    # The prorated call's Factur-X: valid EN 16931 (category O, exemption reason), breakdown printed.
    july_invoice = next(c["invoice_id"] for c in calls if c["member_id"] == from_july.member_id)
    pdf = (await billing.client.get(f"/v1/invoices/{july_invoice}/facturx.pdf")).content
    _, xml = facturx.get_xml_from_pdf(pdf, check_xsd=True)
    assert fatal_findings(xml, "CII") == []
    tree = etree.fromstring(xml)
    tax = tree.find(".//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax", CII)
    assert tax is not None and tax.findtext("ram:CategoryCode", namespaces=CII) == "O"
    assert tree.findtext(".//ram:GrandTotalAmount", namespaces=CII) == "3935.21"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Détail du calcul de la contribution 2027" in text
    assert "184 jours sur 365" in text and "4321" in text


async def test_issuing_twice_changes_nothing(billing) -> None:
    await worked_check_members(billing)
    campaign = (await billing.client.post("/v1/campaigns", json={"year": 2027})).json()
    first = await billing.client.post(f"/v1/campaigns/{campaign['id']}/issue")
    second = await billing.client.post(f"/v1/campaigns/{campaign['id']}/issue")
    assert first.status_code == second.status_code == 200
    assert second.json()["issued_count"] == 4
    listed = (await billing.client.get("/v1/invoices", params={"limit": 200})).json()["items"]
    assert len(listed) == 4
    recompute = await billing.client.post(f"/v1/campaigns/{campaign['id']}/compute")
    assert recompute.status_code == 409


async def test_bad_input_is_refused_or_blocks_never_a_silent_zero(billing) -> None:
    no_tariff = await billing.client.post("/v1/campaigns", json={"year": 2031})
    assert no_tariff.status_code == 422
    assert no_tariff.headers["content-type"].startswith("application/problem+json")
    assert "2031" in no_tariff.json()["detail"]
    unknown_field = await billing.client.post("/v1/campaigns", json={"year": 2027, "total": "0"})
    assert unknown_field.status_code == 422

    counted, uncounted = new_member("CC Comptée", "200044618"), new_member("CC Sans effectifs", "200041762")
    await feed(billing, tariff_adopted(2027), *adhering(counted, 100), *adhering(uncounted, None))
    created = await billing.client.post("/v1/campaigns", json={"year": 2027})
    assert created.status_code == 201
    campaign = created.json()
    assert campaign["summary"]["blocking_members"] == [uncounted.member_id]
    again = await billing.client.post("/v1/campaigns", json={"year": 2027})
    assert again.status_code == 409

    blocked = (
        await billing.client.get(f"/v1/campaigns/{campaign['id']}/calls", params={"blocking": "true"})
    ).json()["items"]
    assert [(c["member_id"], c["flags"], c["total"]) for c in blocked] == [
        (uncounted.member_id, ["no_pupil_count", "school_without_count"], "0.00")
    ]
    refused = await billing.client.post(f"/v1/campaigns/{campaign['id']}/issue")
    assert refused.status_code == 422 and uncounted.member_id in refused.json()["detail"]
    assert (await billing.client.get("/v1/invoices")).json()["items"] == []

    # The count arrives late: recompute, the flag is gone, the campaign issues.
    await feed(billing, uncounted.count(uncounted.uais[0], 250))
    recomputed = (await billing.client.post(f"/v1/campaigns/{campaign['id']}/compute")).json()
    assert recomputed["summary"]["blocking_members"] == [] and recomputed["summary"]["total"] == "455.00"
    issued = await billing.client.post(f"/v1/campaigns/{campaign['id']}/issue")
    assert issued.json()["status"] == "issued"


async def test_campaign_roles_finance_runs_staff_reads_a_member_sees_only_its_own_call(billing) -> None:
    mine, other = new_member("CC A", "200044618"), new_member("CC B", "200041762")
    await feed(billing, tariff_adopted(2027), *adhering(mine, 10), *adhering(other, 20))
    viewer = bearer(Role.VIEWER)
    assert (
        await billing.client.post("/v1/campaigns", json={"year": 2027}, headers=viewer)
    ).status_code == 403
    finance = bearer(Role.FINANCE)
    created = await billing.client.post("/v1/campaigns", json={"year": 2027}, headers=finance)
    assert created.status_code == 201
    campaign_id = created.json()["id"]
    assert (await billing.client.get(f"/v1/campaigns/{campaign_id}", headers=viewer)).status_code == 200
    assert (
        await billing.client.post(f"/v1/campaigns/{campaign_id}/issue", headers=viewer)
    ).status_code == 403

    member = bearer(Role.MEMBER, member_id=mine.member_id)
    own = await billing.client.get(f"/v1/campaigns/{campaign_id}/calls/{mine.member_id}", headers=member)
    assert own.status_code == 200 and own.json()["total"] == "13.00"
    theirs = await billing.client.get(f"/v1/campaigns/{campaign_id}/calls/{other.member_id}", headers=member)
    assert theirs.status_code == 404
    assert (await billing.client.get(f"/v1/campaigns/{campaign_id}/calls", headers=member)).status_code == 403
