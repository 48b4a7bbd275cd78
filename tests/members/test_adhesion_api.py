"""Members API on real PostgreSQL: registration, concordant deliberations, status at a date."""

from __future__ import annotations

import pytest

from services.members.bootstrap import DEFINITION
from services.members.config import MembersSettings
from tests.apps import run_services
from tests.members.helpers import member_body

pytestmark = pytest.mark.postgres


@pytest.fixture
async def client(pg_url: str):
    async with run_services([(DEFINITION, MembersSettings(database_url=pg_url))]) as running:
        yield running.client


async def test_member_adheres_by_concordant_deliberations(client) -> None:
    member = (await client.post("/v1/members", json=member_body(1))).json()
    adhesion = await client.post(
        f"/v1/members/{member['id']}/adhesions",
        json={
            "deliberation_number": "2026-14",
            "deliberation_date": "2026-01-10",
            "effective_date": "2026-03-01",
        },
    )
    assert adhesion.status_code == 201 and adhesion.json()["status"] == "pending"
    vote = await client.post(
        f"/v1/adhesions/{adhesion.json()['id']}/committee-vote",
        json={"session_date": "2026-02-01", "votes_for": 20, "votes_against": 10, "abstentions": 7},
    )
    assert vote.json()["status"] == "approved"  # exactly two thirds of votes cast passes
    before = await client.get(f"/v1/members/{member['id']}/status", params={"on": "2026-02-28"})
    after = await client.get(f"/v1/members/{member['id']}/status", params={"on": "2026-03-01"})
    assert before.json()["status"] == "pending"
    assert after.json()["status"] == "active"


async def test_a_siret_of_another_siren_is_refused_with_the_field_named(client) -> None:
    body = member_body(2)
    body["siret"] = member_body(3)["siret"]
    response = await client.post("/v1/members", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "siret"


async def test_the_same_siren_cannot_be_registered_twice(client) -> None:
    assert (await client.post("/v1/members", json=member_body(4))).status_code == 201
    again = await client.post("/v1/members", json=member_body(4))
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "siren"


async def test_a_vote_with_no_vote_cast_is_refused(client) -> None:
    member = (await client.post("/v1/members", json=member_body(5))).json()
    adhesion = (
        await client.post(
            f"/v1/members/{member['id']}/adhesions",
            json={
                "deliberation_number": "X",
                "deliberation_date": "2026-01-10",
                "effective_date": "2026-03-01",
            },
        )
    ).json()
    vote = await client.post(
        f"/v1/adhesions/{adhesion['id']}/committee-vote",
        json={"session_date": "2026-02-01", "votes_for": 0, "votes_against": 0, "abstentions": 12},
    )
    assert vote.status_code == 422
    state = await client.get(f"/v1/members/{member['id']}/status", params={"on": "2026-04-01"})
    assert state.json()["status"] == "pending"  # nothing half-written
