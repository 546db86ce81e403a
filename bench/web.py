#!/usr/bin/env python3
"""Web studio benchmark: the first load (bytes, time until the scripts list is interactive) and
the time from a click on "Approve scene" to the approved status on screen, in Chromium.

    .venv/bin/python bench/web.py [--loads 5] [--approvals 30]

What it does, all by itself:
1. starts a throwaway embedded stack (Kafka/Tansu, MongoDB/SecantusDB, S3/SeaweedFS) on free
   loopback ports under var/bench-<pid>/ (removed at the end), and the script service, the
   scene service (local AI) and the gateway as separate processes, as `make up` does;
2. registers a user, warms the write path up through the API (unmeasured), creates a few
   scripts (the list has something to show) and one of `--approvals` + 2 screenplay scenes,
   approved and segmented;
3. first load, `--loads` times (after one unmeasured: the browser's first page ever): a fresh browser context (empty HTTP cache, the session already
   in localStorage, as for a returning writer) opens `/` in Debian's Chromium (headless, the
   browser tests' flags). "Interactive" is when the scripts list's links are in the DOM (a
   MutationObserver installed before the page's own scripts), then the next frame, measured
   from the navigation's start (`performance.timeOrigin`). Bytes are what Chromium received
   (CDP `Network.loadingFinished` `encodedDataLength`: headers plus the compressed body) for
   every request finished by then: the page, its CSS, scripts and vendored libraries (gzip),
   and the API calls it made. Then a reload in the same context (every file answered `304`);
4. approve-to-screen: the script's scene board at desktop size, the scenes approved one by one
   with a real click on each "Approve scene" button (the first two unmeasured, a warm-up).
   Measured in the page, from the click event's timestamp to the first DOM change that shows
   the scene `approved`, and to the frame after it (the figure held against the target). It
   covers the whole round trip a writer waits for: the POST, the command through the bus to
   the script service and back, and Preact's re-render. Before each click the board is left
   until the previous scene's shots are planned (no work in flight);
5. prints each figure with its target and ratio, and exits 1 when a target is missed.

Targets (issue 14): first load under 150 KB, interactive under 1 s, approve-to-screen p50
under 150 ms, on this machine (2 cores, shared with the stack and the browser).

Measured on the 2-core machine, shared with the stack, the browser and a full test suite
running beside it (load average 7.9), 5 cold loads, 30 approvals:

    first load: 25 requests, 52.6 KB received (43.3 KB the page, CSS, scripts and vendored
    libraries, gzip; 9.3 KB the API's scripts list), 105.9 KB of bodies uncompressed;
    a reload: 14.0 KB (23 of 25 answers 304)

    figure                                         n     p50     p99     max     target  p50/target
    first load, bytes received (KB)                5    52.6    52.6    52.6   < 150 KB       0.35x
    first load -> scripts list interactive (ms)    5   613.6   839.5   839.5  < 1000 ms       0.61x
      (list in the DOM, before its frame)          5   585.1   830.4   830.4
      (reload, every file 304)                     5   297.3   378.4   378.4
    click approve -> approved on screen (ms)      30   105.8   160.2   160.2   < 150 ms       0.71x
      (approved in the DOM, before its frame)     30    87.7   137.0   137.0

All three targets met. The first load is 25 small requests (ES modules, no bundle); a reload
that gets 304s for all of them is interactive in about half the time, so the requests' round
trips (main.js, then the views it imports), not their bytes, are likely most of a cold load
(not broken down further here). Approve-to-screen covers the write's whole round trip (the POST,
the command through Kafka to the script service, its transaction, the answer) and Preact's
re-render, not split here; the frame after the DOM change adds about 18 ms at p50.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass, field

from _support import (
    PASSWORD,
    api,
    embedded_stack,
    first_write,
    local_services,
    percentile,
    running,
)

TARGET_FIRST_LOAD_KB = 150.0
TARGET_INTERACTIVE_MS = 1000.0
TARGET_APPROVE_P50_MS = 150.0

CHROMIUM = os.environ.get("REELFLOW_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 860}
WARM_UP_CLICKS = 2

PLACES = ["KITCHEN", "HARBOR", "ROOFTOP", "SUBWAY CAR", "LIBRARY", "FOREST ROAD", "HOSPITAL HALL", "BAKERY"]
TIMES = ["DAY", "NIGHT", "DAWN", "DUSK"]

# Installed before the page's own scripts (CDP, so the page's CSP does not apply): when the
# scripts list's first link appears, the time, then the time of the frame after it.
WATCH_LIST = """
(() => {
  const mark = {};
  window.__benchLoad = mark;
  const seen = () => document.querySelector('ul[aria-label="Scripts"] li a');
  new MutationObserver((_, observer) => {
    if (mark.dom || !seen()) return;
    mark.dom = performance.now();
    observer.disconnect();
    requestAnimationFrame(() => setTimeout(() => { mark.frame = performance.now(); }, 0));
  }).observe(document, { childList: true, subtree: true });
})();
"""

# Per click: the click's timestamp (capture phase, before the page's handler), the first DOM
# change that shows the watched scene approved, and the frame after it.
WATCH_APPROVALS = """
(() => {
  const bench = { watch: null, results: {} };
  window.__benchApprove = bench;
  document.addEventListener("click", (event) => {
    if (bench.watch && !bench.results[bench.watch]) bench.results[bench.watch] = { click: event.timeStamp };
  }, true);
  new MutationObserver(() => {
    const id = bench.watch;
    const result = id && bench.results[id];
    if (!result || result.dom) return;
    if (!document.querySelector(`#scene-${id} .meta .status-approved`)) return;
    result.dom = performance.now();
    requestAnimationFrame(() => setTimeout(() => { result.frame = performance.now(); }, 0));
  }).observe(document.getElementById("app"), { childList: true, subtree: true, characterData: true, attributes: true });
})();
"""


def screenplay(scenes: int) -> str:
    parts = ["FADE IN:\n"]
    for k in range(scenes):
        parts.append(
            f"{'INT.' if k % 2 else 'EXT.'} {PLACES[k % len(PLACES)]} - {TIMES[k % len(TIMES)]}\n\n"
            f"MARA crosses the room with a lantern. Rain taps the glass of scene {k + 1}.\n\n"
            f"                      MARA\n          We leave before the tide turns.\n"
        )
    return "\n".join(parts) + "\nFADE OUT.\n"


def poll(page, expression: str, timeout_s: float = 30.0, every_ms: int = 20):
    """`expression` evaluated in the page until truthy (the studio's CSP forbids
    page.wait_for_function, which evals a string inside the page)."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = page.evaluate(expression)
        if value:
            return value
        if time.monotonic() > deadline:
            raise RuntimeError(f"not true within {timeout_s:g} s: {expression}")
        page.wait_for_timeout(every_ms)


