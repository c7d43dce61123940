"""The predict round trip on loopback: p50 and p99 of /api/predict for each served model alone
and for the MLP and CNN together, on one keep-alive connection, X_train[5] rotated by 20
degrees about (20, 25) and shifted by (3, 3); 20 warm-up requests, then 300 timed.

    python3 Scripts/predict_timing.py http://127.0.0.1:8080/ [--activations json|float32-base64]

With --activations, every request asks for the activations too, in that encoding, and the
answer's size is printed. Standard library only.
"""

import argparse
import http.client
import json
import time
import urllib.parse


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="the server, e.g. http://127.0.0.1:8080/")
    parser.add_argument("--activations", choices=["json", "float32-base64"], help="ask for the activations in this encoding")
    parser.add_argument("--count", type=int, default=300, help="timed requests per case")
    options = parser.parse_args()
    url = urllib.parse.urlparse(options.url)
    connection = http.client.HTTPConnection(url.hostname, url.port)

    def call(method, path, body=None):
        connection.request(method, path, body=json.dumps(body) if body is not None else None,
                           headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        data = response.read()
        assert response.status in (200, 202), (path, response.status, data[:200])
        return data

    pixels = json.loads(call("GET", "/api/samples/train/5"))["pixels"]
    rotated = json.loads(call("POST", "/api/transform", {"pixels": pixels, "angle": 20, "center": [20, 25], "shift": [3, 3]}))["pixels"]
    served = json.loads(call("GET", "/api/models"))["models"]
    models = [m["name"] for m in served if m["kind"] in ("mlp", "cnn")][:2]
    kinds = {m["name"]: m["kind"] for m in served}
    for chosen in [[m] for m in models] + ([models] if len(models) > 1 else []):
        body = {"pixels": rotated, "models": chosen}
        if options.activations:
            body.update(activations=True, activationEncoding=options.activations)
        for _ in range(20):
            size = len(call("POST", "/api/predict", body))
        times = []
        for _ in range(options.count):
            start = time.perf_counter()
            call("POST", "/api/predict", body)
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        label = " + ".join(kinds[m] for m in chosen)
        extra = f", activations {options.activations}, {size / 1000:.0f} kB an answer" if options.activations else ""
        p50, p99 = times[len(times) // 2 - 1], times[min(len(times) - 1, int(len(times) * 0.99) - 1)]
        print(f"predict round trip, {label}{extra}: p50 {p50:.2f} ms, p99 {p99:.2f} ms ({len(times)} requests)")


if __name__ == "__main__":
    main()
