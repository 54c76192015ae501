"""Requests per second of the reference server: one work item GET, and a 100-item page.

Run: /work/venv/bin/python benchmarks/reference_server.py [--seconds 3] [--threads 4]
"""

from __future__ import annotations

import argparse
import threading
import time

import httpx

from conformance.reference.launcher import start_reference_server


def _measure(url: str, headers: dict[str, str], seconds: float, threads: int) -> float:
    counts = [0] * threads
    deadline = time.monotonic() + seconds

    def worker(slot: int) -> None:
        with httpx.Client(headers=headers) as client:  # keep-alive per thread
            while time.monotonic() < deadline:
                response = client.get(url)
                assert response.status_code == 200, response.text
                counts[slot] += 1

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    started = time.monotonic()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return sum(counts) / (time.monotonic() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    with start_reference_server(rate_limit=10_000_000) as server:
        headers = {"X-API-Key": server.api_key}
        ws = f"{server.base_url}/api/v1/workspaces/{server.workspace}"
        project = httpx.post(
            f"{ws}/projects/", json={"name": "Bench", "identifier": "BEN"}, headers=headers
        ).json()
        items = f"{ws}/projects/{project['id']}/work-items/"
        first = None
        with httpx.Client(headers=headers) as client:
            for n in range(150):
                created = client.post(items, json={"name": f"bench {n}"}).json()
                first = first or created
        single = _measure(f"{items}{first['id']}/", headers, args.seconds, args.threads)
        page = _measure(f"{items}?per_page=100", headers, args.seconds, args.threads)
    print(f"single work item GET : {single:8.0f} req/s")
    print(f"100-item page GET    : {page:8.0f} req/s")


if __name__ == "__main__":
    main()
