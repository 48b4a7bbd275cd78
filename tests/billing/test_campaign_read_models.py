"""The read models a campaign is computed from: idempotent and safe out of order, like the member one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from shared.contracts.members import SchoolAttached
from tests.billing.campaign_helpers import adhering, feed, new_member, tariff_adopted

pytestmark = pytest.mark.postgres


async def test_late_stale_and_repeated_events_leave_the_newest_state(billing) -> None:
    member = new_member()
    withdrawing = new_member("CC Reprise", "200041762")
    subsidy = member.subsidy("100.00")
    events = [
        tariff_adopted(2027, revision=2),
        tariff_adopted(2027, revision=1).model_copy(
            update={"base_per_pupil": Decimal("9.99")}
        ),  # older: ignored
        *adhering(member, None),
        member.count(member.uais[0], 4321, revision=2),
        member.count(member.uais[0], 1, revision=1),  # an older revision arriving late: ignored
        subsidy,
        subsidy,  # the same subsidy announced again (another message id): counted once
        withdrawing.withdrawn(dt.date(2027, 7, 1)),  # before its approval
        *adhering(withdrawing, 1000),
    ]
    await feed(billing, *events)

    campaign = (await billing.client.post("/v1/campaigns", json={"year": 2027})).json()
    assert campaign["tariff"]["revision"] == 2 and campaign["tariff"]["base_per_pupil"] == "1.30"
    call = (await billing.client.get(f"/v1/campaigns/{campaign['id']}/calls/{member.member_id}")).json()
    assert (call["pupils"], call["breakdown"]["subsidy_applied"], call["total"]) == (
        4321,
        "100.00",
        "5517.30",
    )
    reprise = (
        await billing.client.get(f"/v1/campaigns/{campaign['id']}/calls/{withdrawing.member_id}")
    ).json()
    assert reprise["breakdown"]["days_in_competence"] == 181  # 1 January to 30 June
    assert reprise["total"] == "644.66"  # 1300.00 x 181/365 = 644.657...


async def test_a_school_that_moved_counts_for_the_member_it_belonged_to_on_the_count_date(billing) -> None:
    first, second = new_member("CC Première", "200044618"), new_member("CC Seconde", "200041762")
    await feed(billing, tariff_adopted(2027), *adhering(first, 100), *adhering(second, 50))
    moving = first.uais[0]
    # Transferred on 1 January 2027, after the rentrée count of 2026-2027: still the first member's pupils.
    await feed(
        billing,
        SchoolAttached(
            uai=moving,
            name="École qui change",
            commune_insee="59178",
            member_id=second.member_id,
            from_date=dt.date(2027, 1, 1),
            previous_member_id=first.member_id,
        ),
    )
    campaign = (await billing.client.post("/v1/campaigns", json={"year": 2027})).json()
    pupils = {
        c["member_id"]: c["pupils"]
        for c in (await billing.client.get(f"/v1/campaigns/{campaign['id']}/calls")).json()["items"]
    }
    assert pupils == {first.member_id: 100, second.member_id: 50}
