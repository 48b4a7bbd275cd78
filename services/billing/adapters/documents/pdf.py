"""The readable side of a billing document: an A4 PDF in French, made with reportlab.

Fonts are embedded (Bitstream Vera, shipped with reportlab): PDF/A-3, which Factur-X requires, allows no
font that is not embedded.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import reportlab
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from services.billing.domain.documents import BillingDocument, french_date
from services.billing.domain.lines import Address
from services.billing.domain.totals import CENT, line_net

FONT, BOLD = "Vera", "VeraBd"


@functools.cache
def _fonts() -> None:
    folder = Path(reportlab.__file__).parent / "fonts"
    pdfmetrics.registerFont(TTFont(FONT, str(folder / "Vera.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(folder / "VeraBd.ttf")))


def euros(value: Decimal) -> str:
    """1250.5 -> "1 250,50 €" (French typography; a no-break space, which the embedded font has)."""
    text = f"{value.quantize(CENT):,.2f}".replace(",", "\u00a0").replace(".", ",")
    return f"{text}\u00a0€"


def number(value: Decimal) -> str:
    return format(value.normalize(), "f").replace(".", ",")


def _styles() -> dict[str, ParagraphStyle]:
    return {
        "title": ParagraphStyle("title", fontName=BOLD, fontSize=16, leading=20),
        "body": ParagraphStyle("body", fontName=FONT, fontSize=8.5, leading=11),
        "small": ParagraphStyle("small", fontName=FONT, fontSize=7.5, leading=9.5),
        "bold": ParagraphStyle("bold", fontName=BOLD, fontSize=8.5, leading=11),
        "right": ParagraphStyle("right", fontName=FONT, fontSize=8.5, leading=11, alignment=TA_RIGHT),
    }


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _address(address: Address) -> str:
    lines = [address.line1, address.line2 or "", f"{address.postcode} {address.city}"]
    return "<br/>".join(_esc(line) for line in lines if line)


def render_pdf(doc: BillingDocument) -> bytes:
    _fonts()
    styles = _styles()
    buffer = BytesIO()
    template = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"{doc.title} {doc.number}",
        author=doc.seller.name,
        subject=f"{doc.title} {doc.number} à {doc.buyer.name}",
        lang="fr-FR",
        invariant=True,
    )
    seller, buyer = doc.seller, doc.buyer
    issuer = (
        f"<b>Émetteur</b><br/>{_esc(seller.name)}<br/>{_address(seller.address)}<br/>"
        f"SIREN {seller.siren} · SIRET {seller.siret}"
        + (f"<br/>TVA intracommunautaire {seller.vat_id}" if seller.vat_id else "")
    )
    recipient = (
        f"<b>Destinataire</b><br/>{_esc(buyer.name)}<br/>{_address(buyer.address)}<br/>"
        f"SIREN {buyer.siren} · SIRET {buyer.siret}"
        + (f"<br/>Code service : {_esc(buyer.service_code)}" if buyer.service_code else "")
    )
    references = [
        f"Date d'émission : {french_date(doc.issue_date)}",
        f"Engagement / commande : {_esc(doc.order_reference)}",
        f"Bon de commande : {_esc(doc.po_number)}",
    ]
    if doc.sales_order_reference:
        references.append(f"Devis : {_esc(doc.sales_order_reference)}")
    if doc.service_date:
        references.append(f"Date du service fait : {french_date(doc.service_date)}")
    if doc.preceding_invoice:
        references.append(
            f"Facture d'origine : {doc.preceding_invoice[0]} du {french_date(doc.preceding_invoice[1])}"
        )
    if doc.due_date:
        references.append(f"Échéance : {french_date(doc.due_date)}")

    story: list = [
        Paragraph(f"{doc.title} n° {doc.number}", styles["title"]),
        Spacer(1, 6 * mm),
        Table(
            [[Paragraph(issuer, styles["body"]), Paragraph(recipient, styles["body"])]],
            colWidths=[90 * mm, 90 * mm],
            style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]),
        ),
        Spacer(1, 4 * mm),
        Paragraph("<br/>".join(references), styles["body"]),
        Spacer(1, 5 * mm),
        _lines_table(doc, styles),
        Spacer(1, 4 * mm),
        _totals_table(doc, styles),
        *_annex(doc, styles),
        Spacer(1, 5 * mm),
        Paragraph(f"<b>Conditions de paiement</b> : {_esc(doc.payment_terms)}", styles["body"]),
    ]
    if doc.seller.iban and not doc.is_credit_note:
        story.append(Paragraph(f"Virement : IBAN {doc.seller.iban}, référence {doc.number}", styles["body"]))
    story.append(Spacer(1, 3 * mm))
    story.extend(Paragraph(_esc(note), styles["small"]) for note in doc.notes)
    template.build(story)
    return buffer.getvalue()


def _lines_table(doc: BillingDocument, styles: dict[str, ParagraphStyle]) -> Table:
    header = ["Réf.", "Désignation", "Qté", "Unité", "PU HT", "TVA", "Montant HT"]
    rows: list[list] = [header]
    for line in doc.lines:
        rows.append(
            [
                Paragraph(_esc(line.item_code), styles["small"]),
                Paragraph(_esc(line.label), styles["small"]),
                number(line.quantity),
                Paragraph(_esc(line.unit), styles["small"]),  # "demi-journée" wraps instead of overflowing
                euros(line.unit_price)
                if line.unit_price == line.unit_price.quantize(CENT)
                else f"{number(line.unit_price)} €",
                "hors champ" if line.vat_category == "O" else f"{number(line.vat_rate)} %",
                euros(line_net(line.quantity, line.unit_price)),
            ]
        )
    table = Table(
        rows, colWidths=[28 * mm, 56 * mm, 12 * mm, 22 * mm, 22 * mm, 16 * mm, 24 * mm], repeatRows=1
    )
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), BOLD, 8),
                ("FONT", (0, 1), (-1, -1), FONT, 8),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8EEF5")),
                ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.grey),
            ]
        )
    )
    return table


def _annex(doc: BillingDocument, styles: dict[str, ParagraphStyle]) -> list:
    """The explanation of the figures (a contribution call's breakdown), when the document has one."""
    if not doc.annex:
        return []
    width = 180 * mm
    columns = len(doc.annex[0])
    first = width - (columns - 1) * 26 * mm
    rows = [
        [Paragraph(_esc(cell), styles["small"]) if i == 0 else cell for i, cell in enumerate(row)]
        for row in doc.annex
    ]
    table = Table(rows, colWidths=[first] + [26 * mm] * (columns - 1), repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), BOLD, 7.5),
                ("FONT", (0, 1), (-1, -1), FONT, 7.5),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8EEF5")),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.grey),
            ]
        )
    )
    return [Spacer(1, 5 * mm), Paragraph(_esc(doc.annex_title or "Détail"), styles["bold"]), table]


def _totals_table(doc: BillingDocument, styles: dict[str, ParagraphStyle]) -> Table:
    rows: list[list[str]] = []
    for row in doc.totals.vat_breakdown:
        label = (
            "Hors champ de la TVA"
            if row.category == "O"
            else f"TVA {number(row.rate)} % (cat. {row.category})"
        )
        rows.append([f"{label} sur {euros(row.taxable_amount)}", euros(row.vat_amount)])
    rows += [
        ["Total hors taxes", euros(doc.totals.excl_tax)],
        ["Total TVA", euros(doc.totals.vat)],
        [
            "Total toutes taxes comprises" + (" (à déduire)" if doc.is_credit_note else " à payer"),
            euros(doc.totals.incl_tax),
        ],
    ]
    table = Table(rows, colWidths=[70 * mm, 30 * mm], hAlign="RIGHT")
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 8.5),
                ("FONT", (0, -1), (-1, -1), BOLD, 9),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("LINEABOVE", (0, -1), (-1, -1), 0.5, colors.black),
            ]
        )
    )
    return table
