"""The Chorus Pro state machine of one invoice: the 30-day clock from MISE_A_DISPOSITION, duplicates
and late arrivals harmless, impossible reports refused, returns handed to staff."""

from __future__ import annotations

import datetime as dt

import pytest

from services.billing.domain.chorus_checks import transmission_problems
from services.billing.domain.chorus_status import (
    Action,
    ChorusStatus,
    MadeAvailable,
    PaymentOrdered,
    Returned,
    Routing,
    Stage,
    StatusReport,
    Transmission,
)
from shared.clock import PARIS
from shared.errors import Conflict

NOW = dt.datetime(2027, 1, 20, 9, 0, tzinfo=dt.UTC)


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=PARIS)


def deposited() -> Transmission:
    t = Transmission("inv-1", "FAC-M-2027-000001", "member-1", dt.date(2027, 1, 20))
    t.claim(claim_id="c1", by="connector:a", now=NOW, lease=dt.timedelta(minutes=5))
    t.deposited(flux_number="CPP0000001", at=NOW, chorus_invoice_id=None)
    return t


def test_made_available_on_31_january_2027_is_due_on_2_march_2027() -> None:
    t = deposited()
    effects = t.apply(StatusReport(ChorusStatus.MISE_A_DISPOSITION, at("2027-01-31")))
    assert effects == [MadeAvailable(dt.date(2027, 1, 31), dt.date(2027, 3, 2))]
    assert (t.made_available_on, t.due_date) == (dt.date(2027, 1, 31), dt.date(2027, 3, 2))


def test_the_due_date_counts_across_a_year_end_in_paris_time() -> None:
    t = deposited()
    # 23:30 UTC on 1 December is already 2 December in Paris.
    t.apply(StatusReport(ChorusStatus.MISE_A_DISPOSITION, dt.datetime(2027, 12, 1, 23, 30, tzinfo=dt.UTC)))
    assert (t.made_available_on, t.due_date) == (dt.date(2027, 12, 2), dt.date(2028, 1, 1))


def test_a_duplicate_report_changes_nothing() -> None:
    t = deposited()
    report = StatusReport(ChorusStatus.MISE_A_DISPOSITION, at("2027-01-31"))
    t.apply(report)
    assert t.apply(report) == []
    assert len(t.reports) == 1


def test_reports_out_of_order_end_in_the_latest_status_and_the_first_availability() -> None:
    t = deposited()
    t.apply(StatusReport(ChorusStatus.MISE_EN_PAIEMENT, at("2027-02-20")))
    t.apply(StatusReport(ChorusStatus.DEPOSEE, at("2027-01-20")))
    effects = t.apply(StatusReport(ChorusStatus.MISE_A_DISPOSITION, at("2027-01-22")))
    t.apply(StatusReport(ChorusStatus.EN_COURS_ACHEMINEMENT, at("2027-01-21")))
    assert t.chorus_status is ChorusStatus.MISE_EN_PAIEMENT
    assert effects == [MadeAvailable(dt.date(2027, 1, 22), dt.date(2027, 2, 21))]
    assert t.stage is Stage.DEPOSITED


def test_mise_en_paiement_is_recorded() -> None:
    t = deposited()
    assert t.apply(StatusReport(ChorusStatus.MISE_EN_PAIEMENT, at("2027-02-20"))) == [
        PaymentOrdered(dt.date(2027, 2, 20))
    ]


def test_a_status_before_any_deposit_is_refused() -> None:
    t = Transmission("inv-1", "FAC-M-2027-000001", "member-1", dt.date(2027, 1, 20))
    with pytest.raises(Conflict, match="never deposited"):
        t.apply(StatusReport(ChorusStatus.MISE_A_DISPOSITION, at("2027-01-31")))


def test_nothing_follows_a_rejection_but_earlier_reports_arriving_late_are_kept() -> None:
    t = deposited()
    t.apply(StatusReport(ChorusStatus.REJETEE, at("2027-01-25"), "destinataire inconnu"))
    t.apply(StatusReport(ChorusStatus.DEPOSEE, at("2027-01-20")))  # late arrival, earlier: fine
    with pytest.raises(Conflict, match="rejected"):
        t.apply(StatusReport(ChorusStatus.MISE_A_DISPOSITION, at("2027-01-26")))
    assert t.stage is Stage.REJECTED and t.chorus_status is ChorusStatus.REJETEE


