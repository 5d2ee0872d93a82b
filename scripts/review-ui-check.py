#!/usr/bin/env python3
"""End-to-end check of the `loupe review` page against a running server.

Usage: python3 scripts/review-ui-check.py 'http://127.0.0.1:8765/?token=T' [--screenshots DIR]

Drives headless Chromium (Playwright; the browser is $CHROMIUM, else /usr/bin/chromium if present,
else Playwright's own): sets a fresh reviewer name, opens the first queue with at least four items,
records three verdicts by keyboard (correct; ambiguous with a note typed full of shortcut keys;
mislabelled with a suggested class from the picker), undoes the last one, then checks through
GET /api/verdicts?format=json that exactly those four records arrived, and that the agreement view
loads. Uses only the documented HTTP API. Prints a short summary; exits 1 with one line on failure.
The four records stay in the verdict log (reviewer "ui-check-<unix time>"): run it against a scratch
database, not one whose verdicts matter.
"""
import json
import os
import sys
import time
from urllib.parse import parse_qs, quote, urlparse

from playwright.sync_api import sync_playwright

NOTE = "ui-check note: 1 2 3 c m a j k u n (typing must not trigger shortcuts)"


class CheckFailed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise CheckFailed(message)


def main():
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        raise CheckFailed("usage: review-ui-check.py 'http://HOST:PORT/?token=T' [--screenshots DIR]")
    url = args[0]
    shots = args[args.index("--screenshots") + 1] if "--screenshots" in args else None
    parsed = urlparse(url)
    token = parse_qs(parsed.query).get("token", [None])[0]
    check(token, f"{url}: no ?token= in the URL")
    base = f"{parsed.scheme}://{parsed.netloc}"
    reviewer = f"ui-check-{int(time.time())}"
    browser_path = os.environ.get("CHROMIUM") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_path, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        context.set_default_timeout(10_000)
        page = context.new_page()
        problems = []
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))

        def api(path):
            response = context.request.get(base + path, headers={"Authorization": f"Bearer {token}"})
            check(response.ok, f"GET {path}: HTTP {response.status} {response.text()[:200]}")
            return response

        def healthy(step):
            check(not problems, f"{step}: {problems[0] if problems else ''}")
            if page.locator("#error").is_visible():
                raise CheckFailed(f"{step}: the page shows an error: {page.locator('#error-text').inner_text()}")

        def shot(name):
            if shots:
                os.makedirs(shots, exist_ok=True)
                page.screenshot(path=os.path.join(shots, name), full_page=True)

        def detail_id():
            return page.locator(".detail").get_attribute("data-id")

        def wait_for_item(not_id=None, is_id=None):
            page.wait_for_function(
                """([notId, isId]) => { const d = document.querySelector('.detail');
                   return d && !document.body.dataset.busy && (notId === null || d.dataset.id !== notId)
                          && (isId === null || d.dataset.id === isId); }""",
                arg=[not_id, is_id],
            )
            return detail_id()

        before = len(api("/api/verdicts?format=json").json()["verdicts"])
        session = api("/api/session").json()
        classes = session["dataset"]["classes"]
        queues = [q for q in api("/api/queues").json()["queues"] if q["total"] >= 4]
        check(queues, "/api/queues: no queue with at least four items to review")
        queue = next((q for q in queues if q["kind"] != "disagreements"), queues[0])
        order = "desc" if queue["descending"] else "asc"
        first = api(f"/api/items?queue={quote(queue['name'])}&sort={quote(queue['sort'])}&order={order}&offset=0&limit=4").json()["items"]
        first = [str(item["id"]) for item in first]

        # Open the page with the token; the first visit asks for the reviewer name.
        page.goto(url)
        page.locator("#who-input").fill(reviewer)
        page.locator("#who button[value=ok]").click()
        check(page.locator("#who-name").inner_text() == reviewer, "header does not show the reviewer name")
        page.wait_for_selector("a.card")
        page.locator("#f-queue").select_option(queue["name"])
        page.wait_for_function("q => new URLSearchParams(location.hash.slice(1)).get('queue') === q && document.querySelector('a.card') && !document.body.dataset.busy", arg=queue["name"])
        total_text = page.locator(".pager .total").first.inner_text()
        check(f"of {queue['total']}" in total_text, f"grid total {total_text!r} does not say {queue['total']} items")
        page.wait_for_function("() => { const img = document.querySelector('a.card img'); return img.complete && img.naturalWidth > 0; }")
        healthy("grid")
        shot("grid.png")

        # Three verdicts by keyboard.
        page.locator("a.card").first.click()
        a = wait_for_item()
        healthy("detail view")
        shot("detail.png")
        page.keyboard.press("1")
        b = wait_for_item(not_id=a)
        page.keyboard.press("n")
        page.keyboard.type(NOTE)
        check(detail_id() == b and page.locator("#note").input_value() == NOTE, "typing the note did not stay in the note field")
        page.keyboard.press("Escape")
        page.keyboard.press("a")
        c = wait_for_item(not_id=b)
        label = int(page.locator(".detail").get_attribute("data-label"))
        suggested = (label + 1) % len(classes)
        page.keyboard.press("m")
        page.locator("#picker").wait_for(state="visible")
        shot("picker.png")
        page.locator("#picker-input").fill(str(suggested))
        if page.locator("#picker").is_visible():
            page.keyboard.press("Enter")
        d = wait_for_item(not_id=c)
        check([a, b, c, d] == first, f"visited items {[a, b, c, d]}, expected the queue's first four {first}")
        page.keyboard.press("u")
        wait_for_item(is_id=c)
        healthy("after the verdicts and the undo")

        # The log must hold exactly these four records for our reviewer.
        log = api("/api/verdicts?format=json").json()["verdicts"]
        mine = [r for r in log[before:] if r["reviewer"] == reviewer]
        check(len(mine) == 4, f"expected 4 records by {reviewer}, the log has {len(mine)}: {json.dumps(mine)[:300]}")
        expected = [
            (int(a), "correct", None, ""),
            (int(b), "ambiguous", None, NOTE),
            (int(c), "mislabelled", suggested, ""),
        ]
        for record, (eid, verdict, label_, note) in zip(mine, expected):
            got = (record["id"], record["verdict"], record.get("suggested_label"), record["note"])
            check(got == (eid, verdict, label_, note), f"record {record['sequence']}: got {got}, expected {(eid, verdict, label_, note)}")
            check(record.get("queue") == queue["name"], f"record {record['sequence']}: queue {record.get('queue')!r}, expected {queue['name']!r}")
        undo = mine[3]
        check(undo["id"] == int(c) and undo["verdict"] is None and undo.get("undoes") == mine[2]["sequence"],
              f"last record is not the undo of record {mine[2]['sequence']}: {json.dumps(undo)}")
        for fmt in ("csv", "jsonl"):
            check(reviewer in api(f"/api/verdicts?format={fmt}").text(), f"/api/verdicts?format={fmt} lacks {reviewer}")

        # The agreement view.
        page.locator("#nav-agreement").click()
        page.wait_for_function("document.querySelector('main').dataset.view === 'agreement' && !document.body.dataset.busy")
        check("Agreement" in page.locator("main h2").inner_text(), "agreement view has no heading")
        check(reviewer in page.locator("main").inner_text(), f"agreement view does not list {reviewer}")
        healthy("agreement view")
        shot("agreement.png")
        browser.close()

    print(f"review-ui-check: ok: {base}, queue {queue['name']} ({queue['total']} items), reviewer {reviewer}")
    print(f"  verdicts: #{a} correct, #{b} ambiguous with note, #{c} mislabelled -> {suggested} ({classes[suggested]}), undone (advanced to #{d} and back)")
    print(f"  log: 4 new records by {reviewer} as expected; csv and jsonl exports list them; agreement view loads")


if __name__ == "__main__":
    try:
        main()
    except CheckFailed as e:
        print(f"review-ui-check: FAIL: {e}", file=sys.stderr)
        sys.exit(1)
    except Exception as e:  # Playwright timeouts and connection errors: keep to one line
        print(f"review-ui-check: FAIL: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}", file=sys.stderr)
        sys.exit(1)
