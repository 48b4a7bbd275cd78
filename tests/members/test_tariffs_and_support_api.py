"""Tariff schedules and their notification (art. 5, 8), subsidies, entitlements and support (art. 6),
usage statistics, on PostgreSQL."""

from __future__ import annotations

import pytest

from tests.members.conftest import outbox
from tests.members.helpers import adhere, committee_deliberation, new_member, valid_uai

pytestmark = pytest.mark.postgres

TARIFF = {
    "year": 2027,
    "base_per_pupil": "1.30",
    "optional_per_pupil": "0.30",
    "half_day_rate": "150.00",
    "pupil_count_school_year": "2026-2027",
    "prorata_rule": "by_days",
}


async def test_adopting_the_tariff_notifies_every_member_of_the_competence_and_only_them(members) -> None:
    client = members.client
    adhering = await new_member(client, 41)
    await adhere(client, adhering)
    withdrawn = await new_member(client, 42)
    adhesion = await adhere(client, withdrawn)
    await client.post(
        f"/v1/adhesions/{adhesion['id']}/withdrawal",
        json={"deliberation_date": "2026-06-01", "effective_date": "2026-10-31"},
    )
    outsider = await new_member(client, 43)
    deliberation = await committee_deliberation(client, "CS-2026-40", date="2026-12-10")

    adopted = await client.post("/v1/tariffs", json={**TARIFF, "deliberation_id": deliberation["id"]})
    assert adopted.status_code == 201, adopted.text
    assert adopted.json()["notified_member_ids"] == [adhering]
    assert (await client.get("/v1/notifications", params={"member_id": adhering})).json()["items"][0][
        "kind"
    ] == ("tariff_adopted")
    for member_id in (withdrawn, outsider):
        assert (await client.get("/v1/notifications", params={"member_id": member_id})).json()["items"] == []
    event = (await outbox(members, "members.tariff.adopted"))[0]
    assert (event["base_per_pupil"], event["optional_per_pupil"], event["half_day_rate"]) == (
        "1.30",
        "0.30",
        "150.00",
    )
    assert (event["year"], event["revision"], event["prorata_rule"]) == (2027, 1, "by_days")

    amendment = await committee_deliberation(client, "CS-2027-02", date="2027-02-01")
    amended = await client.post(
        "/v1/tariffs", json={**TARIFF, "half_day_rate": "160.00", "deliberation_id": amendment["id"]}
    )
    assert amended.json()["revision"] == 2
    in_force = (await client.get("/v1/tariffs/2027")).json()
    assert (in_force["revision"], in_force["half_day_rate"]) == (2, "160.00")
    assert len((await client.get("/v1/notifications", params={"member_id": adhering})).json()["items"]) == 2


async def test_a_tariff_needs_a_comite_deliberation_and_sound_amounts(members) -> None:
    client = members.client
    member_id = await new_member(client, 44)
    own = await client.post(
        "/v1/deliberations",
        json={
            "number": "1",
            "date": "2026-12-01",
            "assembly": "member",
            "member_id": member_id,
            "subject": "x",
        },
    )
    refused = await client.post("/v1/tariffs", json={**TARIFF, "deliberation_id": own.json()["id"]})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "deliberation_id"
    committee = await committee_deliberation(client, "CS-1")
    negative = await client.post(
        "/v1/tariffs", json={**TARIFF, "base_per_pupil": "-1.30", "deliberation_id": committee["id"]}
    )
    assert negative.status_code == 422 and negative.json()["errors"][0]["field"] == "base_per_pupil"
    assert (await client.get("/v1/tariffs")).json() == []
    assert await outbox(members, "members.tariff.adopted") == []


