"""The members service's business rules, each in its named place in the pure domain core."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from services.members.domain.adhesion import (
    Adhesion,
    AdhesionOption,
    AdhesionStatus,
    MemberStatus,
    adhesion_on,
    committee_vote_passes,
)
from services.members.domain.csv_import import check_rows, parse_count, split_rows
from services.members.domain.deliberation import Assembly, Deliberation
from services.members.domain.entitlements import Entitlements, Level, SupportRequest
from services.members.domain.identifiers import (
    uai_check_letter,
    validate_insee_commune,
    validate_siren,
    validate_siret,
    validate_uai,
)
from services.members.domain.member import Address, Contact, Member, MemberKind
from services.members.domain.school import PupilCount, School, SchoolYear
from services.members.domain.tariff import ProrataRule, Subsidy, TariffSchedule
from shared.errors import BusinessRuleViolation, Conflict
from tests.members.helpers import valid_siren, valid_siret

D = dt.date


# --- art. 4: two thirds of the votes cast -------------------------------------------------------


def test_exactly_two_thirds_of_votes_cast_passes() -> None:
    assert committee_vote_passes(20, 10) is True
    assert committee_vote_passes(2, 1) is True


def test_just_below_two_thirds_fails() -> None:
    assert committee_vote_passes(19, 10) is False  # 19/29 = 0.655
    assert committee_vote_passes(1999 // 3, 1000 - 1999 // 3) is False  # 666/1000


def test_abstentions_are_not_votes_cast() -> None:
    assert committee_vote_passes(2, 1, abstentions=900) is True
    assert committee_vote_passes(1, 1, abstentions=0) is False


def test_a_vote_with_no_vote_cast_is_refused() -> None:
    with pytest.raises(BusinessRuleViolation) as error:
        committee_vote_passes(0, 0, abstentions=12)
    assert error.value.field == "votes_for"


@pytest.mark.parametrize(("votes", "field"), [((-1, 0, 0), "votes_for"), ((5, 1001, 0), "votes_against")])
def test_negative_or_implausible_vote_counts_are_refused(votes: tuple[int, int, int], field: str) -> None:
    with pytest.raises(BusinessRuleViolation) as error:
        committee_vote_passes(*votes)
    assert error.value.field == field


def _approved(effective: dt.date, option: AdhesionOption = AdhesionOption.BASE) -> Adhesion:
    adhesion = Adhesion.requested(
        id="a", member_id="m", deliberation_date=D(2026, 1, 10), effective_date=effective, option=option
    )
    adhesion.decide(session_date=D(2026, 2, 1), votes_for=30, votes_against=3, abstentions=2)
    return adhesion


def test_adhesion_from_1_march_and_withdrawal_from_31_october_give_the_status_on_each_side() -> None:
    adhesion = _approved(D(2026, 3, 1))
    adhesion.withdraw(deliberation_date=D(2026, 9, 15), effective_date=D(2026, 10, 31))
    assert adhesion.status_on(D(2026, 2, 28)) is MemberStatus.PENDING
    assert adhesion.status_on(D(2026, 3, 1)) is MemberStatus.ACTIVE
    assert adhesion.status_on(D(2026, 10, 30)) is MemberStatus.ACTIVE
    assert adhesion.status_on(D(2026, 10, 31)) is MemberStatus.WITHDRAWN


def test_an_effective_date_before_the_deliberation_is_refused() -> None:
    with pytest.raises(BusinessRuleViolation) as error:
        Adhesion.requested(
            id="a",
            member_id="m",
            deliberation_date=D(2026, 3, 2),
            effective_date=D(2026, 3, 1),
            option=AdhesionOption.BASE,
        )
    assert error.value.field == "effective_date"


def test_a_withdrawal_cannot_take_effect_before_its_deliberation_or_the_adhesion() -> None:
    adhesion = _approved(D(2026, 3, 1))
    with pytest.raises(BusinessRuleViolation):
        adhesion.withdraw(deliberation_date=D(2026, 9, 15), effective_date=D(2026, 9, 14))
    with pytest.raises(BusinessRuleViolation):
        adhesion.withdraw(deliberation_date=D(2026, 1, 15), effective_date=D(2026, 2, 1))


def test_a_member_that_left_and_adhered_again_has_each_adhesion_speak_for_its_own_dates() -> None:
    first = _approved(D(2026, 3, 1))
    first.withdraw(deliberation_date=D(2026, 9, 15), effective_date=D(2026, 10, 31))
    second = Adhesion.requested(
        id="b",
        member_id="m",
        deliberation_date=D(2027, 5, 1),
        effective_date=D(2027, 9, 1),
        option=AdhesionOption.BASE,
    )
    assert adhesion_on([first, second], D(2026, 6, 1)) is first
    assert adhesion_on([first, second], D(2027, 1, 1)) is first  # withdrawn, second not yet in effect
    assert adhesion_on([first, second], D(2027, 9, 1)) is second


# --- options by deliberation -------------------------------------------------------------------


def test_the_option_changes_from_its_effective_date_only() -> None:
    adhesion = _approved(D(2026, 3, 1))
    adhesion.change_option(
        option=AdhesionOption.BASE_AND_FLAT,
        effective_date=D(2027, 1, 1),
        deliberation_date=D(2026, 11, 5),
        deliberation_id="d",
    )
    assert adhesion.option_on(D(2026, 12, 31)) is AdhesionOption.BASE
    assert adhesion.option_on(D(2027, 1, 1)) is AdhesionOption.BASE_AND_FLAT


def test_an_option_change_to_the_option_in_force_or_before_the_adhesion_is_refused() -> None:
    adhesion = _approved(D(2026, 3, 1))
    with pytest.raises(BusinessRuleViolation) as same:
        adhesion.change_option(
            option=AdhesionOption.BASE,
            effective_date=D(2026, 6, 1),
            deliberation_date=D(2026, 5, 1),
            deliberation_id="d",
        )
    assert same.value.field == "option"
    with pytest.raises(BusinessRuleViolation) as early:
        adhesion.change_option(
            option=AdhesionOption.BASE_AND_FLAT,
            effective_date=D(2026, 2, 1),
            deliberation_date=D(2026, 1, 1),
            deliberation_id="d",
        )
    assert early.value.field == "effective_date"


def test_a_pending_adhesion_cannot_change_its_option() -> None:
    pending = Adhesion.requested(
        id="a",
        member_id="m",
        deliberation_date=D(2026, 1, 1),
        effective_date=D(2026, 3, 1),
        option=AdhesionOption.BASE,
    )
    with pytest.raises(Conflict):
        pending.change_option(
            option=AdhesionOption.BASE_AND_FLAT,
            effective_date=D(2026, 4, 1),
            deliberation_date=D(2026, 3, 1),
            deliberation_id="d",
        )


def test_members_of_the_competence_for_notifications_exclude_the_withdrawn_and_the_undecided() -> None:
    approved = _approved(D(2027, 1, 1))  # effective later: already concerned by the conditions
    assert approved.in_competence_on(D(2026, 12, 1)) is True
    approved.withdraw(deliberation_date=D(2027, 3, 1), effective_date=D(2027, 6, 1))
    assert approved.in_competence_on(D(2027, 5, 31)) is True
    assert approved.in_competence_on(D(2027, 6, 1)) is False
    pending = Adhesion.requested(
        id="p",
        member_id="m",
        deliberation_date=D(2026, 1, 1),
        effective_date=D(2026, 3, 1),
        option=AdhesionOption.BASE,
    )
    assert pending.in_competence_on(D(2026, 6, 1)) is False
    assert pending.status is AdhesionStatus.PENDING


# --- identifiers -------------------------------------------------------------------------------


@pytest.mark.parametrize("uai", ["0750655E", "0750654D", "0690026D", "0750655e"])
def test_real_uai_codes_pass_the_check_letter_rule(uai: str) -> None:
    assert validate_uai(uai) == uai.upper()


def test_the_check_letter_skips_i_o_and_q() -> None:
    letters = {uai_check_letter(f"{n:07d}") for n in range(23)}
    assert len(letters) == 23 and not letters & {"I", "O", "Q"}


@pytest.mark.parametrize("uai", ["0590001A", "0750655F", "075065E", "07506550E", "A750655E", "0750655-"])
def test_invalid_uai_codes_are_refused_naming_the_field(uai: str) -> None:
    with pytest.raises(BusinessRuleViolation) as error:
        validate_uai(uai)
    assert error.value.field == "uai"


def test_the_wrong_check_letter_message_gives_the_expected_code() -> None:
    with pytest.raises(BusinessRuleViolation, match="0590001F"):
        validate_uai("0590001A")


@pytest.mark.parametrize("code", ["59350", "62193", "2A004", "2B033", "97411"])
def test_insee_commune_codes_pass(code: str) -> None:
    assert validate_insee_commune(code) == code


@pytest.mark.parametrize("code", ["5935", "00123", "20004", "96001", "97711", "59000", "ABCDE"])
def test_invalid_insee_commune_codes_are_refused(code: str) -> None:
    with pytest.raises(BusinessRuleViolation) as error:
        validate_insee_commune(code)
    assert error.value.field == "commune_insee"


def test_siren_and_siret_are_luhn_checked_and_the_siret_belongs_to_the_siren() -> None:
    siren = valid_siren(42)
    assert validate_siren(siren) == siren
    bad_siren = siren[:-1] + str((int(siren[-1]) + 1) % 10)
    with pytest.raises(BusinessRuleViolation, match="Luhn"):
        validate_siren(bad_siren)
    with pytest.raises(BusinessRuleViolation):
        validate_siren("12345678")
    siret = valid_siret(siren)
    with pytest.raises(BusinessRuleViolation, match="Luhn"):
        validate_siret(siret[:-1] + str((int(siret[-1]) + 1) % 10), siren)
    with pytest.raises(BusinessRuleViolation, match="does not start"):
        validate_siret(valid_siret(valid_siren(43)), siren)


def _member() -> Member:
    siren = valid_siren(7)
    return Member(
        id="m",
        kind=MemberKind.EPCI,
        name="CC",
        siren=siren,
        siret=valid_siret(siren),
        address=Address("1 rue", "59000", "Lille"),
    )


def test_an_update_is_a_new_version_and_can_never_change_the_siren() -> None:
    member = _member()
    renamed = member.updated(name="CC des Flandres", contacts=[Contact("A. Martin", "DSI", "a@cc.fr")])
    assert (renamed.version, renamed.name, member.name) == (2, "CC des Flandres", "CC")
    with pytest.raises(BusinessRuleViolation) as error:
        member.updated(siren=valid_siren(8))
    assert error.value.field == "siren"
    with pytest.raises(BusinessRuleViolation) as bad_email:
        member.updated(contacts=[Contact("B", email="not-an-email")])
    assert bad_email.value.field == "contacts.email"


# --- schools, school years, pupil counts ----------------------------------------------------------


def test_a_school_year_is_two_consecutive_years_from_1_september() -> None:
    year = SchoolYear.parse("2026-2027")
    assert (year.starts_on, year.ends_on) == (D(2026, 9, 1), D(2027, 8, 31))
    for text in ("2026-2028", "2026/2027", "26-27", "1990-1991"):
        with pytest.raises(BusinessRuleViolation) as error:
            SchoolYear.parse(text)
        assert error.value.field == "school_year"


def test_a_school_moving_between_members_belongs_to_each_on_its_dates() -> None:
    school = School("0750655E", "École A", "59350")
    school.attach("A", D(2026, 1, 1))
    school.attach("B", D(2027, 1, 1))
    assert school.member_on(D(2025, 12, 31)) is None
    assert school.member_on(D(2026, 12, 31)) == "A"
    assert school.member_on(D(2027, 1, 1)) == "B"
    assert [(a.member_id, a.until) for a in school.attachments] == [("A", D(2027, 1, 1)), ("B", None)]


def test_a_transfer_to_the_same_member_or_not_after_the_current_attachment_is_refused() -> None:
    school = School("0750655E", "École A", "59350")
    school.attach("A", D(2026, 1, 1))
    with pytest.raises(Conflict):
        school.attach("A", D(2026, 6, 1))
    with pytest.raises(BusinessRuleViolation):
        school.attach("B", D(2026, 1, 1))


def test_a_pupil_count_belongs_to_the_member_of_the_school_at_the_rentree() -> None:
    school = School("0750655E", "École A", "59350")
    school.attach("A", D(2026, 1, 1))
    school.attach("B", D(2027, 1, 1))
    count = PupilCount.of(school, SchoolYear.parse("2026-2027"), 212, None)
    assert (count.member_id, count.counted_on) == ("A", D(2026, 9, 1))
    with pytest.raises(BusinessRuleViolation) as outside:
        PupilCount.of(school, SchoolYear.parse("2026-2027"), 212, D(2027, 9, 1))
    assert outside.value.field == "counted_on"
    with pytest.raises(BusinessRuleViolation) as negative:
        PupilCount.of(school, SchoolYear.parse("2026-2027"), -1, None)
    assert negative.value.field == "pupils"


def test_a_csv_partly_bad_reports_every_line_and_is_not_complete() -> None:
    text = (
        "UAI;school year;pupils\n"
        "0750655E;2026-2027;212\n"
        "0590001A;2026-2027;10\n"
        "0750654D;2026-2028;5\n"
        "\n"
        "0690026D;2026-2027\n"
    )
    rows = split_rows(text, ("UAI", "school year", "pupils"), "uai")

    def check(cells: list[str]) -> tuple[str, str, int]:
        return validate_uai(cells[0]), str(SchoolYear.parse(cells[1])), parse_count(cells[2], "pupils")

    report = check_rows(rows, ("UAI", "school year", "pupils"), check)
    assert report.complete is False
    assert [(r.line, r.status.value, r.field) for r in report.lines] == [
        (2, "accepted", None),
        (3, "refused", "uai"),
        (4, "refused", "school_year"),
        (6, "refused", None),
    ]
    assert "expected 3 columns" in (report.lines[-1].reason or "")


def test_an_empty_or_oversized_csv_is_refused_as_a_whole() -> None:
    with pytest.raises(BusinessRuleViolation):
        split_rows("UAI;school year;pupils\n", ("a", "b", "c"), "uai")
    with pytest.raises(BusinessRuleViolation):
        split_rows("0750655E;2026-2027;1\n" * 40_000, ("a", "b", "c"), "uai")


# --- tariffs, subsidies --------------------------------------------------------------------------


def _schedule(**overrides: object) -> TariffSchedule:
    values: dict[str, object] = {
        "id": "t",
        "year": 2027,
        "revision": 1,
        "base_per_pupil": Decimal("1.30"),
        "optional_per_pupil": Decimal("0.30"),
        "half_day_rate": Decimal("150.00"),
        "pupil_count_school_year": SchoolYear.parse("2026-2027"),
        "prorata_rule": ProrataRule.BY_DAYS,
        "deliberation_id": "d",
    }
    values.update(overrides)
    return TariffSchedule(**values)  # type: ignore[arg-type]


def test_the_seed_amounts_make_a_valid_schedule() -> None:
    assert _schedule().base_per_pupil == Decimal("1.30")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"base_per_pupil": Decimal("0")}, "base_per_pupil"),
        ({"optional_per_pupil": Decimal("-0.30")}, "optional_per_pupil"),
        ({"half_day_rate": Decimal("150.001")}, "half_day_rate"),
        ({"pupil_count_school_year": SchoolYear.parse("2024-2025")}, "pupil_count_school_year"),
    ],
)
def test_a_schedule_with_a_bad_amount_or_basis_is_refused(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(BusinessRuleViolation) as error:
        _schedule(**overrides)
    assert error.value.field == field


def test_a_year_cannot_be_priced_by_a_deliberation_taken_after_it() -> None:
    TariffSchedule.check_deliberation_date(2027, D(2027, 12, 31))
    with pytest.raises(BusinessRuleViolation):
        TariffSchedule.check_deliberation_date(2027, D(2028, 1, 1))


def test_a_subsidy_is_positive_in_cents_and_names_a_valid_payer() -> None:
    Subsidy("s", "m", 2027, Decimal("2500.00"), "Commune de Bailleul", "d", valid_siren(9))
    with pytest.raises(BusinessRuleViolation) as zero:
        Subsidy("s", "m", 2027, Decimal("0"), "Commune", "d")
    assert zero.value.field == "amount"
    with pytest.raises(BusinessRuleViolation) as siren:
        Subsidy("s", "m", 2027, Decimal("10"), "Commune", "d", "123456789")
    assert siren.value.field == "payer_siren"


def test_a_deliberation_of_a_member_must_name_it_and_be_that_members_own() -> None:
    with pytest.raises(BusinessRuleViolation):
        Deliberation("d", "12", D(2026, 1, 1), Assembly.MEMBER, "Adhésion")
    mine = Deliberation("d", "12", D(2026, 1, 1), Assembly.MEMBER, "Adhésion", member_id="A")
    with pytest.raises(BusinessRuleViolation):
        mine.require_decided_by((Assembly.MEMBER,), member_id="B")
    with pytest.raises(BusinessRuleViolation):
        mine.require_decided_by((Assembly.COMMITTEE,))


# --- art. 6: entitlements and support ---------------------------------------------------------------


def test_a_base_member_is_refused_optional_flat_support_with_the_reason() -> None:
    base = Entitlements.of("m", D(2026, 6, 1), MemberStatus.ACTIVE, AdhesionOption.BASE)
    with pytest.raises(BusinessRuleViolation, match="optional flat support") as error:
        base.check_request("hardware_advice", None, None)
    assert error.value.field == "service"
    assert base.check_request("webinars", None, None).level is Level.BASE
    flat = Entitlements.of("m", D(2026, 6, 1), MemberStatus.ACTIVE, AdhesionOption.BASE_AND_FLAT)
    assert flat.check_request("hardware_advice", None, None).level is Level.OPTIONAL_FLAT


def test_specific_support_is_counted_in_half_days_and_open_to_any_active_member() -> None:
    base = Entitlements.of("m", D(2026, 6, 1), MemberStatus.ACTIVE, AdhesionOption.BASE)
    assert base.check_request("family_training", 2, None).level is Level.SPECIFIC
    with pytest.raises(BusinessRuleViolation) as none:
        base.check_request("family_training", None, None)
    assert none.value.field == "half_days"
    with pytest.raises(BusinessRuleViolation) as on_quote:
        base.check_request("other_specific", 1, "  ")
    assert on_quote.value.field == "description"
    with pytest.raises(BusinessRuleViolation) as included:
        base.check_request("webinars", 2, None)
    assert included.value.field == "half_days"


def test_a_member_not_active_on_the_date_has_no_entitlement() -> None:
    withdrawn = Entitlements.of("m", D(2026, 11, 1), MemberStatus.WITHDRAWN, AdhesionOption.BASE_AND_FLAT)
    assert withdrawn.levels == ()
    with pytest.raises(BusinessRuleViolation, match="withdrawn") as error:
        withdrawn.check_request("family_training", 1, None)
    assert error.value.field == "member_id"


def test_delivered_specific_support_is_billable_and_delivered_once() -> None:
    request = SupportRequest("r", "m", "family_training", Level.SPECIFIC, D(2026, 6, 1), 2)
    with pytest.raises(BusinessRuleViolation):
        request.deliver(D(2026, 5, 31), None)
    request.deliver(D(2026, 6, 10), 3)
    assert (request.billable, request.delivered_half_days) == (True, 3)
    with pytest.raises(Conflict):
        request.deliver(D(2026, 6, 11), 1)
