"""Orders' read model of members (annuaire), fed by the members service's events on `orders.members`."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from shared.contracts.common import ChorusRequirement, PostalAddress
from shared.contracts.members import (
    AdhesionApproved,
    AdhesionOption,
    AdhesionRejected,
    AdhesionWithdrawn,
    MemberRegistered,
    MemberUpdated,
)
from tests.members.helpers import valid_siren, valid_siret
from tests.orders.helpers import TODAY, days, register_adhering_member, wait_for_eligibility
from tests.orders.messages import deliver

pytestmark = pytest.mark.postgres

ADDRESS = PostalAddress(line1="1 rue de la Gare", postcode="62000", city="Arras")


def registered(
    member_id: str, seed: int, cls: type[MemberRegistered] = MemberRegistered, **overrides: object
):
    siren = valid_siren(seed)
    values: dict[str, object] = {
        "member_id": member_id,
        "kind": "commune",
        "name": f"Commune {seed}",
        "siren": siren,
        "siret": valid_siret(siren),
        "address": ADDRESS,
    } | overrides
    return cls(**values)  # type: ignore[arg-type]


async def eligibility(client, member_id: str, on: dt.date = TODAY) -> dict:
    return (await client.get(f"/v1/quote-eligibility/{member_id}", params={"on": on.isoformat()})).json()


async def test_an_adhesion_approved_before_the_registration_arrived_counts_once_it_does(
    services, client
) -> None:
    member_id, adhesion_id = str(uuid.uuid4()), str(uuid.uuid4())
    await deliver(
        services,
        AdhesionApproved(
            adhesion_id=adhesion_id,
            member_id=member_id,
            effective_date=TODAY - dt.timedelta(days=5),
            option=AdhesionOption.BASE,
            decided_on=TODAY,
        ),
    )
    early = await eligibility(client, member_id)
    assert (early["known"], early["active"]) == (False, False)  # no identity: nothing to put on a PO yet

    await deliver(services, registered(member_id, 301))

    late = await eligibility(client, member_id)
    assert (late["known"], late["active"]) == (True, True)


async def test_a_withdrawal_applied_before_its_approval_still_ends_the_adhesion(services, client) -> None:
    member_id, adhesion_id = str(uuid.uuid4()), str(uuid.uuid4())
    await deliver(services, registered(member_id, 302))
    await deliver(
        services,
        AdhesionWithdrawn(
            adhesion_id=adhesion_id, member_id=member_id, effective_date=TODAY + dt.timedelta(days=10)
        ),
    )
    await deliver(
        services,
        AdhesionApproved(
            adhesion_id=adhesion_id,
            member_id=member_id,
            effective_date=TODAY - dt.timedelta(days=30),
            option=AdhesionOption.BASE,
            decided_on=TODAY,
        ),
    )

    assert (await eligibility(client, member_id))["active"] is True
    assert (await eligibility(client, member_id, TODAY + dt.timedelta(days=10)))["active"] is False


async def test_a_rejected_adhesion_does_not_make_a_member_active(services, client) -> None:
    member_id = str(uuid.uuid4())
    await deliver(services, registered(member_id, 303))
    await deliver(
        services,
        AdhesionRejected(
            adhesion_id=str(uuid.uuid4()),
            member_id=member_id,
            decided_on=TODAY,
            votes_for=10,
            votes_against=10,
        ),
    )
    state = await eligibility(client, member_id)
    assert (state["known"], state["active"]) == (True, False)


async def test_an_older_member_update_arriving_late_does_not_overwrite_a_newer_one(services, client) -> None:
    member_id = str(uuid.uuid4())
    now = dt.datetime.now(dt.UTC)
    await deliver(
        services,
        registered(
            member_id, 304, MemberUpdated, service_code="NEW", chorus_requirement=ChorusRequirement.BOTH
        ),
        occurred_at=now,
    )
    await deliver(
        services, registered(member_id, 304, service_code="OLD"), occurred_at=now - dt.timedelta(minutes=1)
    )
    state = await eligibility(client, member_id)
    assert (state["service_code"], state["chorus_requirement"]) == ("NEW", "both")


async def test_a_withdrawal_voted_in_the_members_service_reaches_orders(services, client) -> None:
    member_id = await register_adhering_member(client, 305)
    await wait_for_eligibility(client, member_id)
    adhesion = (await client.get(f"/v1/members/{member_id}/status")).json()["adhesion"]
    response = await client.post(
        f"/v1/adhesions/{adhesion['id']}/withdrawal",
        json={"deliberation_date": days(0), "effective_date": days(15)},
    )
    assert response.status_code == 200, response.text

    await wait_for_eligibility(client, member_id, active=False, on=days(15))
    assert (await eligibility(client, member_id, TODAY + dt.timedelta(days=14)))["active"] is True
