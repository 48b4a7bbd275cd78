"""What an issued invoice or credit note says, whatever its syntax (CII, UBL, the readable PDF).

One `BillingDocument` per issued document, built here from the domain objects: the mandatory content
(code de la commande publique D2192-2, code général des impôts) and the EN 16931 references Chorus Pro
routes on: BT-10 the member's service code, BT-13 its commitment number (the PO number when it has
none), BT-14 our quote, the buyer's SIRET and the seller's SIREN. Rendering is the adapters' business.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from services.billing.domain.credit_note import CreditNote
from services.billing.domain.due_dates import MEMBER_PAYMENT_TERM
from services.billing.domain.lines import Address, Buyer, Line
from services.billing.domain.member_invoice import MemberInvoice
from services.billing.domain.totals import Totals

INVOICE = "380"  # UNTDID 1001: commercial invoice
CREDIT_NOTE = "381"  # UNTDID 1001: credit note

LATE_PAYMENT_NOTE = (
    "En cas de retard de paiement : intérêts moratoires au taux de la Banque centrale européenne "
    "majoré de 8 points et indemnité forfaitaire pour frais de recouvrement de 40 € "
    "(code de la commande publique, art. L2192-13 et R2192-31 et suivants). Pas d'escompte pour "
    "paiement anticipé."
)


@dataclass(frozen=True)
class Seller:
    """The syndicate, issuer of every member invoice (from billing's settings)."""

    name: str
    siren: str
    siret: str
    address: Address
    vat_id: str | None = None
    iban: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class BillingDocument:
    type_code: str  # INVOICE or CREDIT_NOTE
    number: str
    issue_date: dt.date
    seller: Seller
    buyer: Buyer
    lines: tuple[Line, ...]
    totals: Totals
    buyer_reference: str | None  # BT-10: the member's Chorus service code
    order_reference: str  # BT-13: the commitment number, else our PO number
    sales_order_reference: str | None  # BT-14: our quote number
    po_number: str
    payment_terms: str  # BT-20, in French
    due_date: dt.date | None  # BT-9
    service_date: dt.date | None  # BT-72
    preceding_invoice: tuple[str, dt.date] | None  # BG-3 (a credit note's invoice): number, issue date
    notes: tuple[str, ...]  # BT-22
    # A table printed after the lines that explains how they were computed (a contribution call's
    # schools, rates, days of prorata and subsidies); the first row is the header.
    annex_title: str | None = None
    annex: tuple[tuple[str, ...], ...] = ()

    @property
    def is_credit_note(self) -> bool:
        return self.type_code == CREDIT_NOTE

    @property
    def title(self) -> str:
        return "Avoir" if self.is_credit_note else "Facture"


def french_date(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def invoice_document(invoice: MemberInvoice, seller: Seller) -> BillingDocument:
    due = french_date(invoice.due_date)
    terms = (
        f"Paiement à {MEMBER_PAYMENT_TERM.days} jours à compter de la mise à disposition de la facture sur "
        "Chorus Pro, par virement. "
        + (
            f"Échéance provisoire : {due}, recalculée à la date de mise à disposition."
            if invoice.due_date_is_provisional
            else f"Échéance : {due}."
        )
    )
    return BillingDocument(
        type_code=INVOICE,
        number=str(invoice.number),
        issue_date=invoice.issue_date,
        seller=seller,
        buyer=invoice.buyer,
        lines=invoice.lines,
        totals=invoice.totals,
        buyer_reference=invoice.buyer.service_code,
        order_reference=invoice.commitment_number or invoice.po_number,
        sales_order_reference=invoice.quote_number,
        po_number=invoice.po_number,
        payment_terms=terms,
        due_date=invoice.due_date,
        service_date=invoice.service_date,
        preceding_invoice=None,
        notes=(
            f"Refacturation au prix du marché régional ENT (art. 7) : devis {invoice.quote_number}, "
            f"bon de commande {invoice.po_number}"
            + (f", engagement {invoice.commitment_number}." if invoice.commitment_number else "."),
            LATE_PAYMENT_NOTE,
        ),
    )


def credit_note_document(note: CreditNote, seller: Seller) -> BillingDocument:
    invoice_ref = f"{note.invoice_number} du {french_date(note.invoice_issue_date)}"
    return BillingDocument(
        type_code=CREDIT_NOTE,
        number=str(note.number),
        issue_date=note.issue_date,
        seller=seller,
        buyer=note.buyer,
        lines=note.lines,
        totals=note.totals,
        buyer_reference=note.buyer.service_code,
        order_reference=note.commitment_number or note.po_number,
        sales_order_reference=note.quote_number,
        po_number=note.po_number,
        payment_terms=f"Avoir à déduire de la facture {invoice_ref} ; aucun paiement n'est dû à ce titre.",
        due_date=None,
        service_date=None,
        preceding_invoice=(note.invoice_number, note.invoice_issue_date),
        notes=(f"Avoir sur la facture {invoice_ref}. Motif : {note.reason}",),
    )
