"""Through the API on PostgreSQL (transmission off): service done, specific support, expiry, the quote's
PDF, the catalogue import, staff lists."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from tests.orders.helpers import TODAY, add_item, adhering_member_known_to_orders, days, sent_quote
from tests.orders.test_quote_acceptance_api import emitted

pytestmark = pytest.mark.postgres


async def accepted_order(client, seed: int, lines: list[dict] | None = None) -> dict:
    member_id = await adhering_member_known_to_orders(client, seed)
    await add_item(client, "ONE-LIC", unit_price="120.50")
    quote = await sent_quote(client, member_id, lines or [{"item_code": "ONE-LIC", "quantity": "3"}])
    response = await client.post(f"/v1/quotes/{quote['id']}/accept", json={"accepted_by": "Mme Dupont"})
    assert response.status_code == 200, response.text
    return response.json()["purchase_order"]


async def test_service_done_is_attested_in_parts_and_never_above_what_was_ordered(services, client) -> None:
    order = await accepted_order(client, 801)
    po = order["po_number"]
    assert order["status"] == "issued" and order["transmission"]["attempts"] == 0

    first = await client.post(
        f"/v1/purchase-orders/{po}/attestations",
        json={
            "attested_on": TODAY.isoformat(),
            "attested_by": "M. Martin",
            "lines": [{"line_no": 1, "quantity": "2"}],
        },
    )
    assert first.status_code == 201, first.text
    assert first.json()["purchase_order"]["status"] == "partly_done"
    assert first.json()["purchase_order"]["lines"][0]["remaining_quantity"] == "1"

    too_much = await client.post(
        f"/v1/purchase-orders/{po}/attestations",
        json={
            "attested_on": TODAY.isoformat(),
            "attested_by": "M. Martin",
            "lines": [{"line_no": 1, "quantity": "1.5"}],
        },
    )
    assert too_much.status_code == 422
    assert too_much.headers["content-type"] == "application/problem+json"
    assert (
        too_much.json()["errors"][0]["field"] == "lines.0.quantity" and "line 1" in too_much.json()["detail"]
    )

    rest = await client.post(
        f"/v1/purchase-orders/{po}/attestations",
        json={
            "attested_on": TODAY.isoformat(),
            "attested_by": "M. Martin",
            "lines": [{"line_no": 1, "quantity": "1"}],
        },
    )
    assert rest.json()["purchase_order"]["status"] == "fully_done"

    attested = [p for key, p in await emitted(services) if key == "orders.service.attested"]
    assert [p["lines"] for p in attested] == [
        [{"line_no": 1, "quantity": "2"}],
        [{"line_no": 1, "quantity": "1"}],
    ]
    assert attested[0]["po_number"] == po and attested[0]["attested_by"] == "M. Martin"

    closed = await client.post(f"/v1/purchase-orders/{po}/close", json={"closed_by": "Mme Roux"})
    assert closed.json()["status"] == "closed"
    history = (await client.get(f"/v1/purchase-orders/{po}")).json()["history"]
    assert [e["kind"] for e in history] == ["issued", "service_attested", "service_attested", "closed"]
    closing = [p for key, p in await emitted(services) if key == "orders.purchase_order.closed"]
    assert len(closing) == 1 and closing[0]["fully_done"] is True


async def test_an_issued_order_is_cancelled_with_a_compensation_event_and_staff_lists_filter(
    services, client
) -> None:
    order = await accepted_order(client, 802)
    po = order["po_number"]
    response = await client.post(
        f"/v1/purchase-orders/{po}/cancel", json={"cancelled_by": "M. Martin", "reason": "erreur"}
    )
    assert response.json()["status"] == "cancelled"
    again = await client.post(
        f"/v1/purchase-orders/{po}/cancel", json={"cancelled_by": "M. Martin", "reason": "erreur"}
    )
    assert again.status_code == 409
    cancelled = [p for key, p in await emitted(services) if key == "orders.purchase_order.cancelled"]
    assert len(cancelled) == 1 and cancelled[0]["contractor_notified"] is False

    listed = await client.get(
        "/v1/purchase-orders", params={"status": "cancelled", "issued_from": TODAY.isoformat()}
    )
    assert [o["po_number"] for o in listed.json()["items"]] == [po]
    assert (await client.get("/v1/purchase-orders", params={"status": "issued"})).json()["items"] == []
    later = await client.get("/v1/purchase-orders", params={"issued_from": days(1)})
    assert later.json()["items"] == []
    quotes = await client.get("/v1/quotes", params={"status": "accepted", "quoted_to": days(-1)})
    assert quotes.json()["items"] == []


async def test_specific_support_is_quoted_at_the_half_day_rate_outside_vat_and_alone(client) -> None:
    member_id = await adhering_member_known_to_orders(client, 803)
    await add_item(client, "ONE-LIC")
    support = {"label": "Formation des familles", "quantity": "3"}
    quote = await client.post(
        "/v1/quotes", json={"member_id": member_id, "lines": [support], "valid_until": days(30)}
    )
    assert quote.status_code == 201, quote.text
    line = quote.json()["lines"][0]
    assert (line["unit"], line["unit_price"], line["vat_category"], line["vat_rate"]) == (
        "demi-journée",
        "150.00",
        "O",
        "0.00",
    )
    assert quote.json()["totals"]["total_incl_tax"] == "450.00"

    other_rate = await client.post(
        "/v1/quotes",
        json={"member_id": member_id, "lines": [support | {"unit_price": "160"}], "valid_until": days(30)},
    )
    assert other_rate.json()["totals"]["total_excl_tax"] == "480.00"

    mixed = await client.post(
        "/v1/quotes",
        json={
            "member_id": member_id,
            "lines": [support, {"item_code": "ONE-LIC", "quantity": "1"}],
            "valid_until": days(30),
        },
    )
    assert mixed.status_code == 422 and mixed.json()["errors"][0]["field"] == "lines"
    nameless = await client.post(
        "/v1/quotes", json={"member_id": member_id, "lines": [{"quantity": "1"}], "valid_until": days(30)}
    )
    assert nameless.status_code == 422


async def test_the_expiry_job_records_each_past_quote_once(services, client) -> None:
    member_id = await adhering_member_known_to_orders(client, 804)
    await add_item(client)
    quote = await sent_quote(client, member_id, valid_in_days=0)
    jobs_runtime = services.runtimes["orders"]
    from services.orders.use_cases.quotes import expire_quotes

    tomorrow = TODAY.fromordinal(TODAY.toordinal() + 1)
    async with jobs_runtime.unit_of_work() as uow:
        assert await expire_quotes(TODAY, uow) == 0  # valid through today
    async with jobs_runtime.unit_of_work() as uow:
        assert await expire_quotes(tomorrow, uow) == 1
    async with jobs_runtime.unit_of_work() as uow:
        assert await expire_quotes(tomorrow, uow) == 0
    expired = [p for key, p in await emitted(services) if key == "orders.quote.expired"]
    assert len(expired) == 1 and expired[0]["quote_number"] == quote["number"]
    read = (await client.get(f"/v1/quotes/{quote['id']}")).json()
    assert read["status"] == "expired" and read["expired_on"] == tomorrow.isoformat()
    refused = await client.post(f"/v1/quotes/{quote['id']}/accept", json={"accepted_by": "A"})
    assert refused.status_code == 422


async def test_the_quote_pdf_renders_in_french_with_identities_and_totals(client) -> None:
    member_id = await adhering_member_known_to_orders(client, 805)
    await add_item(client, "ONE-LIC", unit_price="1234.50")
    await add_item(
        client, "RES-NUM", label="Ressource numérique", unit_price="10", vat_rate="5.50", source="catalogue"
    )
    quote = await sent_quote(
        client,
        member_id,
        [{"item_code": "ONE-LIC", "quantity": "2"}, {"item_code": "RES-NUM", "quantity": "3"}],
    )
    response = await client.get(f"/v1/quotes/{quote['id']}/document.pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    member = (await client.get(f"/v1/members/{member_id}")).json()
    assert f"Devis n° {quote['number']}" in text
    assert "Syndicat mixte Nord-Pas-de-Calais Numérique" in text and member["name"] in text
    assert quote["totals"]["total_incl_tax"] == "2994.45"
    for amount in ("2 469,00 €", "TVA 20 %", "493,80 €", "TVA 5,5 %", "1,65 €", "2 994,45 €"):
        assert amount in text, amount
    assert (
        "paiement à 30 jours à compter de la mise à disposition de la facture sur chorus pro"
        in text.lower().replace("\n", " ")
    )
    assert (await client.get("/v1/quotes/not-a-quote/document.pdf")).status_code == 404


CSV_HEADER = "code;label;unit;unit_price;vat_category;vat_rate;source;contract_reference;valid_from\n"


async def test_the_catalogue_import_is_all_or_nothing_with_a_per_line_report(client) -> None:
    good = (
        CSV_HEADER
        + "LIC-A;Licence école;école/an;120,50;S;20;BPU;M-2024;2026-01-01\n"
        + "FORM-B;Formation;demi-journée;600;S;20,00;catalogue;M-2024;01/01/2026\n"
    )
    bad = (
        good
        + "LIC-A;Licence école;école/an;121;S;20;BPU;M-2024;2026-01-01\nX;Y;u;abc;S;20;BPU;M;2026-01-01\n"
    )

    refused = await client.post(
        "/v1/catalogue/imports", content=bad.encode(), headers={"content-type": "text/csv"}
    )
    assert refused.status_code == 422
    fields = [e["field"] for e in refused.json()["errors"]]
    assert fields == ["line 4", "line 5"] and "already on line 2" in refused.json()["errors"][0]["reason"]
    assert (await client.get("/v1/catalogue/items", params={"on": "2026-06-01"})).json()["items"] == []

    dry = await client.post("/v1/catalogue/imports", params={"dry_run": "true"}, content=good.encode())
    assert dry.status_code == 200 and dry.json()["imported"] == 0
    done = await client.post("/v1/catalogue/imports", content=("\ufeff" + good).encode())
    assert done.status_code == 200, done.text
    assert done.json()["imported"] == 2 and [x["status"] for x in done.json()["lines"]] == ["ok", "ok"]
    items = (await client.get("/v1/catalogue/items", params={"on": "2026-06-01"})).json()["items"]
    assert [(i["code"], i["unit_price"]) for i in items] == [("FORM-B", "600.00"), ("LIC-A", "120.50")]

    again = await client.post("/v1/catalogue/imports", content=good.encode())
    assert again.status_code == 422 and "already has a price" in again.json()["errors"][0]["reason"]
    latin1 = await client.post("/v1/catalogue/imports", content=good.encode("latin-1"))
    assert latin1.status_code == 422 and latin1.json()["errors"][0]["field"] == "file"
