"""Who may call which route of the billing service (the README's role table is printed from it).

`finance` (and `admin`) decide on exceptions, issue credit notes and check the numbering; staff read
everything. A `member` reads its own invoices, credit notes, their documents and its statement:
another member's answer 404. The `contractor` submits its invoices (JSON or its e-invoice file). The
`connector` (Chorus Pro transmission) reads member invoices and their documents, claims invoices to
transmit and reports deposits and statuses.
"""

from __future__ import annotations

from shared.security.policy import STAFF, RoutePolicy
from shared.security.principal import Role

FINANCE = frozenset({Role.ADMIN, Role.FINANCE})
STAFF_AND_MEMBER = STAFF | {Role.MEMBER}
INVOICE_READERS = STAFF | {Role.MEMBER, Role.CONNECTOR}
SUBMITTERS = FINANCE | {Role.CONTRACTOR}
CONNECTORS = frozenset({Role.ADMIN, Role.CONNECTOR})
DOCUMENTS = ("facturx.pdf", "cii.xml", "ubl.xml")


def policy() -> RoutePolicy:
    p = RoutePolicy("billing")
    # Supplier invoices (the contractor's) and the staff decisions on exceptions
    p.allow("POST", "/v1/supplier-invoices", SUBMITTERS, "submit a supplier invoice (JSON)")
    p.allow("POST", "/v1/supplier-invoices/upload", SUBMITTERS, "upload a supplier e-invoice file")
    p.allow("GET", "/v1/supplier-invoices/{invoice_id}", STAFF, "read a supplier invoice")
    p.allow("GET", "/v1/supplier-invoices/uploads/{upload_id}", STAFF, "an upload's audit record")
    p.allow("GET", "/v1/supplier-invoices/uploads/{upload_id}/content", STAFF, "an uploaded file")
    p.allow("POST", "/v1/supplier-invoices/{invoice_id}/approve", FINANCE, "approve an exception")
    p.allow("POST", "/v1/supplier-invoices/{invoice_id}/dispute", FINANCE, "dispute an exception")
    # Member invoices, credit notes, documents, statements
    p.allow("GET", "/v1/invoices", INVOICE_READERS, "list member invoices (a member: its own)")
    p.allow("GET", "/v1/invoices/{invoice_id}", INVOICE_READERS, "read a member invoice")
    for document in DOCUMENTS:
        p.allow("GET", f"/v1/invoices/{{invoice_id}}/{document}", INVOICE_READERS, f"invoice as {document}")
        p.allow(
            "GET",
            f"/v1/credit-notes/{{credit_note_id}}/{document}",
            STAFF_AND_MEMBER,
            f"credit note as {document}",
        )
    p.allow("POST", "/v1/invoices/{invoice_id}/credit-notes", FINANCE, "issue a credit note")
    p.allow("GET", "/v1/invoices/{invoice_id}/credit-notes", STAFF_AND_MEMBER, "an invoice's credit notes")
    p.allow("GET", "/v1/credit-notes/{credit_note_id}", STAFF_AND_MEMBER, "read a credit note")
    p.allow("GET", "/v1/members-statements/{member_id}", STAFF_AND_MEMBER, "a member's statement")
    p.allow("GET", "/v1/billing/purchase-orders/{po_number}", STAFF, "billing's view of a PO")
    p.allow("GET", "/v1/numbering/check", STAFF, "proof of gapless numbering")
    # Campaigns: the yearly contribution calls (art. 5); finance runs them, staff review, a member reads
    # its own call
    p.allow("POST", "/v1/campaigns", FINANCE, "create the year's contribution campaign (draft)")
    p.allow("GET", "/v1/campaigns", STAFF, "list contribution campaigns")
    p.allow("GET", "/v1/campaigns/{campaign_id}", STAFF, "review a campaign: totals and blocking flags")
    p.allow("POST", "/v1/campaigns/{campaign_id}/compute", FINANCE, "recompute a draft campaign")
    p.allow("POST", "/v1/campaigns/{campaign_id}/issue", FINANCE, "issue (or resume issuing) a campaign")
    p.allow("GET", "/v1/campaigns/{campaign_id}/calls", STAFF, "a campaign's calls")
    p.allow("GET", "/v1/campaigns/{campaign_id}/calls/{member_id}", STAFF_AND_MEMBER, "a call's breakdown")
    p.allow(
        "POST",
        "/v1/campaigns/{campaign_id}/calls/{member_id}/corrections",
        FINANCE,
        "correct an issued call (credit note + new invoice)",
    )
    p.allow("GET", "/v1/campaigns/{campaign_id}/report.json", STAFF, "campaign report (JSON)")
    p.allow("GET", "/v1/campaigns/{campaign_id}/report.csv", STAFF, "campaign report (CSV)")
    p.allow("GET", "/v1/campaigns/{campaign_id}/committee-summary", STAFF, "summary for the Comité")
    # Chorus Pro, payments, dunning
    _chorus_pro_payments_dunning(p)
    return p


def _chorus_pro_payments_dunning(p: RoutePolicy) -> None:
    """The `connector` lists, claims and reports transmissions (admin may stand in for it); finance fixes
    what Chorus returned, records payments and runs the daily job; a member reads its own balance and
    reminders."""
    chorus = "/v1/chorus/transmissions"
    p.allow("GET", chorus, CONNECTORS, "invoices waiting for transmission to Chorus Pro")
    p.allow("POST", f"{chorus}/{{invoice_id}}/claim", CONNECTORS, "claim an invoice to transmit")
    p.allow("GET", f"{chorus}/{{invoice_id}}/facturx.pdf", CONNECTORS, "the Factur-X to deposit")
    p.allow("GET", f"{chorus}/{{invoice_id}}/documents/{{document_id}}", CONNECTORS, "a document to send")
    p.allow("POST", f"{chorus}/{{invoice_id}}/outcome", CONNECTORS, "report a claim's outcome (deposit...)")
    p.allow("POST", f"{chorus}/{{invoice_id}}/statuses", CONNECTORS, "report Chorus Pro statuses")
    p.allow("GET", f"{chorus}/{{invoice_id}}", STAFF | {Role.CONNECTOR}, "an invoice's transmission history")
    p.allow("GET", f"{chorus}/needing-staff", STAFF, "blocked or returned transmissions, with reasons")
    p.allow("POST", f"{chorus}/{{invoice_id}}/routing", FINANCE, "fix routing after A_RECYCLER, resend")
    p.allow("POST", f"{chorus}/{{invoice_id}}/documents", FINANCE, "add documents to a suspended invoice")
    p.allow("POST", f"{chorus}/{{invoice_id}}/replace", FINANCE, "credit note + new invoice after REJETEE")
    p.allow("POST", "/v1/payments", FINANCE, "record a member payment")
    p.allow("POST", "/v1/payments/statements", FINANCE, "import a treasury statement (CSV)")
    p.allow("GET", "/v1/members-balances/{member_id}", STAFF_AND_MEMBER, "a member's balance per invoice")
    p.allow("POST", "/v1/dunning/run", FINANCE, "run the daily overdue and dunning job")
    p.allow("GET", "/v1/reminders", STAFF_AND_MEMBER, "reminders sent (a member: its own)")
    p.allow("GET", "/v1/overdue-invoices", STAFF_AND_MEMBER, "overdue invoices (a member: its own)")
    p.allow("POST", "/v1/supplier-invoices/{invoice_id}/payment", FINANCE, "pay a contractor's invoice")
    p.allow("GET", "/v1/supplier-payments/to-pay", STAFF, "contractor invoices to pay, by deadline")
