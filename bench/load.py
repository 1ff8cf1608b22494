"""Load test of a running server: ``make load`` (or ``python -m bench.load``).

Concurrent users (50 by default, for 3 minutes) each sign in as one of the demo users, with a
browser's keep-alive connection and cookies, find the records they may see through the API,
then browse: dashboard, list pages, detail pages, static files, API lists and details, with a
think time between requests (uniform around ``--think``: 1.5 to 4.5 s by default). Afterwards
it checks that the server still answers (``/health/``, the sign-in page). Prints the requests,
their status classes, the 5xx count, p50 / p95 / p99 overall and per route, and writes the
report to ``bench/results/load-latest.md``.

Exits 1 when any request answered 5xx or failed to connect, or when the server does not answer
afterwards. Standard library only (threads and ``http.client``): nothing to install.
For servers on this machine only (the loopback addresses): it refuses other targets.
"""

from __future__ import annotations

import argparse
import http.client
import ipaddress
import json
import os
import random
import re
import socket
import statistics
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEMO_USERS = ("officer", "executive", "operator", "auditor", "external_auditor", "viewer")
PAGES = (
    "/",
    "/ai-systems/",
    "/risks/",
    "/impact-assessments/",
    "/documents/",
    "/objectives/",
    "/conformance/",
    "/changes/",
    "/notifications/",
    "/library/",
    "/inbox/",
    "/readiness/",
    "/controls/",
    "/soa/",
    "/coverage/",
    "/evidence/",
    "/audit-programmes/",
    "/audits/",
    "/nonconformities/",
    "/corrective-actions/",
    "/management-reviews/",
)
STATIC = re.compile(r'(?:href|src)="(/static/[^"?#]+)')
#: API lists, and the pages and API details of the records each one lists.
API_LISTS = {
    "/api/v1/ai-systems/": ("/ai-systems/{id}/", "/api/v1/ai-systems/{id}/"),
    "/api/v1/risks/": ("/risks/{id}/", "/api/v1/risks/{id}/"),
    "/api/v1/impact-assessments/": (
        "/impact-assessments/{id}/",
        "/api/v1/impact-assessments/{id}/",
    ),
    "/api/v1/documents/": ("/documents/{id}/", "/api/v1/documents/{id}/"),
    "/api/v1/controls/": ("/controls/{id}/", "/api/v1/controls/{id}/"),
    "/api/v1/evidence/": ("/evidence/{id}/", "/api/v1/evidence/{id}/"),
    "/api/v1/audits/": ("/audits/{id}/", "/api/v1/audits/{id}/"),
    "/api/v1/findings/": ("/api/v1/findings/{id}/",),
    "/api/v1/nonconformities/": ("/nonconformities/{id}/", "/api/v1/nonconformities/{id}/"),
    "/api/v1/changes/": (),
    "/api/v1/readiness/": (),
    "/api/v1/me/": (),
}


@dataclass
class Results:
    """What every user measured (appended under a lock)."""

    samples: list[tuple[str, int, float]] = field(default_factory=list)  # route, status, s
    errors: Counter[str] = field(default_factory=Counter)  # connection errors, timeouts
    logins_failed: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, route: str, status: int, seconds: float) -> None:
        with self.lock:
            self.samples.append((route, status, seconds))

    def error(self, route: str, error: Exception) -> None:
        with self.lock:
            self.errors[f"{route}: {type(error).__name__}"] += 1


