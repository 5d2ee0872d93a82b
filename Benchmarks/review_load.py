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

Each client is a thread with its own keep-alive connection (http.client); the clock is
time.perf_counter around each request and its full reply.
"""
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


def request(connection, token, method, path, body=None):
    headers = {"Authorization": f"Bearer {token}"}
    if body is not None:
        headers["Content-Type"] = "application/json"
        body = json.dumps(body)
    connection.request(method, path, body=body, headers=headers)
    reply = connection.getresponse()
    return reply.status, reply.read()


def ids_of(url, token, queue, count):
    connection = connect(url)
    status, body = request(connection, token, "GET", f"/api/items?queue={urllib.parse.quote(queue)}&limit={count}")
    assert status == 200, body
    return [item["id"] for item in json.loads(body)["items"]]


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def writes(url, token, clients, per_client, queue):
    ids = ids_of(url, token, queue, 500)
    latencies, acknowledged, failures = [], [], []
    lock = threading.Lock()
    start_gate = threading.Barrier(clients)

    def client(k):
        connection = connect(url)
        mine = []
        start_gate.wait()
        for n in range(per_client):
            body = {"id": ids[(k * per_client + n) % len(ids)], "verdict": VERDICTS[(k + n) % 5],
                    "reviewer": f"client-{k:03d}", "note": f"load test {k}/{n}"}
            if body["verdict"] == "mislabelled":
                body["suggested_label"] = (k + n) % 10
            began = time.perf_counter()
            try:
                status, reply = request(connection, token, "POST", "/api/verdicts", body)
            except Exception as error:  # a dropped connection is a failure, counted
                with lock:
                    failures.append(str(error))
                connection = connect(url)
                continue
            elapsed = time.perf_counter() - began
            if status == 201:
                mine.append((elapsed, json.loads(reply)["sequence"]))
            else:
                with lock:
                    failures.append(f"{status} {reply[:200]!r}")
        with lock:
            latencies.extend(e for e, _ in mine)
            acknowledged.extend(s for _, s in mine)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
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
