"""Servers bench/bench_api_burst.py compares with the local API, in the same process:

- `before`: the same app, gateway and stores served as chalice local serves them (its
  `http.server`, listen backlog 5, a thread per connection): what `lending up` served before
  issue 13;
- `floor`: waitress as the local API runs it, answering every request with a constant body and
  no app at all: what this machine's server and client cost, without our code.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from .api_server import ApiServer, StartResponse

FLOOR_BODY = b'{"floor": true}'


def _floor(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [FLOOR_BODY]


def serve_bench_servers(cloud: Any, host: str = "127.0.0.1") -> dict[str, str]:
    """Start `before` and `floor` beside the cloud's API; name -> base URL."""
    from chalice.config import Config
    from chalice.local import ChaliceRequestHandler, LocalDevServer

    class Quiet(ChaliceRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    config = Config.create(
        chalice_stage="local", app_name=cloud.app.app_name, environment_variables=cloud.env
    )
    before = LocalDevServer(cloud.app, config, host, 0, handler_cls=Quiet)
    threading.Thread(target=before.server.serve_forever, name="bench-before", daemon=True).start()
    floor = ApiServer(_floor, host, 0)
    floor.start()
    before_host, before_port = before.server.server_address[:2]
    floor_host, floor_port = floor.address
    return {
        "before": f"http://{before_host}:{before_port}",
        "floor": f"http://{floor_host}:{floor_port}",
    }
