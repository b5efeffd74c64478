"""A tiny round-robin HTTP proxy for the scale-out topology (several Rasa replicas behind one port).

Each request goes to the next replica in turn, so one sender's turns alternate between replicas;
the shared PostgreSQL tracker store and Redis lock store keep the conversation whole. It also
records which replica served each request (`X-Wegwijzer-Replica` response header)."""

from __future__ import annotations

import argparse
import itertools
import logging

from aiohttp import ClientSession, ClientTimeout, web

log = logging.getLogger(__name__)
HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "host", "content-length"}


def make_app(backends: list[str]) -> web.Application:
    cycle = itertools.cycle(range(len(backends)))

    async def forward(request: web.Request) -> web.StreamResponse:
        index = next(cycle)
        target = backends[index] + request.rel_url.path_qs
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_HEADERS}
        session: ClientSession = request.app["session"]
        try:
            async with session.request(request.method, target, data=body, headers=headers) as upstream:
                payload = await upstream.read()
                out_headers = {k: v for k, v in upstream.headers.items() if k.lower() not in HOP_HEADERS}
                out_headers["X-Wegwijzer-Replica"] = str(index)
                return web.Response(status=upstream.status, body=payload, headers=out_headers)
        except Exception as error:
            log.error("replica %s failed: %s", backends[index], error)
            return web.json_response({"error": "replica unavailable"}, status=502)

    async def startup(app: web.Application) -> None:
        app["session"] = ClientSession(timeout=ClientTimeout(total=120))

    async def cleanup(app: web.Application) -> None:
        await app["session"].close()

    app = web.Application(client_max_size=4 * 1024 * 1024)
    app.on_startup.append(startup)
    app.on_cleanup.append(cleanup)
    app.router.add_route("*", "/{tail:.*}", forward)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.ops.proxy")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--backend", action="append", required=True, help="http://127.0.0.1:PORT (repeat)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    web.run_app(make_app([b.rstrip("/") for b in args.backend]), host="127.0.0.1", port=args.port, print=None)


if __name__ == "__main__":
    main()
