"""Bodies of the Chorus Pro connector API, payments, dunning and supplier payments. Writes refuse
unknown fields; amounts travel as decimal strings."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, Field, StringConstraints

from services.billing.domain.chorus_status import ChorusStatus
from services.billing.entrypoints.schemas import AmountIn, DecimalText, Strict
from services.billing.use_cases.transmission import Outcome
from shared.security.inputs import decimal_type

Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Siret = Annotated[str, StringConstraints(pattern=r"^\d{14}$")]
# Business dates and Chorus times stay within what date arithmetic (+30 days, reminders) can handle.
BusinessDate = Annotated[dt.date, Field(ge=dt.date(2000, 1, 1), le=dt.date(2999, 12, 31))]


def _bounded(value: dt.datetime) -> dt.datetime:
    if not 2000 <= value.year <= 2999:
        raise ValueError("a time between the years 2000 and 2999")
    return value


ChorusTime = Annotated[AwareDatetime, AfterValidator(_bounded)]
EcbRateIn = decimal_type(max_digits=5, decimal_places=2, ge=0, le=20)  # percent


class WaitingInvoiceOut(BaseModel):
    invoice_id: str
    number: str
    member_id: str
    issue_date: dt.date
    total_incl_tax: DecimalText
    action: str = Field(description='"deposit" (the Factur-X) or "complete" (documents of a suspended one).')
    attempts: int
    facturx_url: str = Field(description="The Factur-X to deposit, with the routing actually to be sent.")


class ClaimIn(Strict):
    connector: Text200 = Field(description="Which connector claims (recorded in the history).")


class ClaimOut(BaseModel):
    invoice_id: str
    number: str
    claim_id: str
    action: str
    lease_until: dt.datetime
    facturx_url: str
    filename: str
    syntax: str = "IN_DP_E2_CII_FACTURX"
    buyer_siret: str
    service_code: str | None
    commitment_number: str | None
    document_urls: list[str] = Field(
        default_factory=list, description="For a completion: the documents to send."
    )


class OutcomeIn(Strict):
    claim_id: Text200
    outcome: Outcome
    flux_number: Annotated[str, StringConstraints(max_length=50)] | None = Field(
        default=None, description="numeroFluxDepot, for a deposit."
    )
    at: ChorusTime | None = Field(default=None, description="dateDepot.")
    chorus_invoice_id: Annotated[str, StringConstraints(max_length=50)] | None = None
    reason: Reason | None = None
    retry_after_s: int | None = Field(
        default=None, ge=0, le=86400, description="A failure: wait before retrying."
    )


class StatusReportIn(Strict):
    status: ChorusStatus
    at: ChorusTime = Field(description="Chorus's dateHeureChangement, with its offset.")
    comment: Annotated[str, StringConstraints(max_length=2000)] | None = None


class StatusReportsIn(Strict):
    chorus_invoice_id: Annotated[str, StringConstraints(max_length=50)] | None = None
    statuses: list[StatusReportIn] = Field(min_length=1, max_length=100)


class RoutingIn(Strict):
    buyer_siret: Siret
    service_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    commitment_number: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    reason: Reason


class DocumentIn(Strict):
    filename: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    media_type: Annotated[str, StringConstraints(max_length=100)] = "application/pdf"
    content_base64: Annotated[str, StringConstraints(min_length=1, max_length=2_000_000)]


class DocumentsIn(Strict):
    comment: Reason
    documents: list[DocumentIn] = Field(min_length=1, max_length=10)


class ReplaceIn(Strict):
    reason: Reason


class ReplacedOut(BaseModel):
    rejected_invoice_id: str
    credit_note_number: str
    new_invoice_id: str
    new_invoice_number: str


class HistoryEntryOut(BaseModel):
    recorded_at: dt.datetime
    kind: str
    status: str | None
    status_at: dt.datetime | None
    detail: str | None
    actor: str


class ExchangeOut(BaseModel):
    at: dt.datetime
    operation: str
    http_status: int | None
    outcome: str
    duration_ms: int


class TransmissionOut(BaseModel):
    invoice_id: str
    number: str
    member_id: str
    stage: str
    action: str
    chorus_status: str | None
    blocked_reason: str | None
    claimed_by: str | None
    attempts: int
    flux_number: str | None
    chorus_invoice_id: str | None
    made_available_on: dt.date | None
    due_date: dt.date | None = Field(description="The legal due date (made available + 30 days), once known.")
    routing_override: dict[str, str | None] | None
    replaced_by: str | None
    history: list[HistoryEntryOut]
    exchanges: list[ExchangeOut]


# --- payments, balances, dunning ---------------------------------------------------------------------


class PaymentIn(Strict):
    invoice_id: str | None = Field(default=None, max_length=64)
    invoice_number: str | None = Field(default=None, max_length=30)
    amount: AmountIn = Field(examples=["1200.00"])
    paid_on: BusinessDate
    reference: Text200 = Field(description="The treasury statement's reference of the line.")


class PaymentOut(BaseModel):
    id: str
    invoice_id: str
    invoice_number: str
    member_id: str
    amount: DecimalText
    paid_on: dt.date
    reference: str


class StatementLineProblemOut(BaseModel):
    line: int
    reason: str


class ImportOut(BaseModel):
    imported: int
    payments: list[PaymentOut]


class BalanceLineOut(BaseModel):
    invoice_id: str
    number: str
    issue_date: dt.date
    due_date: dt.date
    due_date_is_provisional: bool
    total_incl_tax: DecimalText
    credited: DecimalText
    paid: DecimalText
    balance: DecimalText


class BalanceOut(BaseModel):
    member_id: str
    balance: DecimalText
    invoices: list[BalanceLineOut]


class DailyRunIn(Strict):
    on: BusinessDate = Field(description="The day to run for (the job's own runs use today in Paris).")


class DailyRunOut(BaseModel):
    on: dt.date
    overdue: int
    reminders: int
    resolved: int
    supplier_due: int
    supplier_late: int


class ReminderOut(BaseModel):
    id: str
    invoice_id: str
    invoice_number: str
    member_id: str
    level: str
    due_date: dt.date
    sent_on: dt.date
    balance: DecimalText
    text: str
    resolved_on: dt.date | None


class OverdueOut(BaseModel):
    invoice_id: str
    member_id: str
    due_date: dt.date
    overdue_since: dt.date
    resolved_on: dt.date | None


# --- the syndicate's payments to the contractor --------------------------------------------------------


class SupplierPaymentIn(Strict):
    paid_on: BusinessDate
    reference: Text200
    amount: AmountIn | None = Field(default=None, description="Default: the invoice's total incl. tax.")
    ecb_rate: EcbRateIn | None = Field(
        default=None,
        description="The ECB main refinancing rate (percent) of the half-year, only when the rate table "
        "does not cover it yet; refused when it contradicts the table.",
    )


class SupplierPaymentOut(BaseModel):
    supplier_invoice_id: str
    number: str
    amount: DecimalText
    paid_on: dt.date
    reference: str
    payment_deadline: dt.date
    days_late: int
    ecb_rate: DecimalText | None
    interest_rate: DecimalText | None = Field(
        description="Percent: the ECB rate of the half-year + 8 points."
    )
    late_interest: DecimalText
    indemnity: DecimalText
    total_owed_on_top: DecimalText


class ToPayOut(BaseModel):
    supplier_invoice_id: str
    number: str
    po_number: str
    received_on: dt.date
    payment_deadline: dt.date
    total_incl_tax: DecimalText
