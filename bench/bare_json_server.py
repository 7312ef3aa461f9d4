"""The baseline: a bare aiohttp JSON endpoint on a plain asyncio loop, nothing else."""

import sys

from aiohttp import web


async def hello(request: web.Request) -> web.Response:
    await request.read()
    return web.json_response({"success": True, "sessionId": "0" * 32})


app = web.Application()
app.router.add_post("/api/payments/session/create", hello)
# No access log: the backend under test runs without one too.
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=lambda *a: print("ready", flush=True))