class Browser:
    """One user's browser: a keep-alive connection (reopened when the server closes it) and
    the cookies the server set."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.connection: http.client.HTTPConnection | None = None
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: dict[str, str] | None = None
    ) -> tuple[int, bytes, dict[str, str]]:
        headers = {"Accept-Language": "ja", "User-Agent": "aims-bench-load"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{self.host}:{self.port}/accounts/login/"
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(
                    self.host, self.port, timeout=self.timeout
                )
            try:
                self.connection.request(method, path, body=data, headers=headers)
                response = self.connection.getresponse()
                content = response.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # An idle keep-alive connection the server closed: a browser reconnects once.
                self.close()
                if attempt == 2:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(header)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        if response.will_close:
            self.close()
        return response.status, content, dict(response.headers)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def _timed(
    browser: Browser, results: Results, route: str, path: str, **kwargs: object
) -> tuple[int, bytes] | None:
    started = time.perf_counter()
    try:
        status, content, _headers = browser.request("GET", path, **kwargs)  # type: ignore[arg-type]
    except (OSError, http.client.HTTPException) as error:
        results.error(route, error)
        browser.close()
        return None
    results.add(route, status, time.perf_counter() - started)
    return status, content


def sign_in(browser: Browser, results: Results, username: str, password: str) -> bool:
    page = _timed(browser, results, "/accounts/login/", "/accounts/login/")
    if page is None or "csrftoken" not in browser.cookies:
        return False
    started = time.perf_counter()
    try:
        status, _content, headers = browser.request(
            "POST",
            "/accounts/login/",
            body={
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": browser.cookies["csrftoken"],
            },
        )
    except (OSError, http.client.HTTPException) as error:
        results.error("POST /accounts/login/", error)
        return False
    results.add("POST /accounts/login/", status, time.perf_counter() - started)
    return status == 302 and headers.get("Location") == "/"


def user(
    number: int,
    target: tuple[str, int],
    password: str,
    deadline: float,
    think: float,
    timeout: float,
    results: Results,
) -> None:
    rng = random.Random(number)
    username = DEMO_USERS[number % len(DEMO_USERS)]
    browser = Browser(*target, timeout=timeout)
    if not sign_in(browser, results, username, password):
        with results.lock:
            results.logins_failed += 1
        return
    # What this user may open: the pages, their static files, the API lists, the records the
    # lists show.
    routes: list[tuple[str, str]] = [(page, page) for page in PAGES]
    home = _timed(browser, results, "/", "/")
    if home is not None:
        for asset in sorted(set(STATIC.findall(home[1].decode("utf-8", "replace")))):
            routes.append(("/static/…", asset))
    for api_list, detail_routes in API_LISTS.items():
        answer = _timed(browser, results, api_list, api_list)
        if answer is None or answer[0] != 200:
            continue
        routes.append((api_list, api_list))
        payload = json.loads(answer[1])
        rows = payload.get("results", []) if isinstance(payload, dict) else []
        for row in rows[:10]:
            for route in detail_routes:
                routes.append((route, route.format(id=row["id"])))
    while time.monotonic() < deadline:
        route, path = rng.choice(routes)
        _timed(browser, results, route, path)
        time.sleep(rng.uniform(0.5 * think, 1.5 * think))
    browser.close()


def _percentile(values: list[float], share: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def _check_after(target: tuple[str, int], timeout: float) -> dict[str, int | str]:
    checks: dict[str, int | str] = {}
    for path in ("/health/", "/accounts/login/"):
        browser = Browser(*target, timeout=timeout)
        try:
            checks[path] = browser.request("GET", path)[0]
        except (OSError, http.client.HTTPException) as error:
            checks[path] = type(error).__name__
        finally:
            browser.close()
    return checks


def _loopback(host: str) -> bool:
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return False
    return all(ipaddress.ip_address(address.split("%")[0]).is_loopback for address in addresses)


def _demo_password() -> str | None:
    if os.environ.get("DEMO_PASSWORD"):
        return os.environ["DEMO_PASSWORD"]
    sys.path.insert(0, str(ROOT))
    from aims.env import read_env_file

    return read_env_file(ROOT / "var" / "dev.env").get("DEMO_PASSWORD")


def report(results: Results, args: argparse.Namespace, elapsed: float, after: dict) -> str:
    statuses = Counter(f"{status // 100}xx" for _route, status, _s in results.samples)
    times = sorted(seconds for _route, _status, seconds in results.samples)
    server_errors = statuses.get("5xx", 0)
    lines = [
        f"# Load test: {args.users} users, {args.duration:.0f} s, think time {args.think} s",
        "",
        f"- target: {args.url}",
        f"- requests: {len(times)} in {elapsed:.0f} s ({len(times) / elapsed:.1f}/s)",
        f"- status classes: {', '.join(f'{k} {v}' for k, v in sorted(statuses.items()))}",
        f"- 5xx: {server_errors}",
        f"- connection errors / timeouts: {sum(results.errors.values())}"
        + (f" ({dict(results.errors)})" if results.errors else ""),
        f"- sign-ins failed: {results.logins_failed}",
    ]
    if times:
        lines.append(
            f"- latency: p50 {_percentile(times, 0.50) * 1000:.0f} ms, "
            f"p95 {_percentile(times, 0.95) * 1000:.0f} ms, "
            f"p99 {_percentile(times, 0.99) * 1000:.0f} ms, max {times[-1] * 1000:.0f} ms"
        )
    lines.append(f"- afterwards: {', '.join(f'{path} {status}' for path, status in after.items())}")
    per_route: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for route, status, seconds in results.samples:
        per_route[route].append((status, seconds))
    lines += [
        "",
        "| route | requests | 5xx | p50 ms | p95 ms |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for route, rows in sorted(per_route.items(), key=lambda item: -len(item[1])):
        seconds = sorted(s for _status, s in rows)
        lines.append(
            f"| {route} | {len(rows)} | {sum(1 for status, _s in rows if status >= 500)} | "
            f"{_percentile(seconds, 0.5) * 1000:.0f} | {_percentile(seconds, 0.95) * 1000:.0f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the running server")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=180.0, help="seconds")
    parser.add_argument("--spawn-rate", type=float, default=1.0, help="users started a second")
    parser.add_argument("--think", type=float, default=3.0, help="mean seconds between requests")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per request")
    parser.add_argument("--password", help="the demo users' password (default: DEMO_PASSWORD)")
    parser.add_argument("--output", default=str(ROOT / "bench" / "results" / "load-latest.md"))
    args = parser.parse_args(argv)
    parts = urlsplit(args.url)
    if parts.scheme != "http" or not parts.hostname:
        parser.error("--url must be http://HOST:PORT")
    if not _loopback(parts.hostname):
        parser.error("--url must be a server on this machine (a loopback address)")
    password = args.password or _demo_password()
    if not password:
        parser.error("no demo password: pass --password or set DEMO_PASSWORD")
    target = (parts.hostname, parts.port or 80)

    results = Results()
    started = time.monotonic()
    deadline = started + args.duration
    threads = []
    for number in range(args.users):
        thread = threading.Thread(
            target=user,
            args=(number, target, password, deadline, args.think, args.timeout, results),
            daemon=True,
        )
        thread.start()
        threads.append(thread)
        time.sleep(1 / args.spawn_rate)
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()) + args.timeout + 5)
    elapsed = time.monotonic() - started
    after = _check_after(target, args.timeout)
    text = report(results, args, elapsed, after)
    print(text)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    server_errors = sum(1 for _route, status, _s in results.samples if status >= 500)
    healthy = after.get("/health/") == 200 and after.get("/accounts/login/") == 200
    failed = server_errors or results.errors or results.logins_failed or not healthy
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