async def test_a_subsidy_is_recorded_with_its_deliberation_and_published(members) -> None:
    client = members.client
    member_id = await new_member(client, 45)
    deliberation = await committee_deliberation(client, "CS-SUB-1", subject="Subvention de la commune")
    response = await client.post(
        "/v1/subsidies",
        json={
            "member_id": member_id,
            "year": 2027,
            "amount": "2500.00",
            "payer_name": "Commune de Bailleul",
            "deliberation_id": deliberation["id"],
        },
    )
    assert response.status_code == 201, response.text
    event = (await outbox(members, "members.subsidy.recorded"))[0]
    assert (event["member_id"], event["year"], event["amount"]) == (member_id, 2027, "2500.00")
    unknown = await client.post(
        "/v1/subsidies",
        json={
            "member_id": member_id,
            "year": 2027,
            "amount": "10.00",
            "payer_name": "X",
            "deliberation_id": "5b0c3c7e-0000-4000-8000-000000000000",
        },
    )
    assert unknown.status_code == 404 and unknown.json()["errors"][0]["field"] == "deliberation_id"


async def test_entitlements_follow_the_option_and_a_request_outside_the_level_is_refused(members) -> None:
    client = members.client
    member_id = await new_member(client, 46)
    await adhere(client, member_id, option="base")
    found = (await client.get(f"/v1/members/{member_id}/entitlements", params={"on": "2026-06-01"})).json()
    entitled = {s["code"] for s in found["services"] if s["entitled"]}
    assert (
        "usage_statistics" in entitled and "family_training" in entitled and "hardware_advice" not in entitled
    )

    refused = await client.post(
        "/v1/support-requests",
        json={"member_id": member_id, "service": "hardware_advice", "requested_on": "2026-06-01"},
    )
    assert refused.status_code == 422
    assert (
        refused.json()["errors"][0]["field"] == "service"
        and "base contribution only" in refused.json()["detail"]
    )
    before = await client.post(
        "/v1/support-requests",
        json={
            "member_id": member_id,
            "service": "family_training",
            "requested_on": "2026-02-01",
            "half_days": 2,
        },
    )
    assert before.status_code == 422 and before.json()["errors"][0]["field"] == "member_id"

    request = await client.post(
        "/v1/support-requests",
        json={
            "member_id": member_id,
            "service": "family_training",
            "requested_on": "2026-06-01",
            "half_days": 2,
        },
    )
    assert request.status_code == 201, request.text
    delivered = await client.post(
        f"/v1/support-requests/{request.json()['id']}/delivery",
        json={"delivered_on": "2026-06-15", "half_days": 3},
    )
    assert delivered.status_code == 200 and delivered.json()["status"] == "delivered"
    twice = await client.post(
        f"/v1/support-requests/{request.json()['id']}/delivery", json={"delivered_on": "2026-06-16"}
    )
    assert twice.status_code == 409
    events = await outbox(members, "members.support.delivered")
    assert [(e["service"], e["billable"], e["half_days"], e["delivered_on"]) for e in events] == [
        ("family_training", True, 3, "2026-06-15")
    ]


async def test_usage_statistics_are_imported_per_school_and_month_and_served_per_member(members) -> None:
    client = members.client
    first, second = await new_member(client, 47), await new_member(client, 48)
    uai = valid_uai(40)
    await client.post(
        "/v1/schools",
        json={
            "uai": uai,
            "name": "École",
            "commune_insee": "59350",
            "member_id": first,
            "attached_from": "2026-01-01",
        },
    )
    await client.post(
        f"/v1/schools/{uai}/transfers", json={"member_id": second, "effective_date": "2026-10-01"}
    )
    bad = await client.post(
        "/v1/usage-statistics/import",
        content=f"UAI;month;accounts activated;connections\n{uai};2026-09;120;3400\n{uai};2026-13;1;1\n",
        headers={"content-type": "text/csv"},
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "line 3: month"
    assert (await client.get(f"/v1/usage-statistics/members/{first}")).json()["items"] == []
    good = await client.post(
        "/v1/usage-statistics/import",
        content=f"{uai};2026-09;120;3400\n{uai};2026-10;130;4100\n",
        headers={"content-type": "text/csv"},
    )
    assert good.status_code == 201, good.text
    september = (await client.get(f"/v1/usage-statistics/members/{first}")).json()
    october = (await client.get(f"/v1/usage-statistics/members/{second}")).json()
    assert [(u["month"], u["connections"]) for u in september["items"]] == [("2026-09", 3400)]
    assert [(u["month"], u["accounts_activated"]) for u in october["items"]] == [("2026-10", 130)]
