"""The syndicate as a payer: paying the contractor's approved invoices within its 30-day deadline
(délai global de paiement), the list to pay by date, and what a late payment owes."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from services.billing.adapters.payments import PaymentRepository
from services.billing.adapters.supplier_invoices import SupplierInvoiceRepository
from services.billing.adapters.supplier_payment_queries import SupplierPaymentQueries
from services.billing.domain.due_dates import syndicate_payment_deadline
from services.billing.domain.ecb_rates import (
    MAIN_REFINANCING_RATES,
    RATES_VERIFIED_THROUGH,
    EcbRate,
    rate_in_force,
)
from services.billing.domain.late_interest import LatePayment, half_year_start, late_payment
from services.billing.domain.totals import compute_totals
from shared.contracts.billing import SupplierPaymentLate
from shared.errors import BusinessRuleViolation, Conflict, NotFound
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class PaySupplierInvoice:
    supplier_invoice_id: str
    paid_on: dt.date
    reference: str
    amount: Decimal | None = None  # default: the invoice's total incl. tax
    # The ECB rate of the half-year, when the rate table does not cover it yet (staff read it on the
    # ECB's site); refused when the table covers it and says otherwise.
    ecb_rate: Decimal | None = None


@dataclass(frozen=True)
class SupplierPaymentView:
    supplier_invoice_id: str
    number: str
    amount: Decimal
    paid_on: dt.date
    reference: str
    late: LatePayment


async def pay_supplier_invoice(
    command: PaySupplierInvoice, uow: UnitOfWork, *, actor: str
) -> SupplierPaymentView:
    """Record the payment of an approved supplier invoice, with the late interest and the 40 € indemnity
    it owes when after the deadline. Once per invoice (409 after). Commits."""
    invoice = await SupplierInvoiceRepository(uow.session).get(command.supplier_invoice_id, for_update=True)
    if invoice is None:
        raise NotFound(f"no supplier invoice {command.supplier_invoice_id}")
    if not invoice.rebillable:
        raise Conflict(
            f"supplier invoice {invoice.number} is {invoice.status.value}: only an approved one is paid"
        )
    payments = PaymentRepository(uow.session)
    key = uuid.UUID(invoice.id)
    if await payments.supplier_payment(key) is not None:
        raise Conflict(f"supplier invoice {invoice.number} is already paid")
    if command.paid_on < invoice.received_on:
        raise BusinessRuleViolation("an invoice is not paid before it was received", field="paid_on")
    amount = command.amount if command.amount is not None else compute_totals(invoice.lines).incl_tax
    if amount <= 0:
        raise BusinessRuleViolation(f"a payment is a positive amount, not {amount}", field="amount")
    late = late_payment(
        amount, invoice.received_on, command.paid_on, _rates(invoice.received_on, command.ecb_rate)
    )
    await payments.add_supplier_payment(
        {
            "supplier_invoice_id": key,
            "amount": amount,
            "paid_on": command.paid_on,
            "reference": command.reference,
            "deadline": late.deadline,
            "days_late": late.days_late,
            "interest_rate": late.interest_rate,
            "late_interest": late.interest,
            "indemnity": late.indemnity,
            "recorded_by": actor,
        }
    )
    if late.days_late > 0:
        uow.emit(
            SupplierPaymentLate(
                supplier_invoice_id=invoice.id,
                supplier_invoice_number=invoice.number,
                po_number=invoice.po_number,
                payment_deadline=late.deadline,
                paid_on=command.paid_on,
                late_interest=late.interest,
                indemnity=late.indemnity,
            )
        )
    await uow.commit()
    return SupplierPaymentView(invoice.id, invoice.number, amount, command.paid_on, command.reference, late)


def _rates(received_on: dt.date, given: Decimal | None) -> Sequence[EcbRate]:
    if given is None:
        return MAIN_REFINANCING_RATES
    start = half_year_start(syndicate_payment_deadline(received_on) + dt.timedelta(days=1))
    if start <= RATES_VERIFIED_THROUGH:
        known = rate_in_force(start)
        if known != given:
            raise BusinessRuleViolation(
                f"the ECB rate on {start} was {known} %, not {given} %", field="ecb_rate"
            )
        return MAIN_REFINANCING_RATES
    return (*MAIN_REFINANCING_RATES, EcbRate(start, given))


async def to_pay(until: dt.date, uow: UnitOfWork) -> list[dict[str, Any]]:
    """Approved supplier invoices not yet paid whose deadline falls on or before `until`, earliest first."""
    repository = SupplierInvoiceRepository(uow.session)
    found = []
    for row in await SupplierPaymentQueries(uow.session).unpaid_until(until):
        invoice = await repository.get(str(row.id))
        assert invoice is not None
        found.append(
            {
                "supplier_invoice_id": str(row.id),
                "number": row.number,
                "po_number": row.po_number,
                "received_on": row.received_on,
                "payment_deadline": row.payment_deadline,
                "total_incl_tax": compute_totals(invoice.lines).incl_tax,
            }
        )
    return found
