"""Quote (devis) rules in the domain, no database: lifecycle, expiry, adhesion, Chorus requirements."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from services.orders.domain.catalogue import CatalogueItem, CatalogueSource, price_in_force
from services.orders.domain.member_directory import (
    AdhesionFacts,
    ChorusRequirement,
    MemberIdentity,
    MemberView,
    PostalAddress,
)
from services.orders.domain.quote import Quote, QuoteLine, QuoteStatus, vat_scope_rule
from shared.errors import BusinessRuleViolation, Conflict

D = dt.date
AT = dt.datetime(2026, 5, 4, 9, 30, tzinfo=dt.UTC)


def item(price: str = "120.50", valid_from: dt.date = D(2026, 1, 1), **overrides: object) -> CatalogueItem:
    values: dict[str, object] = {
        "code": "ONE-LIC",
        "label": "Licence ONE",
        "unit": "école/an",
        "unit_price": Decimal(price),
        "vat_category": "S",
        "vat_rate": Decimal("20.00"),
        "source": CatalogueSource.BPU,
        "contract_reference": "MARCHE-ENT",
        "valid_from": valid_from,
    } | overrides
    return CatalogueItem(**values)  # type: ignore[arg-type]


def member(
    requirement: ChorusRequirement = ChorusRequirement.NONE,
    service_code: str | None = None,
    adhesions: tuple[AdhesionFacts, ...] = (AdhesionFacts("a1", effective_date=D(2026, 2, 1)),),
) -> MemberView:
    identity = MemberIdentity(
        member_id="m1",
        kind="epci",
        name="CC des Flandres",
        siren="200041762",
        siret="20004176200014",
        address=PostalAddress("1 place de la Mairie", "59000", "Lille"),
        service_code=service_code,
        chorus_requirement=requirement,
    )
    return MemberView(member_id="m1", identity=identity, adhesions=adhesions)


def quote(status: QuoteStatus = QuoteStatus.SENT, valid_until: dt.date = D(2026, 5, 31)) -> Quote:
    line = QuoteLine.from_catalogue(1, item(), Decimal("3"), field="lines.0.quantity")
    created = Quote.draft(
        id="q1",
        number="DV-2026-000001",
        member_id="m1",
        quoted_on=D(2026, 5, 1),
        valid_until=valid_until,
        lines=[line],
    )
    created.status = status
    return created


def accept(
    q: Quote,
    on: dt.date = D(2026, 5, 4),
    view: MemberView | None = None,
    commitment_number: str | None = None,
    service_code: str | None = None,
) -> MemberIdentity:
    return q.accept(
        on=on,
        at=AT,
        by="Mme Dupont",
        member=view or member(),
        commitment_number=commitment_number,
        service_code=service_code,
    )


def test_a_sent_quote_accepted_in_time_records_who_and_when() -> None:
    q = quote()
    accept(q)
    assert q.status is QuoteStatus.ACCEPTED
    assert (
        q.acceptance is not None
        and q.acceptance.accepted_by == "Mme Dupont"
        and q.acceptance.accepted_at == AT
    )


def test_a_draft_must_be_sent_before_it_can_be_accepted() -> None:
    with pytest.raises(Conflict):
        accept(quote(QuoteStatus.DRAFT))


@pytest.mark.parametrize("status", [QuoteStatus.ACCEPTED, QuoteStatus.REFUSED, QuoteStatus.CANCELLED])
def test_a_closed_quote_cannot_be_accepted(status: QuoteStatus) -> None:
    with pytest.raises(Conflict):
        accept(quote(status))


def test_a_quote_is_accepted_on_its_last_valid_day_but_not_the_day_after() -> None:
    accept(quote(valid_until=D(2026, 5, 4)), on=D(2026, 5, 4))
    late = quote(valid_until=D(2026, 5, 4))
    with pytest.raises(BusinessRuleViolation) as error:
        accept(late, on=D(2026, 5, 5))
    assert error.value.field == "valid_until"
    assert late.status is QuoteStatus.SENT and late.status_on(D(2026, 5, 5)) is QuoteStatus.EXPIRED


def test_an_expired_quote_can_be_neither_sent_refused_nor_cancelled() -> None:
    with pytest.raises(BusinessRuleViolation):
        quote(QuoteStatus.DRAFT, valid_until=D(2026, 5, 2)).send(on=D(2026, 5, 3))
    with pytest.raises(BusinessRuleViolation):
        quote(valid_until=D(2026, 5, 2)).refuse(on=D(2026, 5, 3), reason=None)
    with pytest.raises(BusinessRuleViolation):
        quote(valid_until=D(2026, 5, 2)).cancel(on=D(2026, 5, 3))


def test_lifecycle_draft_sent_refused_and_draft_cancelled() -> None:
    q = quote(QuoteStatus.DRAFT)
    q.send(on=D(2026, 5, 2))
    q.refuse(on=D(2026, 5, 3), reason="budget")
    assert (q.status, q.refused_on, q.refusal_reason) == (QuoteStatus.REFUSED, D(2026, 5, 3), "budget")
    with pytest.raises(Conflict):
        q.cancel(on=D(2026, 5, 3))
    other = quote(QuoteStatus.DRAFT)
    other.cancel(on=D(2026, 5, 2))
    assert other.status is QuoteStatus.CANCELLED
    with pytest.raises(Conflict):
        other.send(on=D(2026, 5, 2))


def test_quote_cannot_be_accepted_by_a_member_not_yet_in_effect_or_withdrawn() -> None:
    not_yet = member(adhesions=(AdhesionFacts("a1", effective_date=D(2026, 6, 1)),))
    withdrawn = member(
        adhesions=(AdhesionFacts("a1", effective_date=D(2026, 2, 1), withdrawal_date=D(2026, 5, 4)),)
    )
    rejected = member(adhesions=(AdhesionFacts("a1", rejected=True),))
    unknown = MemberView(
        member_id="m1", identity=None, adhesions=(AdhesionFacts("a1", effective_date=D(2026, 1, 1)),)
    )
    for view in (not_yet, withdrawn, rejected, unknown):
        q = quote()
        with pytest.raises(BusinessRuleViolation) as error:
            accept(q, view=view)
        assert error.value.field == "member_id"
        assert q.status is QuoteStatus.SENT


def test_withdrawal_takes_effect_on_its_date_not_before() -> None:
    view = member(
        adhesions=(AdhesionFacts("a1", effective_date=D(2026, 2, 1), withdrawal_date=D(2026, 5, 4)),)
    )
    assert view.active_on(D(2026, 5, 3)) and not view.active_on(D(2026, 5, 4))
    assert not view.active_on(D(2026, 1, 31))


def test_quote_cannot_be_accepted_without_required_commitment_number() -> None:
    with pytest.raises(BusinessRuleViolation) as error:
        accept(quote(), view=member(ChorusRequirement.COMMITMENT_NUMBER), commitment_number="  ")
    assert error.value.field == "commitment_number"
    q = quote()
    accept(q, view=member(ChorusRequirement.COMMITMENT_NUMBER), commitment_number="EJ-2026-42")
    assert q.acceptance is not None and q.acceptance.references.commitment_number == "EJ-2026-42"


def test_quote_cannot_be_accepted_without_required_service_code() -> None:
    with pytest.raises(BusinessRuleViolation) as error:
        accept(quote(), view=member(ChorusRequirement.SERVICE_CODE))
    assert error.value.field == "service_code"
    buyer = accept(quote(), view=member(ChorusRequirement.SERVICE_CODE, service_code="SVC-USUAL"))
    assert buyer.service_code == "SVC-USUAL"
    given = accept(
        quote(),
        view=member(ChorusRequirement.SERVICE_CODE, service_code="SVC-USUAL"),
        service_code="SVC-ECOLES",
    )
    assert given.service_code == "SVC-ECOLES"  # the one given at acceptance wins


def test_a_member_requiring_both_needs_both() -> None:
    view = member(ChorusRequirement.BOTH, service_code="SVC")
    with pytest.raises(BusinessRuleViolation) as error:
        accept(quote(), view=view)
    assert error.value.field == "commitment_number"
    no_service = member(ChorusRequirement.BOTH)
    with pytest.raises(BusinessRuleViolation) as error:
        accept(quote(), view=no_service, commitment_number="EJ-1")
    assert error.value.field == "service_code"
    accept(quote(), view=view, commitment_number="EJ-1")


def test_a_member_requiring_either_needs_at_least_one() -> None:
    view = member(ChorusRequirement.EITHER)
    with pytest.raises(BusinessRuleViolation):
        accept(quote(), view=view)
    accept(quote(), view=view, commitment_number="EJ-1")
    accept(quote(), view=view, service_code="SVC")
    accept(quote(), view=member(ChorusRequirement.EITHER, service_code="SVC"))


@pytest.mark.parametrize("quantity", ["0", "-1", "100000.001", "100001", "1.0005"])
def test_absurd_quantities_are_refused_naming_the_line(quantity: str) -> None:
    with pytest.raises(BusinessRuleViolation) as error:
        QuoteLine.from_catalogue(1, item(), Decimal(quantity), field="lines.0.quantity")
    assert error.value.field == "lines.0.quantity"


def test_the_price_in_force_is_the_latest_version_on_or_before_the_date() -> None:
    versions = [item("100", D(2026, 1, 1)), item("110", D(2026, 7, 1))]
    assert price_in_force(versions, D(2025, 12, 31)) is None
    assert price_in_force(versions, D(2026, 6, 30)).unit_price == Decimal("100")  # type: ignore[union-attr]
    assert price_in_force(versions, D(2026, 7, 1)).unit_price == Decimal("110")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("category", "rate", "field"),
    [("S", "0", "vat_rate"), ("O", "20", "vat_rate"), ("X", "20", "vat_category")],
)
def test_vat_treatment_of_an_item_is_consistent(category: str, rate: str, field: str) -> None:
    with pytest.raises(BusinessRuleViolation) as error:
        item(vat_category=category, vat_rate=Decimal(rate))
    assert error.value.field == field


def test_a_quote_cannot_expire_before_it_is_made_nor_be_empty() -> None:
    line = QuoteLine.from_catalogue(1, item(), Decimal("1"), field="lines.0.quantity")
    with pytest.raises(BusinessRuleViolation) as error:
        Quote.draft(
            id="q",
            number="n",
            member_id="m1",
            quoted_on=D(2026, 5, 2),
            valid_until=D(2026, 5, 1),
            lines=[line],
        )
    assert error.value.field == "valid_until"
    with pytest.raises(BusinessRuleViolation) as error:
        Quote.draft(
            id="q", number="n", member_id="m1", quoted_on=D(2026, 5, 2), valid_until=D(2026, 5, 3), lines=[]
        )
    assert error.value.field == "lines"


def test_specific_support_outside_vat_scope_cannot_share_a_quote_with_taxed_lines() -> None:
    day = dt.date(2026, 3, 2)
    support = QuoteLine.specific_support(
        1,
        label="Formation des familles",
        quantity=Decimal(2),
        half_day_rate=Decimal("150.00"),
        legal_basis="Statuts art. 5",
        on=day,
        field="lines.0",
    )
    assert (support.vat_category, support.vat_rate, support.unit, support.net_amount) == (
        "O",
        Decimal("0.00"),
        "demi-journée",
        Decimal("300.00"),
    )
    taxed = QuoteLine(2, "ONE", "Licence", "u", Decimal(1), Decimal(10), "S", Decimal(20), "BPU", "M", day)
    vat_scope_rule([support])
    with pytest.raises(BusinessRuleViolation) as refused:
        vat_scope_rule([support, taxed])
    assert refused.value.field == "lines" and "line 2" in refused.value.detail


def test_expiry_is_recorded_once_and_only_past_the_validity_date() -> None:
    day = dt.date(2026, 3, 2)
    taxed = QuoteLine(1, "ONE", "Licence", "u", Decimal(1), Decimal(10), "S", Decimal(20), "BPU", "M", day)
    quote = Quote("q", "DV-1", "m", day, day + dt.timedelta(days=10), [taxed])
    assert quote.expire(on=day + dt.timedelta(days=10)) is False
    assert quote.expire(on=day + dt.timedelta(days=11)) is True
    assert quote.status is QuoteStatus.EXPIRED and quote.expire(on=day + dt.timedelta(days=12)) is False
