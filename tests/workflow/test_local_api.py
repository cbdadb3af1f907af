"""The local API as a mobile developer's load test meets it (issue 13, part 2): a burst of
concurrent requests gets an answer each, never a reset connection. Counts only: how fast is
measured in bench/bench_api_burst.py."""

from __future__ import annotations

import http.client
import threading
from collections import Counter
from urllib.parse import urlparse

import pytest

from localcloud.client import RemoteCloud

pytestmark = pytest.mark.slow

BURST = 100


def burst(
    cloud: RemoteCloud, requests: list[tuple[str, str, dict[str, str], bytes]]
) -> Counter[object]:
    """Send every request at once, each on a connection of its own; count what came back."""
    url = urlparse(cloud.api_url)
    start = threading.Barrier(len(requests))
    outcomes: list[object] = [None] * len(requests)

    def one(i: int) -> None:
        method, path, headers, body = requests[i]
        start.wait()
        try:
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            outcomes[i] = response.status
            conn.close()
        except OSError as exc:  # ConnectionResetError, BrokenPipeError, ...
            outcomes[i] = type(exc).__name__

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(requests))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return Counter(outcomes)


def test_a_burst_of_writes_from_many_users_gets_an_answer_each(cloud: RemoteCloud) -> None:
    requests = [
        (
            "POST",
            "/v1/documents",
            {
                "Authorization": f"Bearer {cloud.token(f'burst-{i}')}",
                "Content-Type": "application/json",
            },
            b'{"contentType": "image/jpeg"}',
        )
        for i in range(BURST)
    ]
    assert burst(cloud, requests) == Counter({201: BURST})


def test_a_burst_of_reads_gets_an_answer_each(cloud: RemoteCloud) -> None:
    requests = [("GET", "/v1/openapi.json", {}, b"")] * BURST
    assert burst(cloud, requests) == Counter({200: BURST})


def test_one_caller_over_its_limit_gets_429_problems_and_others_do_not(cloud: RemoteCloud) -> None:
    from concurrent.futures import ThreadPoolExecutor

    import requests

    from localcloud.template import load_parameters

    limit = int(load_parameters()["CallerRequestLimit"]["Default"])
    alice = {"Authorization": f"Bearer {cloud.token('limit-alice')}"}  # one token: one caller
    sent = limit + 30

    def one(_: int) -> requests.Response:
        return requests.get(f"{cloud.api_url}/v1/credit-line", headers=alice, timeout=30)

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(one, range(sent)))
    refused = [r for r in answers if r.status_code == 429]
    # well inside one window: exactly the limit is admitted (no line yet: 404)
    assert len(refused) == sent - limit, {r.status_code for r in answers}
    assert {r.status_code for r in answers} == {404, 429}
    r = refused[0]
    assert int(r.headers["Retry-After"]) >= 1
    assert r.json()["status"] == 429 and r.json()["type"].endswith("/too-many-requests")
    # another caller meanwhile is served
    assert cloud.call("GET", "/v1/credit-line", "limit-bob").status_code == 404
