"""Keeping billing's read models of members, purchase orders and service-done attestations (run by
consumers, never commit)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from services.billing.adapters.read_models import (
    AttestationRepository,
    MemberDirectory,
    PurchaseOrderRepository,
)
from services.billing.domain.lines import Buyer
from services.billing.domain.purchase_order import PurchaseOrder
from shared.uow import UnitOfWork


async def record_member(buyer: Buyer, as_of: dt.datetime, uow: UnitOfWork) -> None:
    """The member's latest identity and Chorus routing; an older event never overwrites a newer one."""
    await MemberDirectory(uow.session).record(buyer, as_of)


async def record_purchase_order(order: PurchaseOrder, quote_id: str, uow: UnitOfWork) -> bool:
    """A PO as issued by the orders service; recorded once, then immutable."""
    return await PurchaseOrderRepository(uow.session).add_if_new(order, quote_id)


async def record_attestation(
    *,
    attestation_id: str,
    po_number: str,
    attested_on: dt.date,
    attested_by: str,
    quantities: dict[int, Decimal],
    uow: UnitOfWork,
) -> bool:
    """A service-done attestation (service fait), recorded once; its quantities add to the PO line's."""
    return await AttestationRepository(uow.session).add_if_new(
        attestation_id=attestation_id,
        po_number=po_number,
        attested_on=attested_on,
        attested_by=attested_by,
        quantities=quantities,
    )
