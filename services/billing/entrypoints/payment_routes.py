"""HTTP routes of payments (encaissements), balances, dunning (relances) and the syndicate's own
payments to the contractor."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, UploadFile, status

from services.billing.domain.payment import Payment
from services.billing.domain.statement import ZERO
from services.billing.entrypoints.chorus_schemas import (
    BalanceLineOut,
    BalanceOut,
    DailyRunIn,
    DailyRunOut,
    ImportOut,
    OverdueOut,
    PaymentIn,
    PaymentOut,
    ReminderOut,
    SupplierPaymentIn,
    SupplierPaymentOut,
    ToPayOut,
)
from services.billing.use_cases import dunning, payments, supplier_payments
from shared.clock import paris_today
from shared.errors import BusinessRuleViolation
from shared.http.problems import problem
from shared.runtime import ServiceRuntime
from shared.security.dependencies import CurrentPrincipal
from shared.security.isolation import ensure_member_owns, member_filter

MAX_STATEMENT_BYTES = 1_000_000


def _payment_out(p: Payment) -> PaymentOut:
    return PaymentOut(
        id=p.id,
        invoice_id=p.invoice_id,
        invoice_number=p.invoice_number,
        member_id=p.member_id,
        amount=p.amount,
        paid_on=p.paid_on,
        reference=p.reference,
    )


def _reminder_out(r: Any) -> ReminderOut:
    return ReminderOut(
        id=str(r.id),
        invoice_id=str(r.invoice_id),
        invoice_number=r.invoice_number,
        member_id=r.member_id,
        level=r.level,
        due_date=r.due_date,
        sent_on=r.sent_on,
        balance=r.balance,
        text=r.text,
        resolved_on=r.resolved_on,
    )


def build_payment_router(runtime: ServiceRuntime) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["payments"])

    @router.post(
        "/payments",
        status_code=status.HTTP_201_CREATED,
        response_model=PaymentOut,
        summary="Record a member payment from the treasury's statement",
    )
    async def record_payment(body: PaymentIn, principal: CurrentPrincipal) -> PaymentOut:
        """One statement line: the invoice (by id or number), amount, date, reference. Partial payments
        are fine; more than the invoice's balance is refused (422); a reference already recorded: 409."""
        if (body.invoice_id is None) == (body.invoice_number is None):
            raise BusinessRuleViolation("give the invoice_id or the invoice_number", field="invoice_id")
        command = payments.RecordPayment(
            body.amount,
            body.paid_on,
            body.reference,
            invoice_id=body.invoice_id,
            invoice_number=body.invoice_number,
        )
        async with runtime.unit_of_work() as uow:
            return _payment_out(await payments.record_payment(command, uow, actor=principal.name))

    @router.post(
        "/payments/statements",
        status_code=status.HTTP_201_CREATED,
        response_model=ImportOut,
        summary="Import a treasury statement (CSV)",
    )
    async def import_statement(file: Annotated[UploadFile, File()], principal: CurrentPrincipal) -> Any:
        """`invoice_number;amount;paid_on;reference`. All lines or none: any bad line refuses the file
        (422) and the answer lists every bad line with its reason."""
        raw = await file.read(MAX_STATEMENT_BYTES + 1)
        if len(raw) > MAX_STATEMENT_BYTES:
            raise BusinessRuleViolation("the statement is larger than 1 MB", field="file")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252")  # what a spreadsheet on Windows writes
        async with runtime.unit_of_work() as uow:
            try:
                recorded = await payments.import_statement(text, uow, actor=principal.name)
            except payments.StatementRefused as refused:
                return problem(
                    422,
                    "business-rule",
                    "Statement refused",
                    refused.detail,
                    errors=[
                        {"field": f"file.line{p.line}", "line": p.line, "reason": p.reason}
                        for p in refused.problems
                    ],
                    instance="/v1/payments/statements",
                )
        return ImportOut(imported=len(recorded), payments=[_payment_out(p) for p in recorded])

    @router.get("/members-balances/{member_id}", response_model=BalanceOut, summary="A member's balance")
    async def balance(member_id: str, principal: CurrentPrincipal) -> BalanceOut:
        """Per invoice: amount, credited, paid, what is left, and the due date (legal once made available)."""
        ensure_member_owns(principal, member_id, what="member")
        async with runtime.unit_of_work() as uow:
            lines = await payments.balances(uow, member_id)
        return BalanceOut(
            member_id=member_id,
            balance=sum((line["balance"] for line in lines), ZERO),
            invoices=[BalanceLineOut(**line) for line in lines],
        )

    @router.post("/dunning/run", response_model=DailyRunOut, summary="Run the daily dunning job now")
    async def run_daily(body: DailyRunIn) -> DailyRunOut:
        """Overdue invoices, reminders J-7, J, J+15, J+30, the syndicate's own deadlines. Idempotent."""
        async with runtime.unit_of_work() as uow:
            run = await dunning.run_daily(body.on, uow)
        return DailyRunOut(**run.__dict__)

    @router.get("/reminders", response_model=list[ReminderOut], summary="Reminders sent (a member: its own)")
    async def list_reminders(
        principal: CurrentPrincipal,
        member_id: Annotated[str | None, Query(max_length=64)] = None,
        invoice_id: Annotated[str | None, Query(max_length=64)] = None,
    ) -> list[ReminderOut]:
        async with runtime.unit_of_work() as uow:
            found = await dunning.reminders_of(
                uow, member_id=member_filter(principal, member_id), invoice_id=invoice_id
            )
        return [_reminder_out(r) for r in found]

    @router.get("/overdue-invoices", response_model=list[OverdueOut], summary="Invoices that went overdue")
    async def list_overdue(
        principal: CurrentPrincipal, member_id: Annotated[str | None, Query(max_length=64)] = None
    ) -> list[OverdueOut]:
        async with runtime.unit_of_work() as uow:
            found = await dunning.overdue_of(uow, member_id=member_filter(principal, member_id))
        return [
            OverdueOut(
                invoice_id=str(r.invoice_id),
                member_id=r.member_id,
                due_date=r.due_date,
                overdue_since=r.overdue_since,
                resolved_on=r.resolved_on,
            )
            for r in found
        ]

    @router.post(
        "/supplier-invoices/{invoice_id}/payment",
        status_code=status.HTTP_201_CREATED,
        response_model=SupplierPaymentOut,
        summary="Pay a contractor's invoice (late interest computed)",
    )
    async def pay_supplier(
        invoice_id: str, body: SupplierPaymentIn, principal: CurrentPrincipal
    ) -> SupplierPaymentOut:
        command = supplier_payments.PaySupplierInvoice(
            invoice_id, body.paid_on, body.reference, body.amount, body.ecb_rate
        )
        async with runtime.unit_of_work() as uow:
            paid = await supplier_payments.pay_supplier_invoice(command, uow, actor=principal.name)
        late = paid.late
        return SupplierPaymentOut(
            supplier_invoice_id=paid.supplier_invoice_id,
            number=paid.number,
            amount=paid.amount,
            paid_on=paid.paid_on,
            reference=paid.reference,
            payment_deadline=late.deadline,
            days_late=late.days_late,
            ecb_rate=late.ecb_rate,
            interest_rate=late.interest_rate,
            late_interest=late.interest,
            indemnity=late.indemnity,
            total_owed_on_top=late.total,
        )

    @router.get(
        "/supplier-payments/to-pay",
        response_model=list[ToPayOut],
        summary="Approved contractor invoices to pay, by deadline",
    )
    async def to_pay(until: dt.date | None = None) -> list[ToPayOut]:
        """Not yet paid, deadline on or before `until` (default: in 30 days), earliest first."""
        async with runtime.unit_of_work() as uow:
            found = await supplier_payments.to_pay(until or paris_today() + dt.timedelta(days=30), uow)
        return [ToPayOut(**row) for row in found]

    return router
