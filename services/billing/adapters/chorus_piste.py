"""The built-in Chorus Pro adapter: the PISTE gateway's API over httpx.

Authentication: an OAuth2 client-credentials token from PISTE (kept until shortly before it expires,
fetched again on a 401), plus the `cpro-account` header, base64 of the technical account's
`login:password`. Everything is POST + JSON. Every request is appended to the caller's exchange log
(operation, HTTP status, outcome, duration), and nothing secret is ever logged or recorded: not the
client secret, the token, the password, nor the file.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import time
from typing import Any

import httpx

from services.billing.domain.chorus_gateway import (
    ChorusError,
    DepositReceipt,
    Exchange,
    FlowReport,
    FoundInvoice,
)
from services.billing.domain.chorus_status import ChorusStatus, StatusReport
from shared.clock import PARIS
from shared.db import utcnow

log = logging.getLogger(__name__)

SYNTAX_FACTURX = "IN_DP_E2_CII_FACTURX"
DEPOSIT = "cpro/factures/v1/deposer/flux"
FLOW_REPORT = "cpro/transverses/v1/consulterCRDetaille"
SEARCH = "cpro/factures/v1/rechercher/fournisseur"
HISTORY = "cpro/factures/v1/consulter/historique"
COMPLETE = "cpro/factures/v1/completer"


class PisteChorusGateway:
    def __init__(
        self,
        *,
        api_url: str,
        oauth_url: str,
        client_id: str,
        client_secret: str,
        login: str,
        password: str,
        timeout_s: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._api_url = api_url.rstrip("/")
        self._oauth_url = oauth_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._account = base64.b64encode(f"{login}:{password}".encode()).decode()
        self._timeout = timeout_s
        self._transport = transport
        self._token: str | None = None
        self._token_until = 0.0

    def __repr__(self) -> str:  # never the secrets, even in a traceback's locals
        return f"PisteChorusGateway({self._api_url!r})"

    async def _access_token(self, client: httpx.AsyncClient, exchanges: list[Exchange]) -> str:
        if self._token is not None and time.monotonic() < self._token_until:
            return self._token
        body = await self._call(
            client,
            "oauth/token",
            exchanges,
            lambda: client.post(
                self._oauth_url,
                data={
                    "grant_type": "client_credentials",
                    "client_id": self._client_id,
                    "client_secret": self._client_secret,
                    "scope": "openid",
                },
            ),
        )
        token = body.get("access_token")
        if not isinstance(token, str):
            raise ChorusError("the PISTE token answer has no access_token", retryable=True)
        self._token = token
        # A minute early: a token that expires on the way is a wasted deposit attempt.
        self._token_until = time.monotonic() + max(0.0, float(body.get("expires_in", 3600)) - 60)
        return token

    async def _api(self, path: str, payload: dict[str, Any], exchanges: list[Exchange]) -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=self._timeout, transport=self._transport) as client:
            for attempt in (1, 2):
                token = await self._access_token(client, exchanges)
                headers = {
                    "Authorization": f"Bearer {token}",
                    "cpro-account": self._account,
                    "Content-Type": "application/json;charset=utf-8",
                    "Accept": "application/json",
                }
                try:
                    return await self._call(
                        client,
                        path,
                        exchanges,
                        lambda h=headers: client.post(f"{self._api_url}/{path}", json=payload, headers=h),
                    )
                except _Unauthorized:
                    self._token = None  # expired or revoked: one fresh token, then give up
                    if attempt == 2:
                        raise ChorusError(
                            f"{path}: refused by PISTE (401) with a fresh token", retryable=False
                        ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    async def _call(
        self, client: httpx.AsyncClient, operation: str, exchanges: list[Exchange], send: Any
    ) -> Any:
        started, at = time.monotonic(), utcnow()

        def record(status: int | None, outcome: str) -> None:
            exchanges.append(
                Exchange(at, operation, status, outcome[:500], int((time.monotonic() - started) * 1000))
            )

        try:
            response: httpx.Response = await send()
        except httpx.TimeoutException:
            record(None, "timeout")
            raise ChorusError(f"{operation}: timed out", retryable=True) from None
        except httpx.HTTPError as exc:
            record(None, f"unreachable: {type(exc).__name__}")
            raise ChorusError(f"{operation}: unreachable ({type(exc).__name__})", retryable=True) from None
        if response.status_code == 401 and operation != "oauth/token":
            record(401, "unauthorized")
            raise _Unauthorized()
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 500 or response.status_code == 429:
            record(response.status_code, "server error")
            raise ChorusError(f"{operation}: Chorus Pro answered {response.status_code}", retryable=True)
        if response.status_code >= 400 or not isinstance(body, dict):
            record(response.status_code, f"refused: {_summary(body)}")
            raise ChorusError(
                f"{operation}: refused ({response.status_code}) {_summary(body)}", retryable=False
            )
        code = body.get("codeRetour", 0)
        if code not in (0, "0", None):
            record(response.status_code, f"codeRetour {code}: {body.get('libelle', '')}")
            raise ChorusError(f"{operation}: codeRetour {code} {body.get('libelle', '')}", retryable=False)
        record(response.status_code, "ok" if operation == "oauth/token" else f"ok {_summary(body)}")
        return body

    # --- the port ---------------------------------------------------------------------------------------

    async def deposit(self, filename: str, content: bytes, log: list[Exchange]) -> DepositReceipt:
        body = await self._api(
            DEPOSIT,
            {
                "fichierFlux": base64.b64encode(content).decode(),
                "nomFichier": filename,
                "syntaxeFlux": SYNTAX_FACTURX,
                "avecSignature": False,
            },
            log,
        )
        flux = body.get("numeroFluxDepot")
        if not flux:
            raise ChorusError("deposer/flux answered without numeroFluxDepot", retryable=False)
        return DepositReceipt(str(flux), _instant(body.get("dateDepot")))

    async def find_invoice(self, number: str, log: list[Exchange]) -> FoundInvoice | None:
        body = await self._api(SEARCH, {"numeroFacture": number, "rechercheFactureParFournisseur": {}}, log)
        for found in body.get("listeFactures") or []:
            if found.get("numeroFacture") == number:
                flux = found.get("numeroFluxDepot")
                return FoundInvoice(str(found["idFacture"]), str(flux) if flux else None)
        return None

    async def flow_report(self, flux_number: str, log: list[Exchange]) -> FlowReport:
        body = await self._api(
            FLOW_REPORT, {"numeroFluxDepot": flux_number, "syntaxeFlux": SYNTAX_FACTURX}, log
        )
        invoices = body.get("listeFactures") or []
        chorus_id = invoices[0].get("idFacture") if invoices else None
        return FlowReport(
            state=str(body.get("etatCourantDepotFlux", "")),
            chorus_invoice_id=str(chorus_id) if chorus_id is not None else None,
            detail=body.get("libelle"),
        )

    async def status_history(self, chorus_invoice_id: str, log: list[Exchange]) -> list[StatusReport]:
        if not chorus_invoice_id.isdigit():
            raise ChorusError(f"{chorus_invoice_id!r} is not a Chorus Pro invoice id", retryable=False)
        body = await self._api(HISTORY, {"idFacture": int(chorus_invoice_id)}, log)
        history = (body.get("historiquesDesStatuts") or {}).get("histoStatut") or []
        reports = []
        for entry in history:
            try:
                status = ChorusStatus(entry["statut"])
            except (KeyError, ValueError):
                continue  # a status this version does not know: kept in the exchange log, not applied
            reports.append(
                StatusReport(status, _instant(entry.get("dateHeureChangement")), entry.get("commentaire"))
            )
        return reports

    async def complete(
        self, chorus_invoice_id: str, documents: list[tuple[str, bytes]], comment: str, log: list[Exchange]
    ) -> None:
        if not chorus_invoice_id.isdigit():
            raise ChorusError(f"{chorus_invoice_id!r} is not a Chorus Pro invoice id", retryable=False)
        await self._api(
            COMPLETE,
            {
                "idFacture": int(chorus_invoice_id),
                "commentaire": comment,
                "listePiecesJointes": [
                    {"pieceJointeNom": name, "pieceJointeContenu": base64.b64encode(data).decode()}
                    for name, data in documents
                ],
            },
            log,
        )


class _Unauthorized(Exception):
    pass


def _summary(body: Any) -> str:
    """What of an answer is worth keeping: its codes and ids, never a file."""
    if not isinstance(body, dict):
        return "no JSON body"
    keys = ("codeRetour", "libelle", "numeroFluxDepot", "etatCourantDepotFlux", "idFacture")
    return ", ".join(f"{k}={body[k]}" for k in keys if k in body)


def _instant(text: Any) -> dt.datetime:
    if not isinstance(text, str):
        return utcnow()
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return utcnow()
    # Chorus Pro gives its times without an offset: they are Paris times.
    return value if value.tzinfo else value.replace(tzinfo=PARIS)