# --------------------------------------------------------------------------- first load


@dataclass
class Load:
    interactive_ms: float = 0.0
    dom_ms: float = 0.0
    requests: list[dict] = field(default_factory=list)
    """Finished by the time the list was interactive: url, encoded bytes, decoded body bytes, status."""

    def bytes_where(self, predicate) -> int:
        return sum(r["encoded"] for r in self.requests if predicate(r["url"]))

    @property
    def total(self) -> int:
        return sum(r["encoded"] for r in self.requests)

    @property
    def decoded(self) -> int:
        return sum(r["decoded"] for r in self.requests)


class NetworkLog:
    """Every request of a page, from its own CDP session: what Chromium received for it."""

    def __init__(self, context, page) -> None:
        self.cdp = context.new_cdp_session(page)
        self.pending: dict[str, dict] = {}
        self.finished: list[dict] = []
        self.cdp.on("Network.requestWillBeSent", self._sent)
        self.cdp.on("Network.responseReceived", self._response)
        self.cdp.on("Network.dataReceived", self._data)
        self.cdp.on("Network.loadingFinished", self._finished)
        self.cdp.send("Network.enable")

    def _sent(self, event) -> None:
        self.pending[event["requestId"]] = {"url": event["request"]["url"], "decoded": 0, "encoded": 0, "status": 0}

    def _response(self, event) -> None:
        if event["requestId"] in self.pending:
            self.pending[event["requestId"]]["status"] = event["response"]["status"]

    def _data(self, event) -> None:
        if event["requestId"] in self.pending:
            self.pending[event["requestId"]]["decoded"] += event["dataLength"]

    def _finished(self, event) -> None:
        request = self.pending.pop(event["requestId"], None)
        if request is not None:
            request["encoded"] = event["encodedDataLength"]
            self.finished.append(request)

    def take(self) -> list[dict]:
        finished, self.finished = self.finished, []
        return finished


def measure_load(page, log: NetworkLog, base: str, reload: bool = False) -> Load:
    if reload:
        page.reload(wait_until="commit")
    else:
        page.goto(base + "/", wait_until="commit")
    marks = poll(page, "window.__benchLoad && window.__benchLoad.frame && window.__benchLoad", 30, 10)
    page.wait_for_timeout(50)  # loadingFinished of the last response reaches us
    return Load(interactive_ms=marks["frame"], dom_ms=marks["dom"], requests=log.take())


