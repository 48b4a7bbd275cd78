"""The contribution formula (art. 5), pure: the issue's worked check and the edges around it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from services.billing.domain.contribution import (
    AdhesionOption,
    AdhesionPeriod,
    Flag,
    HalfDaysDelivered,
    MemberBasis,
    ProrataRule,
    SchoolPupils,
    SubsidyGranted,
    TariffSchedule,
    compute_call,
)
from services.billing.domain.contribution_invoice import contribution_lines
from services.billing.domain.totals import compute_totals

BASE, FLAT = AdhesionOption.BASE, AdhesionOption.BASE_AND_FLAT


def tariff(year: int = 2027, prorata: ProrataRule = ProrataRule.BY_DAYS) -> TariffSchedule:
    return TariffSchedule(
        year=year,
        revision=1,
        base_per_pupil=Decimal("1.30"),
        optional_per_pupil=Decimal("0.30"),
        half_day_rate=Decimal("150.00"),
        pupil_count_school_year=f"{year - 1}-{year}",
        prorata_rule=prorata,
        deliberation_number="CS-2026-042",
        deliberation_date=dt.date(2026, 12, 10),
    )


def basis(
    *,
    option: AdhesionOption = BASE,
    effective: dt.date = dt.date(2020, 1, 1),
    withdrawal: dt.date | None = None,
    pupils: tuple[int, ...] = (4321,),
    half_days: int = 0,
    subsidies: tuple[str, ...] = (),
    changes: tuple[tuple[dt.date, AdhesionOption], ...] = (),
) -> MemberBasis:
    return MemberBasis(
        member_id="epci-1",
        adhesions=(AdhesionPeriod("adh-1", effective, option, withdrawal, changes),),
        schools=tuple(
            SchoolPupils(f"059{i:04d}A", f"École {i}", n, dt.date(2026, 9, 1)) for i, n in enumerate(pupils)
        ),
        subsidies=tuple(
            SubsidyGranted(f"sub-{i}", Decimal(a), "Commune de Douai", "D-1") for i, a in enumerate(subsidies)
        ),
        half_days=(HalfDaysDelivered("sr-1", "formation des familles", half_days, dt.date(2027, 3, 4)),)
        if half_days
        else (),
    )


def total(b: MemberBasis, t: TariffSchedule | None = None) -> Decimal:
    call = compute_call(t or tariff(), b)
    assert call is not None
    return call.total


def test_worked_check_base_only_with_the_option_and_with_half_days() -> None:
    assert total(basis()) == Decimal("5617.30")
    assert total(basis(option=FLAT)) == Decimal("6913.60")
    assert total(basis(option=FLAT, half_days=3)) == Decimal("7363.60")


def test_worked_check_adhesion_on_1_july_pays_184_of_365_days_of_the_yearly_part_rounded_once() -> None:
    call = compute_call(tariff(), basis(option=FLAT, effective=dt.date(2027, 7, 1), half_days=3))
    assert call is not None
    assert (call.days_in_competence, call.days_in_year) == (184, 365)
    # 6913.60 * 184 / 365 = 3485.2120... -> 3485.21 (base and option prorated together, rounded once:
    # rounding each part would give 2831.73 + 653.48 = 3485.21 here, but not in general)
    assert call.yearly_part == Decimal("3485.21")
    assert call.half_day_amount == Decimal("450.00")  # delivered half-days are not prorated
    assert call.total == Decimal("3935.21")
    assert call.prorated


def test_rounding_happens_once_on_the_sum_not_per_component() -> None:
    # 7 pupils, 9 days: base 9.10 * 9/365 = 0.2243... and option 2.10 * 9/365 = 0.0517... would round
    # to 0.22 + 0.05 = 0.27 one by one; rounded once, 11.20 * 9/365 = 0.2761... gives 0.28.
    call = compute_call(tariff(), basis(option=FLAT, effective=dt.date(2027, 12, 23), pupils=(7,)))
    assert call is not None and call.days_in_competence == 9
    assert call.yearly_part == (Decimal("11.20") * 9 / 365).quantize(Decimal("0.01"))  # 0.28
    assert call.yearly_part == Decimal("0.28")


def test_a_withdrawal_ends_the_billing_the_day_before_it_takes_effect() -> None:
    call = compute_call(tariff(), basis(withdrawal=dt.date(2027, 3, 1)))
    assert call is not None
    assert call.days_in_competence == 59  # January 31 + February 28
    assert call.period_end == dt.date(2027, 2, 28)
    assert call.total == (Decimal("5617.30") * 59 / 365).quantize(Decimal("0.01"))


def test_a_leap_year_has_366_days() -> None:
    call = compute_call(tariff(2028), basis(effective=dt.date(2028, 7, 1)))
    assert call is not None and (call.days_in_competence, call.days_in_year) == (184, 366)


def test_without_prorata_rule_a_mid_year_adhesion_pays_the_whole_year() -> None:
    assert total(basis(effective=dt.date(2027, 7, 1)), tariff(prorata=ProrataRule.NONE)) == Decimal("5617.30")


def test_an_option_taken_mid_year_is_prorated_on_its_own_days() -> None:
    call = compute_call(tariff(), basis(changes=((dt.date(2027, 7, 1), FLAT),)))
    assert call is not None and (call.days_in_competence, call.days_with_option) == (365, 184)
    expected = (Decimal(4321) * (Decimal("1.30") * 365 + Decimal("0.30") * 184) / 365).quantize(
        Decimal("0.01")
    )
    assert call.yearly_part == expected == Decimal("6270.78")


def test_no_call_outside_the_adhesion() -> None:
    assert compute_call(tariff(), basis(effective=dt.date(2028, 1, 1))) is None
    assert compute_call(tariff(), basis(withdrawal=dt.date(2027, 1, 1))) is None


def test_subsidies_reduce_the_call_never_below_zero_and_the_remainder_is_reported() -> None:
    call = compute_call(tariff(), basis(subsidies=("1000.00", "617.30")))
    assert call is not None and call.total == Decimal("4000.00") and call.subsidy_remainder == 0
    call = compute_call(tariff(), basis(subsidies=("6000.00",)))
    assert call is not None
    assert (call.total, call.subsidy_applied, call.subsidy_remainder) == (
        Decimal("0.00"),
        Decimal("5617.30"),
        Decimal("382.70"),
    )
    assert Flag.SUBSIDY_REMAINDER in call.flags and not call.blocking


def test_pupils_are_the_sum_over_the_schools() -> None:
    call = compute_call(tariff(), basis(pupils=(4000, 321)))
    assert call is not None and call.pupils == 4321 and call.total == Decimal("5617.30")


def test_a_member_without_any_pupil_count_is_flagged_and_blocks_never_a_silent_zero() -> None:
    call = compute_call(tariff(), basis(pupils=()))
    assert call is not None
    assert call.flags == (Flag.NO_PUPIL_COUNT,) and call.blocking


def test_the_invoice_lines_add_up_to_the_call_in_every_shape() -> None:
    shapes = [
        basis(),
        basis(option=FLAT, half_days=3),
        basis(option=FLAT, effective=dt.date(2027, 7, 1), half_days=3, subsidies=("100.00",)),
        basis(subsidies=("9999.00",)),
    ]
    for b in shapes:
        call = compute_call(tariff(), b)
        assert call is not None
        lines = contribution_lines(call)
        assert compute_totals(lines).excl_tax == call.total
        assert {line.vat_category for line in lines} == {"O"}
        assert all(line.unit_price >= 0 for line in lines)  # BR-27: never a negative price


def test_full_year_lines_show_each_component_at_the_voted_rates() -> None:
    call = compute_call(tariff(), basis(option=FLAT, half_days=3))
    assert call is not None
    assert [(line.item_code, line.quantity, line.unit_price) for line in contribution_lines(call)] == [
        ("CONTRIB-BASE", Decimal(4321), Decimal("1.30")),
        ("CONTRIB-OPT", Decimal(4321), Decimal("0.30")),
        ("CONTRIB-DJ", Decimal(3), Decimal("150.00")),
    ]
