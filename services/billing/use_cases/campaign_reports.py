"""The campaign report (CSV and JSON: member, SIREN, pupils, each component, total) and the summary
presented to the Comité syndical."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from services.billing.adapters.campaigns import CampaignRecord, CampaignRepository
from services.billing.domain.contribution_invoice import french_amount
from services.billing.use_cases.campaigns import get_campaign
from shared.uow import UnitOfWork

COLUMNS = (
    "member_id",
    "name",
    "siren",
    "pupils",
    "base_amount",
    "optional_amount",
    "days_in_competence",
    "days_in_year",
    "yearly_part",
    "half_days",
    "half_day_amount",
    "subsidy_applied",
    "subsidy_remainder",
    "total",
    "invoice_number",
    "flags",
)


@dataclass(frozen=True)
class CampaignReport:
    campaign: CampaignRecord
    rows: list[dict[str, Any]]


async def campaign_report(campaign_id: str, uow: UnitOfWork) -> CampaignReport:
    campaign = await get_campaign(campaign_id, uow)
    repo = CampaignRepository(uow.session)
    identities = await repo.identities()
    numbers = await repo.invoice_numbers(campaign_id)
    rows = []
    for record in await repo.calls(campaign_id):
        call = record.call
        name, siren = identities.get(call.member_id, ("", ""))
        rows.append(
            {
                "member_id": call.member_id,
                "name": name,
                "siren": siren,
                "pupils": call.pupils,
                "base_amount": format(call.base_amount, "f"),
                "optional_amount": format(call.optional_amount, "f"),
                "days_in_competence": call.days_in_competence,
                "days_in_year": call.days_in_year,
                "yearly_part": format(call.yearly_part, "f"),
                "half_days": call.half_day_count,
                "half_day_amount": format(call.half_day_amount, "f"),
                "subsidy_applied": format(call.subsidy_applied, "f"),
                "subsidy_remainder": format(call.subsidy_remainder, "f"),
                "total": format(call.total, "f"),
                "invoice_number": numbers.get(call.member_id),
                "flags": [flag.value for flag in call.flags],
            }
        )
    return CampaignReport(campaign, rows)


def report_csv(report: CampaignReport) -> str:
    """Semicolon-separated with a BOM, as French spreadsheet software opens it; amounts with a dot."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.DictWriter(out, fieldnames=COLUMNS, delimiter=";", lineterminator="\r\n")
    writer.writeheader()
    for row in report.rows:
        writer.writerow(
            {**row, "invoice_number": row["invoice_number"] or "", "flags": " ".join(row["flags"])}
        )
    return out.getvalue()


def committee_summary(campaign: CampaignRecord) -> str:
    """A few lines in French for the Comité syndical: who is called, for how much, and why."""
    s, tariff = campaign.summary, campaign.tariff
    status = {
        "draft": "projet (non émis)",
        "issuing": "émission en cours",
        "issued": f"émis le {campaign.issue_date.strftime('%d/%m/%Y') if campaign.issue_date else ''}",
    }[campaign.status.value]
    lines = [
        f"Appels de contribution {campaign.year} : synthèse pour le Comité syndical",
        "",
        f"Barème : délibération {tariff['deliberation_number']} du {tariff['deliberation_date']} "
        f"(révision {tariff['revision']}) : {tariff['base_per_pupil']} € par élève (base), "
        f"{tariff['optional_per_pupil']} € par élève (accompagnement forfaitaire), "
        f"{tariff['half_day_rate']} € par demi-journée ; effectifs {tariff['pupil_count_school_year']} ; "
        f"prorata : {tariff['prorata_rule']}.",
        f"Statut : {status}.",
        f"Membres appelés : {s.members} (dont {s.members_with_option} avec l'accompagnement forfaitaire, "
        f"{s.prorated_members} au prorata) ; élèves : {s.pupils}.",
        f"Contribution de base (année entière) : {french_amount(s.base_amount)}.",
        f"Accompagnement forfaitaire (année entière) : {french_amount(s.optional_amount)}.",
        f"Part annuelle après prorata : {french_amount(s.yearly_part)}.",
        f"Accompagnement spécifique : {s.half_day_count} demi-journées, {french_amount(s.half_day_amount)}.",
        f"Subventions imputées : {french_amount(s.subsidy_applied)} ; reliquat reporté : "
        f"{french_amount(s.subsidy_remainder)}.",
        f"Total appelé : {french_amount(s.total)} (hors champ de la TVA).",
    ]
    if s.blocking_members:
        lines.append(
            f"À régulariser avant émission : {len(s.blocking_members)} membre(s) sans effectifs complets."
        )
    if campaign.status.value != "draft":
        lines.append(f"Factures émises : {campaign.issued_count} sur {s.members}.")
    return "\n".join(lines) + "\n"
