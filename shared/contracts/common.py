"""Value shapes several contracts share."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

Amount = Annotated[Decimal, PlainSerializer(lambda v: format(v, "f"), return_type=str)]


class ChorusRequirement(StrEnum):
    """What a recipient requires on an invoice routed through Chorus Pro."""

    NONE = "none"
    SERVICE_CODE = "service_code"
    COMMITMENT_NUMBER = "commitment_number"
    BOTH = "both"
    EITHER = "either"


class PostalAddress(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    line1: str = Field(max_length=200)
    line2: str | None = Field(default=None, max_length=200)
    postcode: str = Field(max_length=10)
    city: str = Field(max_length=100)
    country_code: str = Field(default="FR", min_length=2, max_length=2)


class PartySnapshot(BaseModel):
    """Who a document is addressed to, as it was when the fact happened."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    member_id: str
    name: str
    siren: str
    siret: str
    address: PostalAddress
    service_code: str | None = None
    chorus_requirement: ChorusRequirement = ChorusRequirement.NONE


class DocumentLine(BaseModel):
    """A priced line as ordered, invoiced or rebilled."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    line_no: int = Field(ge=1)
    item_code: str
    label: str
    unit: str
    quantity: Amount
    unit_price: Amount = Field(description="Unit price excluding tax, euros.")
    vat_category: str = Field(description="EN 16931 VAT category code (S, O, E, Z...).")
    vat_rate: Amount = Field(description="Percent, e.g. 20.00.")
