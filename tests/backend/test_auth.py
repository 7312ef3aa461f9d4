"""Who may call what: tokens, roles, Host header, no CORS."""

from __future__ import annotations

from tests.backend.api import ADMIN_TOKEN


async def test_no_token_is_401(api):
    async with api.http.get(api.base + "/api/products") as reply:
        assert reply.status == 401
        assert (await reply.json())["code"] == "unauthorized"


async def test_a_wrong_token_is_401(api):
    reply = await api.call("GET", "/api/products", token="guess")
    assert reply.status == 401


async def test_the_kiosk_token_cannot_list_active_sessions(api):
    reply = await api.call("GET", "/api/payments/sessions/active")
    assert (reply.status, reply.body["code"]) == (403, "forbidden")


async def test_the_admin_token_lists_active_sessions_and_may_use_kiosk_routes(api):
    session_id = await api.session()
    listed = await api.call("GET", "/api/payments/sessions/active", token=ADMIN_TOKEN)
    assert listed.status == 200
    assert [s["sessionId"] for s in listed.body["sessions"]] == [session_id]
    assert listed.body["total"] == 1
    assert (await api.call("GET", "/api/products", token=ADMIN_TOKEN)).status == 200


async def test_health_needs_no_token(api):
    async with api.http.get(api.base + "/api/health") as reply:
        assert reply.status == 200


async def test_a_foreign_host_header_is_refused(api):
    # what a DNS-rebinding page would send from the browser
    reply = await api.call("GET", "/api/products", headers={"Host": "evil.example:80"})
    assert (reply.status, reply.body["code"]) == (400, "bad_host")


async def test_localhost_by_name_is_accepted(api):
    port = api.base.rsplit(":", 1)[1].rstrip("/")
    reply = await api.call("GET", "/api/products", headers={"Host": f"localhost:{port}"})
    assert reply.status == 200


async def test_no_cors_headers_even_when_asked(api):
    async with api.http.options(api.base + "/api/products",
                                headers={"Origin": "http://evil.example",
                                         "Access-Control-Request-Method": "GET"}) as reply:
        assert not any(h.lower().startswith("access-control-") for h in reply.headers)
    async with api.http.get(api.base + "/api/health", headers={"Origin": "http://evil.example"}) as reply:
        assert "Access-Control-Allow-Origin" not in reply.headers


async def test_fault_routes_do_not_exist_outside_tester_mode(start_app):
    api, _, _ = await start_app(tester=False)
    reply = await api.call("PUT", "/api/dev/faults", {"mode": "offline"})
    assert reply.status == 404
