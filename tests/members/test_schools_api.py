"""Schools, transfers between members and pupil counts (one by one and by CSV) on PostgreSQL."""

from __future__ import annotations

import pytest

from tests.members.conftest import outbox
from tests.members.helpers import new_member, valid_uai

pytestmark = pytest.mark.postgres

CSV = {"content-type": "text/csv"}


async def school(client, uai: str, member_id: str, attached_from: str = "2026-01-01") -> dict:
    response = await client.post(
        "/v1/schools",
        json={
            "uai": uai,
            "name": f"École {uai}",
            "commune_insee": "59350",
            "member_id": member_id,
            "attached_from": attached_from,
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_school_with_a_wrong_uai_check_letter_is_refused_naming_the_field(members) -> None:
    member_id = await new_member(members.client, 31)
    response = await members.client.post(
        "/v1/schools",
        json={
            "uai": "0590001A",
            "name": "École",
            "commune_insee": "59350",
            "member_id": member_id,
            "attached_from": "2026-01-01",
        },
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "uai" and "0590001F" in response.json()["detail"]


async def test_a_school_moving_between_members_belongs_to_each_on_its_dates(members) -> None:
    client = members.client
    first, second = await new_member(client, 32), await new_member(client, 33)
    uai = valid_uai(1)
    await school(client, uai, first)
    moved = await client.post(
        f"/v1/schools/{uai}/transfers", json={"member_id": second, "effective_date": "2027-01-01"}
    )
    assert moved.status_code == 201, moved.text
    for day, expected in {"2025-12-31": None, "2026-12-31": first, "2027-01-01": second}.items():
        got = (await client.get(f"/v1/schools/{uai}/member", params={"on": day})).json()["member_id"]
        assert got == expected, day
    history = (await client.get(f"/v1/schools/{uai}")).json()["attachments"]
    assert [(a["member_id"], a["until"]) for a in history] == [(first, "2027-01-01"), (second, None)]
    listed = (await client.get("/v1/schools", params={"member_id": first, "on": "2026-06-01"})).json()[
        "items"
    ]
    assert [s["uai"] for s in listed] == [uai]
    assert (await client.get("/v1/schools", params={"member_id": first, "on": "2027-06-01"})).json()[
        "items"
    ] == []
    events = await outbox(members, "members.school.attached")
    assert [(e["member_id"], e["previous_member_id"]) for e in events] == [(first, None), (second, first)]


async def test_a_pupil_count_carries_the_uai_school_year_and_member_at_the_rentree(members) -> None:
    client = members.client
    member_id = await new_member(client, 34)
    uai = valid_uai(2)
    await school(client, uai, member_id)
    first = await client.post(
        f"/v1/schools/{uai}/pupil-counts", json={"school_year": "2026-2027", "pupils": 212}
    )
    again = await client.post(
        f"/v1/schools/{uai}/pupil-counts", json={"school_year": "2026-2027", "pupils": 215}
    )
    assert (first.json()["revision"], again.json()["revision"]) == (1, 2)
    bad_year = await client.post(
        f"/v1/schools/{uai}/pupil-counts", json={"school_year": "2026-2028", "pupils": 1}
    )
    assert bad_year.status_code == 422 and bad_year.json()["errors"][0]["field"] == "school_year"
    events = await outbox(members, "members.pupil_count.recorded")
    assert [
        (e["uai"], e["school_year"], e["pupils"], e["member_id"], e["counted_on"], e["revision"])
        for e in events
    ] == [
        (uai, "2026-2027", 212, member_id, "2026-09-01", 1),
        (uai, "2026-2027", 215, member_id, "2026-09-01", 2),
    ]


async def test_a_csv_partly_bad_imports_nothing_and_reports_each_bad_line_with_its_reason(members) -> None:
    client = members.client
    member_id = await new_member(client, 35)
    good, other = valid_uai(3), valid_uai(4)
    await school(client, good, member_id)
    await school(client, other, member_id)
    unknown = valid_uai(5)
    text = (
        "UAI;année scolaire;élèves\n"
        f"{good};2026-2027;212\n"
        "0590001A;2026-2027;10\n"
        f"{unknown};2026-2027;30\n"
        f"{other};2026-2027;-4\n"
        f"{other};2026/2027;40\n"
        f"{good};2026-2027;213\n"
    )
    response = await client.post("/v1/schools/pupil-counts/import", content=text.encode(), headers=CSV)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert [(e["line"], e["field"]) for e in problem["errors"]] == [
        (3, "line 3: uai"),
        (4, "line 4: uai"),
        (5, "line 5: pupils"),
        (6, "line 6: school_year"),
        (7, "line 7: uai"),
    ]
    assert "check letter" in problem["errors"][0]["reason"]
    assert "no school" in problem["errors"][1]["reason"]
    assert "twice" in problem["errors"][4]["reason"]
    assert problem["report"]["accepted"] == 1 and problem["report"]["imported"] is False
    assert (await client.get("/v1/schools/pupil-counts", params={"member_id": member_id})).json() == []
    assert await outbox(members, "members.pupil_count.recorded") == []


async def test_a_good_csv_imports_every_line_with_its_event(members) -> None:
    client = members.client
    member_id = await new_member(client, 36)
    uais = [valid_uai(10 + n) for n in range(3)]
    for uai in uais:
        await school(client, uai, member_id)
    text = "\n".join(f"{uai};2026-2027;{100 + n}" for n, uai in enumerate(uais)) + "\n"
    dry = await client.post(
        "/v1/schools/pupil-counts/import", params={"dry_run": True}, content=text, headers=CSV
    )
    assert dry.status_code == 200 and dry.json()["imported"] is False
    assert await outbox(members, "members.pupil_count.recorded") == []
    response = await client.post("/v1/schools/pupil-counts/import", content=text, headers=CSV)
    assert response.status_code == 201, response.text
    assert response.json()["accepted"] == 3 and response.json()["imported"] is True
    counts = (await client.get("/v1/schools/pupil-counts", params={"school_year": "2026-2027"})).json()
    assert sorted(c["pupils"] for c in counts) == [100, 101, 102]
    assert len(await outbox(members, "members.pupil_count.recorded")) == 3


async def test_an_oversized_csv_is_refused_before_anything_is_read(members) -> None:
    response = await members.client.post(
        "/v1/schools/pupil-counts/import", content=b"0750655E;2026-2027;1\n" * 30_000, headers=CSV
    )
    assert response.status_code in (413, 422)
    assert response.headers["content-type"] == "application/problem+json"
