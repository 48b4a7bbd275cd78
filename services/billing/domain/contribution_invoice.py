"""A contribution call as an invoice (facture de contribution) and as a readable document.

Outside the scope of VAT (EN 16931 category O: a statutory participation, never on a taxed invoice).
The lines add up to the call to the cent: without prorata, one line per component (base, optional
support, half-days) at the voted rates; with prorata, the base and optional parts are one line, the
yearly part rounded once, and the annex shows how it was obtained. A subsidy is a negative-quantity
line (EN 16931 forbids negative prices, not negative quantities).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from services.billing.domain.contribution import ContributionCall
from services.billing.domain.documents import (
    LATE_PAYMENT_NOTE,
    BillingDocument,
    Seller,
    french_date,
    invoice_document,
)
from services.billing.domain.due_dates import member_invoice_due_date
from services.billing.domain.lines import Buyer, Line
from services.billing.domain.member_invoice import MemberInvoice
from services.billing.domain.numbering import InvoiceNumber
from services.billing.domain.totals import CENT, compute_totals

OUT_OF_SCOPE = "O"
NO_RATE = Decimal("0.00")


def campaign_reference(year: int) -> str:
    """What stands in the invoice's order reference (BT-13) when the member gave no commitment number."""
    return f"CONTRIB-{year}"


def _line(no: int, code: str, label: str, unit: str, quantity: int | Decimal, price: Decimal) -> Line:
    return Line(
        line_no=no,
        item_code=code,
        label=label,
        unit=unit,
        quantity=Decimal(quantity),
        unit_price=price,
        vat_category=OUT_OF_SCOPE,
        vat_rate=NO_RATE,
    )


def contribution_lines(call: ContributionCall) -> tuple[Line, ...]:
    year, pupils = call.year, call.pupils
    lines: list[Line] = []
    if call.prorated:
        lines.append(
            _line(
                1,
                "CONTRIB-PRO",
                f"Contribution {year} (base"
                + (" et accompagnement forfaitaire" if call.had_option else "")
                + f") au prorata de {call.days_in_competence}/{call.days_in_year} jours, {pupils} élèves",
                "unit",
                1,
                call.yearly_part,
            )
        )
    else:
        lines.append(
            _line(
                1,
                "CONTRIB-BASE",
                f"Contribution de base {year} par élève",
                "élève",
                pupils,
                call.base_per_pupil,
            )
        )
        if call.had_option:
            lines.append(
                _line(
                    2,
                    "CONTRIB-OPT",
                    f"Accompagnement forfaitaire optionnel {year} par élève",
                    "élève",
                    pupils,
                    call.optional_per_pupil,
                )
            )
    if call.half_day_count:
        lines.append(
            _line(
                len(lines) + 1,
                "CONTRIB-DJ",
                f"Accompagnement spécifique {year} (demi-journées réalisées)",
                "demi-journée",
                call.half_day_count,
                call.half_day_rate,
            )
        )
    if call.subsidy_applied:
        lines.append(
            _line(
                len(lines) + 1,
                "CONTRIB-SUB",
                f"Subventions reçues pour {year} (déduites)",
                "unit",
                -1,
                call.subsidy_applied,
            )
        )
    # The rule the whole module exists for: the invoice says exactly what the call computed.
    assert compute_totals(lines).excl_tax == call.total, (call.member_id, call.total)
    return tuple(lines)


def contribution_invoice(
    *, id: str, call: ContributionCall, buyer: Buyer, number: InvoiceNumber, issue_date: dt.date
) -> MemberInvoice:
    lines = contribution_lines(call)
    due = member_invoice_due_date(issue_date)
    return MemberInvoice(
        id=id,
        number=number,
        issue_date=issue_date,
        due_date=due.date,
        due_date_is_provisional=due.provisional,
        buyer=buyer,
        commitment_number=None,
        po_number=campaign_reference(call.year),
        quote_number="",
        supplier_invoice_id=None,
        lines=lines,
        totals=compute_totals(lines),
    )


def french_amount(value: Decimal) -> str:
    text = f"{value.quantize(CENT):,.2f}".replace(",", "\u00a0").replace(".", ",")
    return f"{text}\u00a0€"


def breakdown_rows(call: ContributionCall) -> tuple[tuple[str, ...], ...]:
    """The call's explanation, row by row: (what, quantity, rate, amount)."""
    rows: list[tuple[str, ...]] = [("Élément du calcul", "Quantité", "Taux", "Montant")]
    for school in call.schools:
        rows.append(
            (
                f"École {school.uai} {school.name} : effectifs {call.pupil_count_school_year} "
                f"au {french_date(school.counted_on)}",
                str(school.pupils),
                "",
                "",
            )
        )
    rows.append(("Total des élèves", str(call.pupils), "", ""))
    rows.append(
        (
            "Contribution de base, année entière",
            str(call.pupils),
            french_amount(call.base_per_pupil),
            french_amount(call.base_amount),
        )
    )
    if call.had_option:
        rows.append(
            (
                "Accompagnement forfaitaire optionnel, année entière",
                str(call.pupils),
                french_amount(call.optional_per_pupil),
                french_amount(call.optional_amount),
            )
        )
    if call.prorated:
        rows.append(
            (
                f"Prorata : du {french_date(call.period_start)} au {french_date(call.period_end)}, "
                f"{call.days_in_competence} jours sur {call.days_in_year}"
                + (
                    f" (option : {call.days_with_option} jours)"
                    if call.had_option and call.days_with_option != call.days_in_competence
                    else ""
                )
                + ", arrondi une fois",
                f"{call.days_in_competence}/{call.days_in_year}",
                "",
                french_amount(call.yearly_part),
            )
        )
    for item in call.half_days:
        rows.append(
            (
                f"Accompagnement spécifique « {item.service} » du {french_date(item.delivered_on)}",
                str(item.half_days),
                french_amount(call.half_day_rate),
                french_amount(call.half_day_rate * item.half_days),
            )
        )
    for subsidy in call.subsidies:
        rows.append(
            (
                f"Subvention de {subsidy.payer_name} (délibération {subsidy.deliberation_number})",
                "",
                "",
                french_amount(-subsidy.amount),
            )
        )
    if call.subsidy_remainder:
        rows.append(
            ("Reliquat de subvention non imputé (reporté)", "", "", french_amount(call.subsidy_remainder))
        )
    rows.append(("Montant de l'appel", "", "", french_amount(call.total)))
    return tuple(rows)


def contribution_document(invoice: MemberInvoice, call: ContributionCall, seller: Seller) -> BillingDocument:
    """The invoice document of a contribution call: the common mandatory content, the Comité's vote
    that set the rates, and the breakdown as an annex."""
    document = invoice_document(invoice, seller)
    return dataclasses.replace(
        document,
        sales_order_reference=None,
        notes=(
            f"Appel de contribution {call.year} au titre de la compétence « numérique éducatif » "
            f"(art. 5), barème adopté par le Comité syndical (délibération {call.deliberation_number} "
            f"du {french_date(call.deliberation_date)}), effectifs {call.pupil_count_school_year}. "
            "Participation statutaire hors champ d'application de la TVA.",
            LATE_PAYMENT_NOTE,
        ),
        annex_title=f"Détail du calcul de la contribution {call.year}",
        annex=breakdown_rows(call),
    )
