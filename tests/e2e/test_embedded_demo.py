"""`make run`'s application: the demo is seeded through the protected API and the printed tokens work."""

from __future__ import annotations

import contextlib
import io
import re

import httpx
from asgi_lifespan import LifespanManager

from launcher.embedded import build_app
from tests.e2e.flow import until


async def test_the_embedded_demo_seeds_through_the_api_and_prints_working_tokens(tmp_path) -> None:
    printed = io.StringIO()
    app = build_app(tmp_path / "data", key_dir=tmp_path / "keys")
    with contextlib.redirect_stdout(printed):
        async with LifespanManager(app, startup_timeout=120):
            tokens = dict(re.findall(r"^  (\w+)[^\n]*:\n    (\S+)$", printed.getvalue(), re.MULTILINE))
            assert set(tokens) == {
                "admin",
                "finance",
                "procurement",
                "viewer",
                "member",
                "contractor",
                "connector",
            }, printed.getvalue()
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://embedded") as client:
                anonymous = await client.get("/v1/invoices")
                assert anonymous.status_code == 401

                def auth(role: str) -> dict[str, str]:
                    return {"Authorization": f"Bearer {tokens[role]}"}

                members = (await client.get("/v1/members", headers=auth("viewer"))).json()["items"]
                assert len(members) >= 3

                # The demo's marketplace flow ran for the member the member token is bound to.
                async def invoiced() -> httpx.Response | None:  # rebilling is a consumer: soon, not at once
                    found = await client.get("/v1/invoices", headers=auth("member"))
                    return found if found.status_code != 200 or found.json()["items"] else None

                mine = await until(invoiced, timeout=30)
                assert mine.status_code == 200 and len(mine.json()["items"]) == 1
                everyone = await client.get("/v1/invoices", headers=auth("finance"))
                assert {i["buyer"]["member_id"] for i in everyone.json()["items"]} == {
                    i["buyer"]["member_id"] for i in mine.json()["items"]
                }
                refused = await client.post("/v1/members", json={}, headers=auth("member"))
                assert refused.status_code == 403
