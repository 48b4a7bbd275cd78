"""Members through the API on PostgreSQL: update with history, contacts, Chorus routing, filters."""

from __future__ import annotations

import pytest

from tests.members.conftest import outbox
from tests.members.helpers import adhere, member_body, new_member, valid_siret

pytestmark = pytest.mark.postgres


async def test_an_update_keeps_every_version_and_publishes_the_full_new_state(members) -> None:
    client = members.client
    body = member_body(11, contacts=[{"name": "Anne Martin", "role": "DSI", "email": "a.martin@cc.fr"}])
    member = (await client.post("/v1/members", json=body)).json()
    assert member["contacts"][0]["email"] == "a.martin@cc.fr" and member["version"] == 1

    updated = await client.patch(
        f"/v1/members/{member['id']}",
        json={"service_code": "ENT-01", "chorus_requirement": "both", "siret": valid_siret(body["siren"], 2)},
    )
    assert updated.status_code == 200, updated.text
    assert (updated.json()["version"], updated.json()["chorus_requirement"]) == (2, "both")

    history = (await client.get(f"/v1/members/{member['id']}/history")).json()
    assert [v["version"] for v in history] == [1, 2]
    assert history[0]["state"]["chorus_requirement"] == "none"
    assert history[1]["changed_fields"] == ["chorus_requirement", "service_code", "siret"]

    events = await outbox(members, "members.member.updated")
    assert len(events) == 1
    event = events[0]
    assert (event["service_code"], event["chorus_requirement"], event["version"]) == ("ENT-01", "both", 2)
    assert event["name"] == body["name"] and event["contacts"][0]["name"] == "Anne Martin"


