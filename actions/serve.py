"""Action server launcher: Rasa SDK's own Sanic app, served in ONE process.

rasa-sdk's CLI goes through Sanic's worker manager, which starts a second process and, with the ML
stack imported, either loads the model twice (spawn) or fails (fork). Serving the same app with
`single_process=True` keeps one process that loads the model and index once, bound to loopback."""

from __future__ import annotations

import argparse
import logging
import os

from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor

from bot import settings


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m actions.serve")
    parser.add_argument("--port", type=int, default=settings.ACTION_PORT)
    parser.add_argument("--host", default=os.environ.get("ACTION_HOST", "127.0.0.1"))
    parser.add_argument("--actions", default="actions.actions")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s - %(message)s")
    executor = ActionExecutor()
    executor.register_package(args.actions)
    from bot.dialogue.assistant import get_assistant
    from bot.dialogue.knm_practice import get_practice

    get_assistant()  # knowledge, index and model load once, before the first request
    get_practice()  # and the KNM practice bank
    app = create_app(executor, cors_origins=[])
    logging.getLogger(__name__).info("action server on http://%s:%s", args.host, args.port)
    app.run(host=args.host, port=args.port, single_process=True, access_log=False, motd=False)


if __name__ == "__main__":
    main()
