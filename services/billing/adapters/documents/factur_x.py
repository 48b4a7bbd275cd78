"""Factur-X: the readable PDF made PDF/A-3 with its CII XML embedded (profile EN16931)."""

from __future__ import annotations

import facturx

from services.billing.adapters.documents.cii import cii_xml
from services.billing.adapters.documents.pdf import render_pdf
from services.billing.domain.documents import BillingDocument, french_date


def facturx_pdf(doc: BillingDocument, *, check_xsd: bool = True) -> bytes:
    """`check_xsd` runs the Factur-X XSD on the embedded XML (a refusal raises: nothing invalid leaves)."""
    return facturx.generate_from_binary(
        render_pdf(doc),
        cii_xml(doc),
        flavor="factur-x",
        level="en16931",
        check_xsd=check_xsd,
        pdf_metadata={
            "author": doc.seller.name,
            "keywords": "Factur-X, facture, EN 16931",
            "title": f"{doc.seller.name} : {doc.title.lower()} {doc.number}",
            "subject": f"{doc.title} {doc.number} du {french_date(doc.issue_date)} à {doc.buyer.name}",
        },
        lang="fr-FR",
    )
