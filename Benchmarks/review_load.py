#!/usr/bin/env python3
"""Load and durability of `loupe review` (issue 16, point 6), against a running server.

    review_load.py writes URL TOKEN CLIENTS PER_CLIENT QUEUE   concurrent clients post verdicts
                                                               on QUEUE's items; prints latencies,
                                                               checks that none is lost
    review_load.py page URL TOKEN QUEUE REPEATS                times the first grid page of QUEUE
    review_load.py hammer URL TOKEN SECONDS LOG QUEUE          16 clients post until the server
                                                               dies or SECONDS pass, appending
                                                               each acknowledged (201) verdict's
                                                               sequence to LOG

In `writes` every client is a keep-alive connection of one asyncio event loop (a thread per
client would cost the 2-core machine more CPU than the server); in `hammer` a thread with
http.client. The clock is time.perf_counter around each request and its full reply; the
server's own handler time comes from its Server-Timing header.
"""
import asyncio
import http.client
import json
import statistics
import sys
import threading
import time
import urllib.parse

VERDICTS = ["correct", "mislabelled", "ambiguous", "atypical", "corrupted"]


def connect(url):
    parts = urllib.parse.urlsplit(url)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)


def request(connection, token, method, path, body=None, timings=None):
    headers = {"Authorization": f"Bearer {token}"}
    if body is not None:
        headers["Content-Type"] = "application/json"
        body = json.dumps(body)
    connection.request(method, path, body=body, headers=headers)
    reply = connection.getresponse()
    if timings is not None:  # the server's own measure of the handler: "app;dur=12.34"
        timings.append(float(reply.getheader("Server-Timing", "app;dur=nan").split("dur=")[1]))
    return reply.status, reply.read()


def ids_of(url, token, queue, count):
    connection = connect(url)
    status, body = request(connection, token, "GET", f"/api/items?queue={urllib.parse.quote(queue)}&limit={count}")
    assert status == 200, body
    return [item["id"] for item in json.loads(body)["items"]]


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def post_verdicts(host, port, token, k, per_client, ids, gate, results):
    """One client: a keep-alive connection posting its verdicts one after another."""
    reader, writer = await asyncio.open_connection(host, port)
    await gate.wait()
    for n in range(per_client):
        body = {"id": ids[(k * per_client + n) % len(ids)], "verdict": VERDICTS[(k + n) % 5],
                "reviewer": f"client-{k:03d}", "note": f"load test {k}/{n}"}
        if body["verdict"] == "mislabelled":
            body["suggested_label"] = (k + n) % 10
        payload = json.dumps(body).encode()
        head = (f"POST /api/verdicts HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n").encode()
        began = time.perf_counter()
        writer.write(head + payload)
        try:
            status_line = await reader.readline()
            headers = {}
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode().partition(":")
                headers[name.strip().lower()] = value.strip()
            reply = await reader.readexactly(int(headers.get("content-length", "0")))
        except (asyncio.IncompleteReadError, ConnectionError) as error:
            results["failures"].append(str(error))
            return
        elapsed = time.perf_counter() - began
        status = int(status_line.split()[1])
        if status != 201:
            results["failures"].append(f"{status} {reply[:200]!r}")
            continue
        results["latencies"].append(elapsed)
        results["server"].append(float(headers.get("server-timing", "app;dur=nan").split("dur=")[1]))
        results["acknowledged"].append(json.loads(reply)["sequence"])
    writer.close()


