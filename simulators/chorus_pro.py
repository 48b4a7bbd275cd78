"""A stand-in for Chorus Pro behind the PISTE gateway, for the demo and the tests.

    python -m simulators.chorus_pro --port 8091

It implements what billing's built-in adapter speaks (`services/billing/adapters/chorus_piste.py`),
POST + JSON like the real API:
    POST /api/oauth/token                               OAuth2 client credentials (form)
    POST /cpro/factures/v1/deposer/flux                 fichierFlux (base64), nomFichier, syntaxeFlux
    POST /cpro/transverses/v1/consulterCR[Detaille]     the flow report of a numeroFluxDepot
    POST /cpro/factures/v1/rechercher/fournisseur       an invoice by numeroFacture
    POST /cpro/factures/v1/consulter/historique         the status history of an idFacture
    POST /cpro/factures/v1/completer                    the documents of a suspended invoice
Every API call needs a bearer token from the token endpoint and the `cpro-account` header
(base64 of the technical account's `login:password`).

A deposited invoice gets the statuses of the current scenario (default DEPOSEE, EN_COURS_ACHEMINEMENT,
MISE_A_DISPOSITION). The test bench steers it:
    PUT  /admin/mode {"mode": "ok" | "fail" | "timeout" | "lost", "delay_s": 5, "fail_next": 2}
        fail: 503; timeout: hangs `delay_s` then 503, nothing kept; lost: keeps the deposit then
        hangs `delay_s` (the answer is lost: a retry must not deposit twice); fail_next: only the next
        n API calls fail (503), then ok
    PUT  /admin/scenario {"statuses": [{"statut": "MISE_A_DISPOSITION", "at": "...", "commentaire": ""}]}
    POST /admin/invoices/{numero}/statuses {"statut": "A_RECYCLER", "at": "...", "commentaire": "..."}
    GET  /admin/state, POST /admin/reset
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import datetime as dt
import itertools
import logging
import secrets
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from simulators.contractor import serving

__all__ = ["ChorusProState", "build_app", "serving"]

log = logging.getLogger("simulators.chorus_pro")

Mode = Literal["ok", "fail", "timeout", "lost"]
SYNTAXES = ("IN_DP_E2_CII_FACTURX", "IN_DP_E1_CII_16B", "IN_DP_E1_UBL_INVOICE")
DEFAULT_SCENARIO = ("DEPOSEE", "EN_COURS_ACHEMINEMENT", "MISE_A_DISPOSITION")


@dataclass
class HeldInvoice:
    id: int
    number: str
    flux: str
    filename: str
    size: int
    statuses: list[dict[str, Any]] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)


@dataclass
class ChorusProState:
    client_id: str = "npdc-client"
    client_secret: str = "npdc-secret"  # noqa: S105 - the simulator's own demo credentials
    login: str = "TECH_NPDC@cpro.fr"
    password: str = "mot-de-passe-technique"  # noqa: S105 - the simulator's own demo credentials
    mode: Mode = "ok"
    delay_s: float = 30.0
    fail_next: int = 0
    scenario: list[dict[str, Any]] = field(default_factory=lambda: [{"statut": s} for s in DEFAULT_SCENARIO])
    tokens: set[str] = field(default_factory=set)
    flows: dict[str, dict[str, Any]] = field(default_factory=dict)
    invoices: dict[int, HeldInvoice] = field(default_factory=dict)
    deposits: dict[str, int] = field(default_factory=dict)  # per invoice number: how many deposits taken
    calls: list[str] = field(default_factory=list)
    _ids: Any = field(default_factory=lambda: itertools.count(1001))

    def by_number(self, number: str) -> HeldInvoice | None:
        return next((i for i in self.invoices.values() if i.number == number), None)


class ModeIn(BaseModel):
    mode: Mode = "ok"
    delay_s: float = 30.0
    fail_next: int = 0


class StatusIn(BaseModel):
    statut: str
    at: dt.datetime | None = None
    commentaire: str | None = None


class ScenarioIn(BaseModel):
    statuses: list[StatusIn]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _entry(status: StatusIn | dict[str, Any]) -> dict[str, Any]:
    s = status if isinstance(status, StatusIn) else StatusIn(**status)
    return {
        "statut": s.statut,
        "dateHeureChangement": (s.at or _now()).isoformat(),
        "commentaire": s.commentaire,
    }


def build_app(state: ChorusProState | None = None) -> FastAPI:
    state = state or ChorusProState()
    app = FastAPI(title="Chorus Pro (PISTE) simulator")
    app.state.chorus = state
    account = base64.b64encode(f"{state.login}:{state.password}".encode()).decode()

    def error(status: int, code: int | str, message: str) -> JSONResponse:
        return JSONResponse({"codeRetour": code, "libelle": message}, status_code=status)

    async def guard(request: Request, operation: str) -> tuple[dict[str, Any] | None, JSONResponse | None]:
        """Authentication, then the failure modes; the body when the call may proceed."""
        state.calls.append(operation)
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth.removeprefix("Bearer ") not in state.tokens:
            return None, error(401, 401, "jeton PISTE absent ou invalide")
        if request.headers.get("cpro-account") != account:
            return None, error(403, 20001, "compte technique Chorus Pro (cpro-account) invalide")
        if state.fail_next > 0:
            state.fail_next -= 1
            return None, error(503, 503, "service indisponible")
        if state.mode == "fail":
            return None, error(503, 503, "service indisponible")
        if state.mode == "timeout":
            await asyncio.sleep(state.delay_s)
            return None, error(503, 503, "service indisponible")
        try:
            body = await request.json()
        except ValueError:
            return None, error(400, 10001, "corps JSON invalide")
        return (body if isinstance(body, dict) else {}), None

    @app.post("/api/oauth/token")
    async def token(request: Request) -> JSONResponse:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        if (
            form.get("grant_type") != "client_credentials"
            or form.get("client_id") != state.client_id
            or form.get("client_secret") != state.client_secret
        ):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        value = secrets.token_urlsafe(24)
        state.tokens.add(value)
        return JSONResponse(
            {"access_token": value, "token_type": "Bearer", "expires_in": 3600, "scope": "openid"}
        )

    @app.post("/cpro/factures/v1/deposer/flux")
    async def deposit(request: Request) -> JSONResponse:
        body, refused = await guard(request, "deposer/flux")
        if refused:
            return refused
        assert body is not None
        name, syntax = str(body.get("nomFichier") or ""), body.get("syntaxeFlux")
        try:
            content = base64.b64decode(str(body.get("fichierFlux") or ""), validate=True)
        except ValueError:
            return error(400, 10002, "fichierFlux n'est pas du base64")
        if syntax not in SYNTAXES or not name:
            return error(400, 10003, f"syntaxeFlux {syntax!r} ou nomFichier invalide")
        flux = f"CPP{next(state._ids):010d}"
        number = name.rsplit(".", 1)[0]
        # A Factur-X is a PDF: anything else is taken, then rejected at integration (IN_REJETE).
        integrated = content.startswith(b"%PDF")
        state.flows[flux] = {"number": number, "state": "IN_INTEGRE" if integrated else "IN_REJETE"}
        if integrated:
            state.deposits[number] = state.deposits.get(number, 0) + 1
            held = state.by_number(number)
            if held is None:
                held = HeldInvoice(next(state._ids), number, flux, name, len(content))
                state.invoices[held.id] = held
            held.flux = flux
            held.statuses.extend(_entry(s) for s in state.scenario)
            state.flows[flux]["idFacture"] = held.id
        if state.mode == "lost":
            await asyncio.sleep(state.delay_s)
            return error(503, 503, "service indisponible")
        return JSONResponse(
            {
                "codeRetour": 0,
                "libelle": "GCU_MSG_01_000",
                "numeroFluxDepot": flux,
                "dateDepot": _now().isoformat(),
            }
        )

    async def flow_report(request: Request, operation: str) -> JSONResponse:
        body, refused = await guard(request, operation)
        if refused:
            return refused
        assert body is not None
        flow = state.flows.get(str(body.get("numeroFluxDepot")))
        if flow is None:
            return error(404, 20002, "flux inconnu")
        invoices = (
            [{"idFacture": flow["idFacture"], "numeroFacture": flow["number"]}] if "idFacture" in flow else []
        )
        return JSONResponse(
            {
                "codeRetour": 0,
                "libelle": "OK",
                "etatCourantDepotFlux": flow["state"],
                "listeFactures": invoices,
            }
        )

    @app.post("/cpro/transverses/v1/consulterCR")
    async def consult_cr(request: Request) -> JSONResponse:
        return await flow_report(request, "consulterCR")

    @app.post("/cpro/transverses/v1/consulterCRDetaille")
    async def consult_cr_detailed(request: Request) -> JSONResponse:
        return await flow_report(request, "consulterCRDetaille")

    @app.post("/cpro/factures/v1/rechercher/fournisseur")
    async def search(request: Request) -> JSONResponse:
        body, refused = await guard(request, "rechercher/fournisseur")
        if refused:
            return refused
        assert body is not None
        held = state.by_number(str(body.get("numeroFacture")))
        found = (
            [
                {
                    "idFacture": held.id,
                    "numeroFacture": held.number,
                    "numeroFluxDepot": held.flux,
                    "statut": held.statuses[-1]["statut"] if held.statuses else "DEPOSEE",
                }
            ]
            if held
            else []
        )
        return JSONResponse({"codeRetour": 0, "libelle": "OK", "listeFactures": found})

    @app.post("/cpro/factures/v1/consulter/historique")
    async def history(request: Request) -> JSONResponse:
        body, refused = await guard(request, "consulter/historique")
        if refused:
            return refused
        assert body is not None
        held = state.invoices.get(int(body.get("idFacture") or 0))
        if held is None:
            return error(404, 20003, "facture inconnue")
        return JSONResponse(
            {
                "codeRetour": 0,
                "libelle": "OK",
                "idFacture": held.id,
                "historiquesDesStatuts": {"histoStatut": held.statuses},
            }
        )

    @app.post("/cpro/factures/v1/completer")
    async def complete(request: Request) -> JSONResponse:
        body, refused = await guard(request, "completer")
        if refused:
            return refused
        assert body is not None
        held = state.invoices.get(int(body.get("idFacture") or 0))
        if held is None:
            return error(404, 20003, "facture inconnue")
        if not held.statuses or held.statuses[-1]["statut"] != "SUSPENDUE":
            return error(400, 20004, "seule une facture suspendue peut être complétée")
        held.documents.extend(p.get("pieceJointeNom", "") for p in body.get("listePiecesJointes") or [])
        held.statuses.append(_entry({"statut": "COMPLETEE", "commentaire": body.get("commentaire")}))
        return JSONResponse({"codeRetour": 0, "libelle": "OK", "idFacture": held.id})

    # --- the test bench's controls ----------------------------------------------------------------------

    @app.put("/admin/mode")
    async def set_mode(body: ModeIn) -> dict[str, Any]:
        state.mode, state.delay_s, state.fail_next = body.mode, body.delay_s, body.fail_next
        return {"mode": state.mode, "delay_s": state.delay_s, "fail_next": state.fail_next}

    @app.put("/admin/scenario")
    async def set_scenario(body: ScenarioIn) -> dict[str, Any]:
        state.scenario = [s.model_dump() for s in body.statuses]
        return {"statuses": [s.statut for s in body.statuses]}

    @app.post("/admin/invoices/{number}/statuses")
    async def add_status(number: str, body: StatusIn) -> JSONResponse:
        held = state.by_number(number)
        if held is None:
            return JSONResponse({"detail": f"no invoice {number}"}, status_code=404)
        held.statuses.append(_entry(body))
        return JSONResponse({"idFacture": held.id, "statuses": [s["statut"] for s in held.statuses]})

    @app.get("/admin/state")
    async def read_state() -> dict[str, Any]:
        return {
            "mode": state.mode,
            "deposits": state.deposits,
            "calls": state.calls,
            "invoices": {
                i.number: {
                    "idFacture": i.id,
                    "flux": i.flux,
                    "statuses": [s["statut"] for s in i.statuses],
                    "documents": i.documents,
                }
                for i in state.invoices.values()
            },
        }

    @app.post("/admin/reset")
    async def reset() -> dict[str, str]:
        fresh = ChorusProState(
            client_id=state.client_id,
            client_secret=state.client_secret,
            login=state.login,
            password=state.password,
        )
        for name in (
            "mode",
            "delay_s",
            "fail_next",
            "scenario",
            "tokens",
            "flows",
            "invoices",
            "deposits",
            "calls",
        ):
            setattr(state, name, getattr(fresh, name))
        return {"status": "reset"}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m simulators.chorus_pro", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8091)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    import uvicorn

    uvicorn.run(build_app(), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
