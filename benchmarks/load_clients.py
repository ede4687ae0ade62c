"""The clients of `load_test.py`: locust users, run headless for a fixed time in this process.

Run by `load_test.py` as a child process, because importing locust monkey-patches the
process with gevent (nothing of Filiera is imported here):

    python benchmarks/load_clients.py PLAN.json http://127.0.0.1:PORT CLIENTS SECONDS 0.5,1.5

PLAN.json (written by `load_test.py`) holds the filters, match queries, profile ids, test
accounts, their password and tokens, and the release (for the static URL); the summary is
printed as one JSON object: throughput, p50/p95/p99 and errors overall and per request
type, and each type's p95 as a ratio to the baseline's (the trivial static file) in the
same run.
"""

from __future__ import annotations

import json
import random
import sys
from collections import defaultdict

import gevent
from locust import between, task
from locust.contrib.fasthttp import FastHttpUser
from locust.env import Environment

BASELINE = "baseline: static file"
TIMEOUT = 10.0
IN_FLIGHT = [0]  # requests sent and not answered yet


def make_user(plan: dict, think: tuple[float, float]) -> type[FastHttpUser]:
    """A visitor class over `plan`; a third of the visitors are members with an API token."""
    version = plan["version"]

    class Visitor(FastHttpUser):
        wait_time = between(*think)
        network_timeout = connection_timeout = TIMEOUT  # a slower answer is an error

        def call(self, method: str, url: str, **options) -> None:
            IN_FLIGHT[0] += 1
            try:
                self.client.request(method, url, **options)
            finally:
                IN_FLIGHT[0] -= 1

        def on_start(self) -> None:
            member = random.random() < 1 / 3
            token = random.choice(plan["tokens"])
            self.api_headers = {"Authorization": f"Bearer {token}"} if member else {}

        @task(4)
        def directory_api(self) -> None:
            query = random.choice(plan["filters"])
            url = f"/api/organisations?per_page=50&{query}"
            self.call("GET", url, headers=self.api_headers, name="directory api")

        @task(3)
        def directory_page(self) -> None:
            self.call(
                "GET", f"/organisations?{random.choice(plan['filters'])}", name="directory html"
            )

        @task(2)
        def profile_api(self) -> None:
            org = random.choice(plan["profile_ids"])
            self.call(
                "GET", f"/api/organisations/{org}", headers=self.api_headers, name="profile api"
            )

        @task(2)
        def profile_page(self) -> None:
            org = random.choice(plan["profile_ids"])
            self.call("GET", f"/organisations/{org}", name="profile html")

        @task(2)
        def match(self) -> None:
            query = random.choice(plan["match_queries"]) | {"top": 20}
            self.call("POST", "/api/match", json=query, headers=self.api_headers, name="match")

        @task(1)
        def sign_in(self) -> None:
            body = {
                "email": random.choice(plan["emails"]),
                "password": plan["password"],
                "name": "load",
            }
            self.call("POST", "/api/auth/token", json=body, name="sign-in")

        @task(1)
        def baseline(self) -> None:
            self.call("GET", f"/static/filiera.css?v={version}", name=BASELINE)

    Visitor.tasks = [task for task in Visitor.tasks if task.__name__ not in plan["without"]]
    return Visitor


def quantile(ordered: list[float], q: float) -> float:
    return round(ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))], 1)


def summary(times: dict[str, list[float]], errors: dict[str, int], seconds: float) -> dict:
    def figures(samples: list[float], failed: int) -> dict:
        ordered = sorted(samples)
        if not ordered:
            return {"requests": 0, "errors": failed}
        return {
            "requests": len(ordered),
            "throughput_rps": round(len(ordered) / seconds, 1),
            "p50_ms": quantile(ordered, 0.50),
            "p95_ms": quantile(ordered, 0.95),
            "p99_ms": quantile(ordered, 0.99),
            "errors": failed,
        }

    every = [sample for samples in times.values() for sample in samples]
    overall = figures(every, sum(errors.values()))
    per_type = {name: figures(times[name], errors[name]) for name in sorted(times)}
    base = per_type.get(BASELINE, {}).get("p95_ms") or None
    for row in per_type.values():
        if base and row.get("p95_ms") is not None:
            row["p95_ratio_to_baseline"] = round(row["p95_ms"] / base, 1)
    return overall | {"baseline_p95_ms": base, "per_type": per_type}


def run(plan_path: str, host: str, clients: int, seconds: int, think: str) -> dict:
    """Run `clients` visitors for `seconds` against `host`; the summary."""
    with open(plan_path, encoding="utf-8") as handle:
        plan = json.load(handle)
    low, high = (float(part) for part in think.split(","))
    env = Environment(user_classes=[make_user(plan, (low, high))], host=host)
    times: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    first_errors: list[str] = []

    def on_request(name, response_time, exception, **_) -> None:
        times[name].append(response_time)
        if exception is not None:
            errors[name] += 1
            if len(first_errors) < 5:
                first_errors.append(f"{name}: {exception}"[:200])

    env.events.request.add_listener(on_request)
    runner = env.create_local_runner()
    ramp = max(2.0, seconds / 10)  # every client started within the first tenth
    runner.start(clients, spawn_rate=clients / ramp)
    gevent.sleep(ramp)
    times.clear()  # measure at full strength only
    errors.clear()
    at_end = []

    def stop() -> None:
        at_end.append(IN_FLIGHT[0])  # unanswered when time is up: neither timed nor errors
        runner.quit()

    gevent.spawn_later(seconds, stop)
    runner.greenlet.join()
    result = summary(times, errors, seconds)
    extra = {"in_flight_at_end": at_end[0] if at_end else None, "timeout_seconds": TIMEOUT}
    return result | extra | {"ramp_seconds": round(ramp, 1), "first_errors": first_errors}


if __name__ == "__main__":
    path, host, clients, seconds, think = sys.argv[1:6]
    print(json.dumps(run(path, host, int(clients), int(seconds), think)))