def test_completee_needs_a_suspension_first() -> None:
    t = deposited()
    with pytest.raises(Conflict, match="never suspended"):
        t.apply(StatusReport(ChorusStatus.COMPLETEE, at("2027-01-26")))


def test_a_recycler_waits_for_staff_then_is_resent_under_the_same_number() -> None:
    t = deposited()
    effects = t.apply(StatusReport(ChorusStatus.A_RECYCLER, at("2027-01-21"), "code service inconnu"))
    assert effects == [Returned(ChorusStatus.A_RECYCLER, at("2027-01-21"), "code service inconnu")]
    assert t.stage is Stage.TO_RECYCLE and not t.claimable(NOW)
    t.fix_routing(Routing("20004461800011", "SERV-FIN", "EJ-1"))
    assert (t.stage, t.action, t.invoice_number) == (Stage.WAITING, Action.DEPOSIT, "FAC-M-2027-000001")


def test_suspendue_waits_for_documents_then_a_completion() -> None:
    t = deposited()
    t.apply(StatusReport(ChorusStatus.SUSPENDUE, at("2027-01-23"), "bon de livraison manquant"))
    with pytest.raises(Conflict):
        t.fix_routing(Routing("20004461800011", None, None))
    t.documents_added()
    assert (t.stage, t.action) == (Stage.WAITING, Action.COMPLETE)


def test_a_claim_is_exclusive_until_its_lease_runs_out() -> None:
    t = Transmission("inv-1", "FAC-M-2027-000001", "member-1", dt.date(2027, 1, 20))
    t.claim(claim_id="c1", by="connector:a", now=NOW, lease=dt.timedelta(minutes=5))
    with pytest.raises(Conflict, match="claimed by connector:a"):
        t.claim(claim_id="c2", by="connector:b", now=NOW, lease=dt.timedelta(minutes=5))
    t.claim(claim_id="c3", by="connector:b", now=NOW + dt.timedelta(minutes=6), lease=dt.timedelta(minutes=5))
    assert (t.claimed_by, t.attempts) == ("connector:b", 2)


@pytest.mark.parametrize(
    ("requirement", "service_code", "commitment", "expected"),
    [
        ("none", None, None, []),
        ("service_code", None, "EJ-1", ["service code"]),
        ("commitment_number", "S", None, ["commitment number"]),
        ("both", None, None, ["service code", "commitment number"]),
        ("either", None, None, ["neither"]),
        ("either", None, "EJ-1", []),
    ],
)
def test_pre_transmission_checks_follow_the_member_requirement(
    requirement: str, service_code: str | None, commitment: str | None, expected: list[str]
) -> None:
    problems = transmission_problems(
        seller_siret="25590107600018",
        buyer_siret="20004461800011",
        service_code=service_code,
        commitment_number=commitment,
        requirement=requirement,
    )
    assert len(problems) == len(expected)
    assert all(word in problem for word, problem in zip(expected, problems, strict=True))


def test_a_wrong_siret_blocks_the_transmission() -> None:
    problems = transmission_problems(
        seller_siret="25590107600018",
        buyer_siret="20004461800019",
        service_code=None,
        commitment_number=None,
        requirement="none",
    )
    assert problems == ["the member's SIRET 20004461800019 is not a valid SIRET (14 digits, Luhn)"]


def test_a_recycled_invoice_starts_its_clock_again_when_made_available_again() -> None:
    t = deposited()
    t.apply(StatusReport(ChorusStatus.MISE_A_DISPOSITION, at("2027-01-22")))
    assert t.due_date == dt.date(2027, 2, 21)
    t.apply(StatusReport(ChorusStatus.A_RECYCLER, at("2027-01-24"), "service inconnu"))
    assert (t.made_available_on, t.due_date, t.stage) == (None, None, Stage.TO_RECYCLE)
    t.fix_routing(Routing("20004461800011", "SERV-FIN", "EJ-1"))
    t.claim(claim_id="c2", by="piste", now=NOW, lease=dt.timedelta(minutes=5))
    t.deposited(flux_number="CPP0000002", at=NOW, chorus_invoice_id=None)
    effects = t.apply(StatusReport(ChorusStatus.MISE_A_DISPOSITION, at("2027-01-31")))
    assert effects == [MadeAvailable(dt.date(2027, 1, 31), dt.date(2027, 3, 2))]
    # The first availability, reported again late, does not move the clock back.
    assert t.apply(StatusReport(ChorusStatus.MISE_A_DISPOSITION, at("2027-01-22", hour=11))) == []
    assert t.due_date == dt.date(2027, 3, 2)
