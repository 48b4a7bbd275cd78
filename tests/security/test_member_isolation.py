"""A member's token never reaches another member's data, on every route open to members.

Two members each go through a real marketplace flow (quote, purchase order, member invoice), then
get a credit note, a support request and a notification. Member B's token then tries every
member-facing route of the three services with member A's ids: each answers 404, like a missing
object, and changes nothing; every list and filter, even `?member_id=<A>`, returns B's own data only.
The same calls with A's own token do not answer 404, so the 404s come from isolation, not from
made-up ids. The routes come from the services' policies: a member-facing route added later without
a case here fails the test.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from services.billing.bootstrap import DEFINITION as BILLING
from services.billing.config import BillingSettings
from services.members.bootstrap import DEFINITION as MEMBERS
from services.members.config import MembersSettings
from services.orders.bootstrap import DEFINITION as ORDERS
from services.orders.config import OrdersSettings
from shared.clock import paris_today
from shared.security.principal import Role
from tests.apps import RunningServices, bearer, run_services
from tests.billing.chorus_helpers import deposit, report
from tests.e2e.flow import CATALOGUE_ITEM, Endpoints, ok, run_flow, until
from tests.members.helpers import committee_deliberation, valid_uai

pytestmark = pytest.mark.postgres

# Query strings some routes need before they even look at the object.
QUERIES = {"/v1/members-statements/{member_id}": {"from": "2020-01-01", "to": "2099-12-31"}}
# Bodies valid enough to get past validation to the object lookup.
BODIES = {"/v1/quotes/{quote_id}/accept": {"accepted_by": "Signataire de B"}}


@pytest.fixture
async def system(pg_url_factory) -> Any:
    services = [
        (MEMBERS, MembersSettings(database_url=await pg_url_factory("ent_iso_members"), retry_delay_ms=100)),
        (ORDERS, OrdersSettings(database_url=await pg_url_factory("ent_iso_orders"), retry_delay_ms=100)),
        (BILLING, BillingSettings(database_url=await pg_url_factory("ent_iso_billing"), retry_delay_ms=100)),
    ]
    async with run_services(services) as running:
        yield running


async def member_with_everything(client: httpx.AsyncClient, api: Endpoints, seed: int) -> dict[str, str]:
    flow = await run_flow(api, seed, paris_today())
    credit = ok(
        await client.post(
            f"/v1/invoices/{flow['invoice_id']}/credit-notes",
            json={"reason": "Geste commercial", "amount": "10.00"},  # partial: the invoice stays due
        ),
        201,
    )
    support = ok(
        await client.post(
            "/v1/support-requests",
            json={
                "member_id": flow["member_id"],
                "service": "family_training",
                "requested_on": paris_today().isoformat(),
                "half_days": 1,
            },
        ),
        201,
    )
    uai = valid_uai(seed)
    ok(
        await client.post(
            "/v1/schools",
            json={
                "uai": uai,
                "name": f"École {seed}",
                "commune_insee": "59350",
                "member_id": flow["member_id"],
                "attached_from": "2026-01-10",
            },
        ),
        201,
    )
    ok(
        await client.post(
            f"/v1/schools/{uai}/pupil-counts", json={"school_year": "2026-2027", "pupils": 120}
        ),
        201,
    )
    return {**flow, "credit_note_id": credit["id"], "request_id": support["id"]}


async def contribution_campaign(client: httpx.AsyncClient, members: int) -> str:
    """The 2027 campaign, once billing has heard of every member's pupils and the Comité's tariff."""
    deliberation = await committee_deliberation(client, "CS-ISO-2027", date="2026-12-10")
    tariff = {
        "year": 2027,
        "base_per_pupil": "1.30",
        "optional_per_pupil": "0.30",
        "half_day_rate": "150.00",
        "pupil_count_school_year": "2026-2027",
        "prorata_rule": "by_days",
        "deliberation_id": deliberation["id"],
    }

    async def created() -> dict[str, Any] | None:
        response = await client.post("/v1/campaigns", json={"year": 2027})
        return response.json() if response.status_code == 201 else None

    ok(await client.post("/v1/tariffs", json=tariff), 201)
    campaign = await until(created)

    async def computed() -> bool:
        found = ok(await client.post(f"/v1/campaigns/{campaign['id']}/compute"))
        return found["summary"]["members"] == members and not found["summary"]["blocking_members"]

    await until(computed)
    return str(campaign["id"])


def ids_of(member: dict[str, str], notification_id: str, campaign_id: str) -> dict[str, str]:
    return {
        "campaign_id": campaign_id,
        "member_id": member["member_id"],
        "quote_id": member["quote_id"],
        "po_number": member["po_number"],
        "invoice_id": member["invoice_id"],
        "credit_note_id": member["credit_note_id"],
        "request_id": member["request_id"],
        "notification_id": notification_id,
    }


def member_routes(running: RunningServices) -> list[tuple[str, str]]:
    return sorted(
        (rule.method, rule.path)
        for definition in (MEMBERS, ORDERS, BILLING)
        for rule in definition.policy().rules.values()
        if Role.MEMBER in rule.roles
    )


async def notification_of(client: httpx.AsyncClient, member_id: str) -> str:
    found = ok(await client.get("/v1/notifications", params={"member_id": member_id}))
    return str(found["items"][0]["id"])


def owner(item: dict[str, Any]) -> str:
    """The member an item of a list belongs to (an item that does not say fails the test)."""
    return str(item["member_id"] if "member_id" in item else item["buyer"]["member_id"])


def owners(body: Any) -> set[str]:
    """Every member id a list answer mentions."""
    items = body if isinstance(body, list) else body["items"]
    return {owner(item) for item in items}


async def test_a_member_never_reaches_another_members_data(system: RunningServices) -> None:
    client = system.client
    api = Endpoints(client, client, client, as_role=bearer)
    ok(await client.post("/v1/catalogue/items", json=CATALOGUE_ITEM), 201)
    a = await member_with_everything(client, api, 901)
    b = await member_with_everything(client, api, 902)
    deliberation = await committee_deliberation(client, "CS-ISO-1", date=paris_today().isoformat())
    ok(
        await client.post(
            "/v1/notifications/conditions-changes", json={"deliberation_id": deliberation["id"]}
        ),
        201,
    )
    # Both invoices made available on Chorus Pro, then long overdue: overdue invoices and reminders.
    for invoice_id in (a["invoice_id"], b["invoice_id"]):
        await deposit(system, invoice_id)
        made_available = await report(system, invoice_id, ("MISE_A_DISPOSITION", "2027-01-21T09:00:00+01:00"))
        assert made_available.status_code == 200, made_available.text
    ok(await client.post("/v1/dunning/run", json={"on": "2027-04-15"}))
    campaign_id = await contribution_campaign(client, members=2)
    ids_a = ids_of(a, await notification_of(client, a["member_id"]), campaign_id)
    as_a = bearer(Role.MEMBER, member_id=a["member_id"])
    as_b = bearer(Role.MEMBER, member_id=b["member_id"])

    leaks: list[str] = []
    checked = 0
    for method, template in member_routes(system):
        params = re.findall(r"\{(\w+)\}", template)
        if missing := [name for name in params if name not in ids_a]:
            leaks.append(f"{method} {template}: no isolation case for {missing}; add one here")
            continue
        path = template
        for name in params:
            path = path.replace(f"{{{name}}}", ids_a[name])
        query = dict(QUERIES.get(template, {}))
        if params:
            body = BODIES.get(template, {}) if method == "POST" else None
            attempt = await client.request(method, path, params=query, json=body, headers=as_b)
            if attempt.status_code != 404:
                leaks.append(
                    f"{method} {template} as B on A's ids: {attempt.status_code} {attempt.text[:200]}"
                )
            own = await client.request(method, path, params=query, json=body, headers=as_a)
            if own.status_code == 404:
                leaks.append(f"{method} {template} as A on its own ids: 404 (the case proves nothing)")
        elif method == "GET":
            listed = await client.get(path, params={**query, "member_id": a["member_id"]}, headers=as_b)
            if listed.status_code != 200 or owners(listed.json()) - {b["member_id"]}:
                leaks.append(
                    f"GET {template}?member_id=<A> as B: {listed.status_code} {owners(listed.json())}"
                )
            mine = await client.get(path, headers=as_b)
            if mine.status_code != 200 or owners(mine.json()) != {b["member_id"]}:
                leaks.append(f"GET {template} as B: {mine.status_code}, owners {owners(mine.json())}")
        else:  # a creation naming its member in the body
            attempt = await client.post(
                path,
                json={
                    "member_id": a["member_id"],
                    "service": "family_training",
                    "requested_on": paris_today().isoformat(),
                    "half_days": 1,
                },
                headers=as_b,
            )
            if attempt.status_code != 404:
                leaks.append(f"POST {template} for A as B: {attempt.status_code} {attempt.text[:200]}")
        checked += 1
    assert not leaks, "\n".join(leaks)
    assert checked >= 15

    # B's attempts changed nothing: A's quote is still accepted, it has one support request.
    quote = ok(await client.get(f"/v1/quotes/{a['quote_id']}"))
    assert quote["status"] == "accepted"
    requests = ok(await client.get("/v1/support-requests", params={"member_id": a["member_id"]}))
    assert len(requests["items"]) == 1