def writes(url, token, clients, per_client, queue):
    """CLIENTS connections at once (one asyncio event loop, so the load generator itself costs
    little CPU next to the server), each posting PER_CLIENT verdicts in turn."""
    ids = ids_of(url, token, queue, 500)
    parts = urllib.parse.urlsplit(url)
    results = {"latencies": [], "server": [], "acknowledged": [], "failures": []}

    async def run():
        gate = asyncio.Event()
        tasks = [asyncio.create_task(post_verdicts(parts.hostname, parts.port, token, k, per_client, ids, gate,
                                                   results)) for k in range(clients)]
        await asyncio.sleep(0.2)  # every connection open before the first verdict
        began = time.perf_counter()
        gate.set()
        await asyncio.gather(*tasks)
        return time.perf_counter() - began

    wall = asyncio.run(run())
    latencies, server, acknowledged, failures = (results[k] for k in ("latencies", "server", "acknowledged", "failures"))
    connection = connect(url)
    status, body = request(connection, token, "GET", "/api/verdicts?format=json")
    stored = {record["sequence"] for record in json.loads(body)["verdicts"]}
    status, csv = request(connection, token, "GET", "/api/verdicts?format=csv")
    csv_rows = len(csv.decode().splitlines()) - 1
    lost = [s for s in acknowledged if s not in stored]
    ms = [1000 * x for x in latencies]
    print(json.dumps({
        "clients": clients, "verdicts_each": per_client, "acknowledged": len(acknowledged),
        "failed": len(failures), "in_database": len(stored), "lost": len(lost),
        "csv_rows": csv_rows, "wall_seconds": round(wall, 3),
        "writes_per_second": round(len(acknowledged) / wall, 1),
        "latency_ms": {"p50": round(statistics.median(ms), 2), "p99": round(percentile(ms, 99), 2),
                       "max": round(max(ms), 2)},
        "server_ms": {"p50": round(statistics.median(server), 2), "p99": round(percentile(server, 99), 2),
                      "max": round(max(server), 2)},
    }))
    if failures:
        print("first failure:", failures[0], file=sys.stderr)
    return 0 if not lost and not failures and len(acknowledged) == clients * per_client else 1


def page(url, token, queue, repeats):
    connection = connect(url)
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        status, body = request(connection, token, "GET", f"/api/items?queue={urllib.parse.quote(queue)}&limit=100")
        times.append(1000 * (time.perf_counter() - began))
        assert status == 200, body
    total = json.loads(body)["total"]
    sort = []
    for path in [f"/api/items?queue={urllib.parse.quote(queue)}&limit=100&order=asc",
                 f"/api/items?queue={urllib.parse.quote(queue)}&limit=100&class=3&state=unreviewed"]:
        began = time.perf_counter()
        status, body = request(connection, token, "GET", path)
        sort.append(round(1000 * (time.perf_counter() - began), 2))
        assert status == 200, body
    print(json.dumps({"queue": queue, "total": total, "first_ms": round(times[0], 2),
                      "median_ms": round(statistics.median(times), 2), "max_ms": round(max(times), 2),
                      "resorted_ms": sort[0], "filtered_ms": sort[1]}))
    return 0


def hammer(url, token, seconds, log_path, queue):
    ids = ids_of(url, token, queue, 500)
    stop = time.time() + seconds
    lock = threading.Lock()
    log = open(log_path, "a", buffering=1)

    def client(k):
        connection = connect(url)
        n = 0
        while time.time() < stop:
            body = {"id": ids[(k * 7919 + n) % len(ids)], "verdict": VERDICTS[n % 5], "reviewer": f"hammer-{k}"}
            n += 1
            try:
                status, reply = request(connection, token, "POST", "/api/verdicts", body)
            except Exception:
                return  # the server is gone
            if status == 201:
                with lock:
                    log.write(f"{json.loads(reply)['sequence']}\n")

    threads = [threading.Thread(target=client, args=(k,)) for k in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return 0


def main():
    mode = sys.argv[1]
    if mode == "writes":
        url, token, clients, per_client, queue = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
        sys.exit(writes(url, token, clients, per_client, queue))
    if mode == "page":
        sys.exit(page(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])))
    if mode == "hammer":
        sys.exit(hammer(sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5], sys.argv[6]))
    sys.exit(f"unknown mode {mode}")


main()
