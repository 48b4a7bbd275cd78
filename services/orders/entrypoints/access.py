"""Who may call which route of the orders service (the README's role table is printed from it).

`procurement` (and `admin`) run the catalogue, quotes, purchase orders and service-done attestations;
staff read everything. A `member` reads its own quotes (and their PDF), accepts or refuses them, and
reads its own purchase orders: another member's answer 404. Staff may record a member's acceptance
or refusal given on paper (`accepted_by` names the signatory; the token's subject is recorded too).
The `contractor` reads the purchase orders (there is one contractor, the marketplace's titulaire) and
calls back to acknowledge them.
"""

from __future__ import annotations

from shared.security.policy import STAFF, RoutePolicy
from shared.security.principal import Role

PROCUREMENT = frozenset({Role.ADMIN, Role.PROCUREMENT})
STAFF_AND_MEMBER = STAFF | {Role.MEMBER}
MEMBER_DECISION = PROCUREMENT | {Role.MEMBER}


def policy() -> RoutePolicy:
    p = RoutePolicy("orders")
    # Catalogue (BPU)
    p.allow("POST", "/v1/catalogue/items", PROCUREMENT, "add a catalogue item or price")
    p.allow("GET", "/v1/catalogue/items", STAFF, "the catalogue in force")
    p.allow("POST", "/v1/catalogue/imports", PROCUREMENT, "import the catalogue (CSV)")
    # Quotes
    p.allow("POST", "/v1/quotes", PROCUREMENT, "make a draft quote")
    p.allow("GET", "/v1/quotes", STAFF_AND_MEMBER, "list quotes (a member: its own)")
    p.allow("GET", "/v1/quotes/{quote_id}", STAFF_AND_MEMBER, "read a quote")
    p.allow("GET", "/v1/quotes/{quote_id}/document.pdf", STAFF_AND_MEMBER, "the quote's PDF")
    p.allow("POST", "/v1/quotes/{quote_id}/send", PROCUREMENT, "send the quote to the member")
    p.allow("POST", "/v1/quotes/{quote_id}/cancel", PROCUREMENT, "withdraw the quote")
    p.allow("POST", "/v1/quotes/{quote_id}/accept", MEMBER_DECISION, "accept the quote (issues a PO)")
    p.allow("POST", "/v1/quotes/{quote_id}/refuse", MEMBER_DECISION, "refuse the quote")
    p.allow("GET", "/v1/quote-eligibility/{member_id}", STAFF, "orders' view of a member")
    # Purchase orders
    readers = STAFF | {Role.MEMBER, Role.CONTRACTOR}
    p.allow("GET", "/v1/purchase-orders", readers, "list POs (a member: its own)")
    p.allow("GET", "/v1/purchase-orders/{po_number}", readers, "read a PO")
    p.allow("POST", "/v1/purchase-orders/{po_number}/attestations", PROCUREMENT, "attest service done")
    p.allow("POST", "/v1/purchase-orders/{po_number}/cancel", PROCUREMENT, "cancel a PO")
    p.allow("POST", "/v1/purchase-orders/{po_number}/close", PROCUREMENT, "close a PO")
    p.allow(
        "POST",
        "/v1/contractor/acknowledgements",
        frozenset({Role.ADMIN, Role.CONTRACTOR}),
        "the contractor acknowledges a PO",
    )
    return p
