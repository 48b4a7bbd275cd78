"""The printable quote (devis) as a PDF, in French (reportlab)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from services.orders.domain.member_directory import MemberIdentity
from services.orders.domain.quote import OUTSIDE_VAT_SCOPE, Quote

PAYMENT_TERMS = (
    "Paiement à 30 jours à compter de la mise à disposition de la facture sur Chorus Pro "
    "(article 7 des conditions de la compétence « numérique éducatif »)."
)
VAT_LABELS = {
    "S": "TVA {rate} %",
    "Z": "TVA 0 % (taux zéro)",
    "E": "Exonéré de TVA",
    "AE": "Autoliquidation",
    OUTSIDE_VAT_SCOPE: "Hors champ de la TVA (participation statutaire)",
}
STATUS_LABELS = {
    "draft": "Projet",
    "sent": "Envoyé",
    "accepted": "Accepté",
    "refused": "Refusé",
    "expired": "Expiré",
    "cancelled": "Annulé",
}


@dataclass(frozen=True)
class SyndicateIdentity:
    name: str
    siren: str
    siret: str
    address_lines: tuple[str, ...]
    contact: str


def euros(amount: Decimal) -> str:
    """1234.5 → `1 234,50 €` (French grouping with a plain space, which text extraction keeps)."""
    text = f"{amount:,.2f}".replace(",", " ").replace(".", ",")
    return f"{text} €"


def number(value: Decimal) -> str:
    """A quantity or a rate as written in French: 2.500 → `2,5`, 20.00 → `20`."""
    return format(value.normalize(), "f").replace(".", ",")


def unit_price(value: Decimal) -> str:
    """2 to 4 decimals, as the BPU gives them: 0.125 → `0,125 €`."""
    exponent = value.normalize().as_tuple().exponent
    places = min(4, max(2, -exponent if isinstance(exponent, int) else 2))
    text = f"{value:,.{places}f}".replace(",", " ").replace(".", ",")
    return f"{text} €"


def french_date(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def _para(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def render_quote_pdf(
    quote: Quote, member: MemberIdentity | None, syndicate: SyndicateIdentity, *, today: dt.date
) -> bytes:
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["Normal"], fontName="Helvetica", fontSize=9, leading=11)
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=10)
    title = ParagraphStyle("title", parent=styles["Title"], fontName="Helvetica-Bold", fontSize=16)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"Devis {quote.number}",
        author=syndicate.name,
        lang="fr-FR",
    )
    seller = "<br/>".join(
        [
            f"<b>{escape(syndicate.name)}</b>",
            *(escape(x) for x in syndicate.address_lines),
            f"SIREN {syndicate.siren} - SIRET {syndicate.siret}",
            escape(syndicate.contact),
        ]
    )
    if member is not None:
        address = member.address
        buyer_lines = [
            f"<b>{escape(member.name)}</b>",
            escape(address.line1),
            *([escape(address.line2)] if address.line2 else []),
            escape(f"{address.postcode} {address.city}"),
            f"SIREN {member.siren} - SIRET {member.siret}",
        ]
        if member.service_code:
            buyer_lines.append(f"Code service Chorus Pro : {escape(member.service_code)}")
    else:
        buyer_lines = [f"Adhérent {escape(quote.member_id)} (identité inconnue du service des commandes)"]
    parties = Table(
        [[Paragraph(seller, body), Paragraph("<br/>".join(buyer_lines), body)]],
        colWidths=[87 * mm, 87 * mm],
    )
    parties.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOX", (1, 0), (1, 0), 0.5, colors.grey)])
    )

    status = STATUS_LABELS.get(quote.status_on(today).value, quote.status.value)
    head = [
        _para(f"Devis n° {quote.number}", title),
        _para(
            f"Date : {french_date(quote.quoted_on)}"
            f" - Valable jusqu'au {french_date(quote.valid_until)} inclus"
            f" - Statut : {status}",
            body,
        ),
    ]
    if quote.acceptance is not None:
        references = quote.acceptance.references
        accepted = (
            f"Accepté le {french_date(quote.acceptance.accepted_on)} par {quote.acceptance.accepted_by}"
        )
        if references.commitment_number:
            accepted += f" - Numéro d'engagement : {references.commitment_number}"
        if quote.purchase_order_number:
            accepted += f" - Bon de commande {quote.purchase_order_number}"
        head.append(_para(accepted, body))

    rows: list[list[object]] = [["N°", "Désignation", "Unité", "Qté", "PU HT", "TVA", "Montant HT"]]
    for line in quote.lines:
        vat = "hors champ" if line.vat_category == OUTSIDE_VAT_SCOPE else f"{number(line.vat_rate)} %"
        rows.append(
            [
                str(line.line_no),
                Paragraph(f"{escape(line.label)}<br/><font size=7>{escape(line.item_code)}</font>", small),
                Paragraph(escape(line.unit), small),
                number(line.quantity),
                unit_price(line.unit_price),
                vat,
                euros(line.net_amount),
            ]
        )
    lines = Table(
        rows, colWidths=[9 * mm, 68 * mm, 22 * mm, 14 * mm, 22 * mm, 16 * mm, 23 * mm], repeatRows=1
    )
    lines.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
                ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde6f0")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("ALIGN", (3, 1), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )

    totals = quote.totals
    total_rows: list[list[str]] = [["Total HT", euros(totals.total_excl_tax)]]
    for row in totals.vat_breakdown:
        label = VAT_LABELS.get(row.category, "TVA {rate} %").format(rate=number(row.rate))
        total_rows.append([f"{label} sur {euros(row.taxable_amount)}", euros(row.vat_amount)])
    total_rows.append(["Total TVA", euros(totals.total_vat)])
    total_rows.append(["Total TTC", euros(totals.total_incl_tax)])
    summary = Table(total_rows, colWidths=[100 * mm, 30 * mm], hAlign="RIGHT")
    summary.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), "Helvetica", 9),
                ("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 10),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("LINEABOVE", (0, -1), (-1, -1), 0.75, colors.black),
            ]
        )
    )

    conditions = [
        "Conditions",
        "Prix du marché régional ENT (bordereau des prix unitaires et catalogue du titulaire), "
        "fermes pour la durée de validité du devis.",
        "Le devis accepté par l'adhérent donne lieu à un bon de commande du Syndicat "
        "au titulaire du marché ; "
        "la prestation est refacturée à l'adhérent au prix du marché, après attestation du service fait.",
        PAYMENT_TERMS,
        "Facturation électronique par Chorus Pro ; le numéro d'engagement et le code service exigés par "
        "l'adhérent sont à indiquer lors de l'acceptation.",
    ]
    if any(line.vat_category == OUTSIDE_VAT_SCOPE for line in quote.lines):
        conditions.append(
            "L'accompagnement spécifique (par demi-journée) est une participation statutaire (article 5), "
            "hors du champ d'application de la TVA."
        )
    story: list[object] = [
        parties,
        Spacer(1, 6 * mm),
        *head,
        Spacer(1, 4 * mm),
        lines,
        Spacer(1, 4 * mm),
        summary,
    ]
    story.append(Spacer(1, 6 * mm))
    story.append(_para(conditions[0], ParagraphStyle("h", parent=body, fontName="Helvetica-Bold")))
    story.extend(_para(f"• {text}", small) for text in conditions[1:])
    story.append(Spacer(1, 8 * mm))
    story.append(_para("Bon pour accord, date, nom, qualité et signature de l'adhérent :", body))
    document.build(story)
    return buffer.getvalue()