def first_loads(browser, base: str, session: dict, loads: int) -> tuple[list[Load], list[Load]]:
    storage = {
        "cookies": [],
        "origins": [{"origin": base, "localStorage": [{"name": "reelflow.session", "value": json.dumps(session)}]}],
    }
    cold, warm = [], []
    for _ in range(loads + 1):
        context = browser.new_context(viewport=DESKTOP, storage_state=storage)
        context.add_init_script(WATCH_LIST)
        page = context.new_page()
        log = NetworkLog(context, page)
        cold.append(measure_load(page, log, base))
        page.wait_for_timeout(300)
        log.take()
        warm.append(measure_load(page, log, base, reload=True))
        context.close()
    return cold[1:], warm[1:]  # the first: the browser's own warm-up (its first page ever), not counted


# --------------------------------------------------------------------------- approve to screen


def approvals(browser, base: str, session: dict, script_id: str, scene_ids: list[str]) -> list[dict]:
    storage = {
        "cookies": [],
        "origins": [{"origin": base, "localStorage": [{"name": "reelflow.session", "value": json.dumps(session)}]}],
    }
    context = browser.new_context(viewport=DESKTOP, storage_state=storage)
    context.set_default_timeout(30_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{base}/#/scripts/{script_id}")
    poll(page, f"document.querySelectorAll('li.scene').length === {len(scene_ids)}", 60, 100)
    page.evaluate(WATCH_APPROVALS)
    results = []
    for order, scene_id in enumerate(scene_ids, start=1):
        page.evaluate(f"window.__benchApprove.watch = {json.dumps(scene_id)}")
        page.click(f"#scene-{scene_id} button[aria-label='Approve scene {order}']")
        result = poll(page, f"(r => r && r.frame && r)(window.__benchApprove.results[{json.dumps(scene_id)}])", 30, 10)
        results.append(result)
        # the board is left alone until this scene's shots are planned: the next click finds nothing in flight
        poll(page, f"document.querySelector('#scene-{scene_id} .status-planned')", 60, 50)
        page.wait_for_timeout(100)
    context.close()
    if errors:
        raise RuntimeError(f"JavaScript errors in the page: {errors}")
    return results[WARM_UP_CLICKS:]


# --------------------------------------------------------------------------- main


def stats(values: list[float]) -> tuple[float, float, float]:
    values = sorted(values)
    return percentile(values, 50), percentile(values, 99), values[-1]


def report(cold: list[Load], warm: list[Load], clicks: list[dict]) -> bool:
    kb = 1024
    first = cold[0]
    print(
        f"\nfirst load: {len(first.requests)} requests, as received (headers + gzip bodies), "
        f"the first of {len(cold)} cold loads"
    )
    studio = lambda url: "/api/" not in url  # noqa: E731 (the page, its CSS, scripts, vendored libraries)
    print(f"  {'the page, CSS, scripts, libraries':<36} {first.bytes_where(studio) / kb:>7.1f} KB")
    print(f"  {'API calls made by then':<36} {first.bytes_where(lambda u: not studio(u)) / kb:>7.1f} KB")
    print(f"  {'total':<36} {first.total / kb:>7.1f} KB   (bodies uncompressed: {first.decoded / kb:.1f} KB)")
    for request in sorted(first.requests, key=lambda r: -r["encoded"])[:6]:
        print(
            f"    {request['encoded'] / kb:>6.1f} KB  {request['status']}  {request['url'].split('//', 1)[-1].split('/', 1)[-1]}"
        )
    sizes = sorted(load.total for load in cold)
    reload_kb = stats([load.total / kb for load in warm])[0]
    print(
        f"  reload (same context): {reload_kb:.1f} KB at p50, "
        f"{sum(1 for r in warm[0].requests if r['status'] == 304)} of {len(warm[0].requests)} answers 304"
    )

    inter = stats([load.interactive_ms for load in cold])
    inter_dom = stats([load.dom_ms for load in cold])
    inter_warm = stats([load.interactive_ms for load in warm])
    approve = stats([c["frame"] - c["click"] for c in clicks])
    approve_dom = stats([c["dom"] - c["click"] for c in clicks])

    print(f"\n{'figure':<48} {'n':>4} {'p50':>9} {'p99':>9} {'max':>9} {'target':>10} {'p50/target':>11}")
    rows = [
        (
            "first load, bytes received (KB)",
            len(cold),
            (sizes[len(sizes) // 2] / kb, sizes[-1] / kb, sizes[-1] / kb),
            TARGET_FIRST_LOAD_KB,
            "KB",
        ),
        ("first load -> scripts list interactive (ms)", len(cold), inter, TARGET_INTERACTIVE_MS, "ms"),
        ("  (list in the DOM, before its frame)", len(cold), inter_dom, None, "ms"),
        ("  (reload, every file 304)", len(warm), inter_warm, None, "ms"),
        ("click approve -> approved on screen (ms)", len(clicks), approve, TARGET_APPROVE_P50_MS, "ms"),
        ("  (approved in the DOM, before its frame)", len(clicks), approve_dom, None, "ms"),
    ]
    met = True
    for name, n, (p50, p99, top), target, unit in rows:
        tail = ""
        if target is not None:
            ratio = p50 / target
            met = met and ratio < 1.0
            tail = f" {f'< {target:g} {unit}':>10} {ratio:>10.2f}x"
        print(f"{name:<48} {n:>4} {p50:>9.1f} {p99:>9.1f} {top:>9.1f}{tail}")
    print(
        "(bytes: p50 and max over the cold loads in the p50 and p99 columns; approvals: "
        f"{WARM_UP_CLICKS} warm-up clicks not counted)"
    )
    print(f"[bench] machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    print("all targets met" if met else "some targets MISSED")
    return met


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loads", type=int, default=5, help="cold first loads (each in a fresh browser context)")
    parser.add_argument("--approvals", type=int, default=30, help="scenes approved with a click, one by one")
    parser.add_argument("--scripts", type=int, default=5, help="scripts in the list at first load")
    parser.add_argument("--keep", action="store_true", help="keep var/bench-<pid>/ (logs) afterwards")
    args = parser.parse_args(argv)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sys.exit("bench/web.py needs the `playwright` package (make install installs it)")
    if not os.path.exists(CHROMIUM):
        sys.exit(f"bench/web.py needs Chromium at {CHROMIUM} (apt-get install chromium, or set REELFLOW_CHROMIUM)")

    with embedded_stack(keep=args.keep) as cfg:
        services, base = local_services(cfg, ("script", "scene", "gateway"))
        with running(services):
            email = f"bench-web-{os.getpid()}@example.com"
            status, body = api(base, "POST", "/api/auth/register", json_body={"email": email, "password": PASSWORD})
            assert status == 201, (status, body)
            status, body = api(base, "POST", "/api/auth/token", form={"username": email, "password": PASSWORD})
            assert status == 200, (status, body)
            token = body["access_token"]
            session = {"email": email, "token": token, "expiresAt": int(time.time() * 1000) + body["expires_in"] * 1000}
            print("[bench] warming the write path up (consumer groups joining)")
            first_write(base, token)
            for n in range(args.scripts - 1):
                status, body = api(
                    base,
                    "POST",
                    "/api/scripts",
                    token=token,
                    json_body={"title": f"list filler {n + 1}", "content": screenplay(2)},
                )
                assert status == 201, (status, body)
            scenes = args.approvals + WARM_UP_CLICKS
            print(f"[bench] a script of {scenes} scenes, approved and segmented")
            status, body = api(
                base,
                "POST",
                "/api/scripts",
                token=token,
                json_body={"title": f"{scenes} scenes", "content": screenplay(scenes)},
            )
            assert status == 201, (status, body)
            script_id = body["id"]
            status, body = api(base, "POST", f"/api/scripts/{script_id}/approve", token=token)
            assert status == 200, (status, body)
            deadline = time.monotonic() + 120
            while True:
                page = api(base, "GET", f"/api/scripts/{script_id}/scenes?limit=100", token=token)[1]
                if page.get("total", 0) >= scenes:
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"only {page.get('total')} of {scenes} scenes after 120 s")
                time.sleep(0.3)
            scene_ids = [scene["id"] for scene in sorted(page["items"], key=lambda s: s["order"])]

            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                try:
                    print(f"[bench] {args.loads} cold first loads of / (fresh contexts), each then reloaded")
                    cold, warm = first_loads(browser, base, session, args.loads)
                    print(f"[bench] {scenes} scenes approved by clicks, one by one ({WARM_UP_CLICKS} warm-up)")
                    clicks = approvals(browser, base, session, script_id, scene_ids)
                finally:
                    browser.close()
    return 0 if report(cold, warm, clicks) else 1


if __name__ == "__main__":
    sys.exit(main())