async def test_an_update_breaking_a_rule_is_refused_and_changes_nothing(members) -> None:
    client = members.client
    member_id = await new_member(client, 12)
    refused = await client.patch(f"/v1/members/{member_id}", json={"chorus_requirement": "service_code"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "service_code"
    siren = await client.patch(f"/v1/members/{member_id}", json={"siren": "200041762"})
    assert siren.status_code == 422  # unknown field: the SIREN is not updatable
    assert (await client.get(f"/v1/members/{member_id}")).json()["version"] == 1
    assert await outbox(members, "members.member.updated") == []


async def test_an_update_that_changes_nothing_writes_no_version(members) -> None:
    client = members.client
    body = member_body(13)
    member_id = await new_member(client, 13)
    same = await client.patch(f"/v1/members/{member_id}", json={"name": body["name"]})
    assert same.status_code == 200 and same.json()["version"] == 1
    assert len((await client.get(f"/v1/members/{member_id}/history")).json()) == 1


async def test_members_are_listed_by_kind_siren_and_name_with_a_cursor(members) -> None:
    client = members.client
    for seed in (21, 22, 23):
        await new_member(client, seed)
    await new_member(client, 24, kind="commune", name="Commune de Bailleul")
    by_kind = (await client.get("/v1/members", params={"kind": "commune"})).json()["items"]
    assert [m["name"] for m in by_kind] == ["Commune de Bailleul"]
    by_name = (await client.get("/v1/members", params={"name": "bailleul"})).json()["items"]
    assert len(by_name) == 1
    by_siren = (await client.get("/v1/members", params={"siren": member_body(22)["siren"]})).json()["items"]
    assert [m["siren"] for m in by_siren] == [member_body(22)["siren"]]
    first = (await client.get("/v1/members", params={"limit": 3})).json()
    rest = (await client.get("/v1/members", params={"limit": 3, "cursor": first["next_cursor"]})).json()
    assert len(first["items"]) == 3 and len(rest["items"]) == 1


async def test_an_invalid_siren_is_refused_naming_the_field(members) -> None:
    body = member_body(14)
    body["siren"] = body["siren"][:-1] + str((int(body["siren"][-1]) + 1) % 10)
    response = await members.client.post("/v1/members", json=body)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "siren"


async def test_a_duplicate_adhesion_is_refused(members) -> None:
    client = members.client
    member_id = await new_member(client, 15)
    await adhere(client, member_id)
    again = await client.post(
        f"/v1/members/{member_id}/adhesions",
        json={
            "deliberation_number": "DEL-2",
            "deliberation_date": "2026-04-01",
            "effective_date": "2026-05-01",
        },
    )
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "member_id"


async def test_an_adhesion_effective_before_its_deliberation_is_refused_and_records_nothing(members) -> None:
    client = members.client
    member_id = await new_member(client, 16)
    response = await client.post(
        f"/v1/members/{member_id}/adhesions",
        json={
            "deliberation_number": "D-1",
            "deliberation_date": "2026-03-02",
            "effective_date": "2026-03-01",
        },
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "effective_date"
    assert (await client.get(f"/v1/members/{member_id}/adhesions")).json() == []
    assert (await client.get("/v1/deliberations", params={"member_id": member_id})).json()["items"] == []


async def test_an_adhesion_for_an_unknown_member_is_404(members) -> None:
    response = await members.client.post(
        "/v1/members/5b0c3c7e-0000-4000-8000-000000000000/adhesions",
        json={"deliberation_number": "D", "deliberation_date": "2026-01-01", "effective_date": "2026-02-01"},
    )
    assert response.status_code == 404 and response.json()["errors"][0]["field"] == "member_id"


async def test_adhesion_on_1_march_and_withdrawal_on_31_october_through_the_api(members) -> None:
    client = members.client
    member_id = await new_member(client, 17)
    adhesion = await adhere(client, member_id, effective_date="2026-03-01")
    withdrawn = await client.post(
        f"/v1/adhesions/{adhesion['id']}/withdrawal",
        json={
            "deliberation_date": "2026-09-20",
            "effective_date": "2026-10-31",
            "deliberation_number": "R-9",
        },
    )
    assert withdrawn.status_code == 200, withdrawn.text
    expected = {
        "2026-02-28": "pending",
        "2026-03-01": "active",
        "2026-10-30": "active",
        "2026-10-31": "withdrawn",
    }
    for day, state in expected.items():
        got = (await client.get(f"/v1/members/{member_id}/status", params={"on": day})).json()["status"]
        assert got == state, day
    event = (await outbox(members, "members.adhesion.withdrawn"))[0]
    assert (event["effective_date"], event["deliberation_number"]) == ("2026-10-31", "R-9")
    deliberations = (await client.get("/v1/deliberations", params={"member_id": member_id})).json()["items"]
    assert {d["number"] for d in deliberations} == {"DEL-ADH", "R-9"}


async def test_the_comite_vote_records_its_deliberation_and_the_approval_carries_the_votes(members) -> None:
    client = members.client
    member_id = await new_member(client, 18)
    adhesion = (
        await client.post(
            f"/v1/members/{member_id}/adhesions",
            json={
                "deliberation_number": "2026-14",
                "deliberation_date": "2026-01-10",
                "effective_date": "2026-03-01",
                "document_ref": "actes/2026-14.pdf",
            },
        )
    ).json()
    vote = await client.post(
        f"/v1/adhesions/{adhesion['id']}/committee-vote",
        json={
            "session_date": "2026-02-01",
            "votes_for": 20,
            "votes_against": 10,
            "abstentions": 7,
            "deliberation_number": "CS-2026-03",
        },
    )
    assert vote.json()["status"] == "approved"
    committee = await client.get(f"/v1/deliberations/{vote.json()['committee_deliberation_id']}")
    assert (committee.json()["assembly"], committee.json()["number"]) == ("committee", "CS-2026-03")
    member_deliberation = await client.get(f"/v1/deliberations/{vote.json()['member_deliberation_id']}")
    assert member_deliberation.json()["document_ref"] == "actes/2026-14.pdf"
    approved = (await outbox(members, "members.adhesion.approved"))[0]
    assert (approved["votes_for"], approved["votes_against"], approved["abstentions"]) == (20, 10, 7)
    assert approved["member_deliberation_number"] == "2026-14"


async def test_just_below_two_thirds_rejects_the_adhesion(members) -> None:
    client = members.client
    member_id = await new_member(client, 19)
    adhesion = (
        await client.post(
            f"/v1/members/{member_id}/adhesions",
            json={
                "deliberation_number": "X",
                "deliberation_date": "2026-01-10",
                "effective_date": "2026-03-01",
            },
        )
    ).json()
    vote = await client.post(
        f"/v1/adhesions/{adhesion['id']}/committee-vote",
        json={"session_date": "2026-02-01", "votes_for": 19, "votes_against": 10, "abstentions": 40},
    )
    assert vote.json()["status"] == "rejected"
    state = await client.get(f"/v1/members/{member_id}/status", params={"on": "2026-04-01"})
    assert state.json()["status"] == "not_adhering"


async def test_the_option_changes_by_deliberation_and_the_status_shows_the_option_in_force(members) -> None:
    client = members.client
    member_id = await new_member(client, 20)
    adhesion = await adhere(client, member_id)
    deliberation = (
        await client.post(
            "/v1/deliberations",
            json={
                "number": "2026-77",
                "date": "2026-11-05",
                "assembly": "member",
                "member_id": member_id,
                "subject": "Option accompagnement forfaitaire",
            },
        )
    ).json()
    changed = await client.post(
        f"/v1/adhesions/{adhesion['id']}/option-changes",
        json={
            "option": "base_and_flat",
            "effective_date": "2027-01-01",
            "deliberation_id": deliberation["id"],
        },
    )
    assert changed.status_code == 201, changed.text
    before = (await client.get(f"/v1/members/{member_id}/status", params={"on": "2026-12-31"})).json()
    after = (await client.get(f"/v1/members/{member_id}/status", params={"on": "2027-01-01"})).json()
    assert (before["option"], after["option"]) == ("base", "base_and_flat")
    event = (await outbox(members, "members.adhesion.option_changed"))[0]
    assert (event["previous_option"], event["option"], event["effective_date"]) == (
        "base",
        "base_and_flat",
        "2027-01-01",
    )
    other_member = await new_member(client, 25)
    foreign = (
        await client.post(
            "/v1/deliberations",
            json={
                "number": "9",
                "date": "2026-11-05",
                "assembly": "member",
                "member_id": other_member,
                "subject": "x",
            },
        )
    ).json()
    refused = await client.post(
        f"/v1/adhesions/{adhesion['id']}/option-changes",
        json={"option": "base", "effective_date": "2027-06-01", "deliberation_id": foreign["id"]},
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "deliberation_id"
