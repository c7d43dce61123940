"""The playground in a real browser (Scripts/browser-test.sh runs this with its options).

Starts `perceptron serve` on a free loopback port, drives Debian's chromium through
Playwright, and checks what the page shows against what the API answers for the same
request: a drawn stroke's 28x28, the lesson's digit turned and moved with the sliders, the
state restored from the URL, a training run's live curve. Screenshots go to --screenshots.
Exits 1 on the first failed check, 0 when all pass.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parent.parent


class Failure(Exception):
    """A check that did not hold."""


def check(condition, message):
    if not condition:
        raise Failure(message)


def log(message):
    print(f"browser-test: {message}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Api:
    def __init__(self, base):
        self.base = base

    def call(self, method, path, body=None, timeout=120):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"} if data else {})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())

    def get(self, path):
        return self.call("GET", path)

    def post(self, path, body):
        return self.call("POST", path, body)


# ---- models and server ---------------------------------------------------------------------

def newest_runs():
    """The newest finished MLP and CNN runs in the repository's runs/, if it has both."""
    found = {}
    runs = REPO / "runs"
    if not runs.is_dir():
        return None
    for folder in sorted(runs.iterdir(), reverse=True):
        settings, model = folder / "train.json", folder / "model.safetensors"
        if not (settings.is_file() and model.is_file()):
            continue
        try:
            arch = json.loads(settings.read_text()).get("architecture")
        except (OSError, ValueError):
            continue
        if arch in ("mlp", "cnn") and arch not in found:
            found[arch] = folder
    return [found["mlp"], found["cnn"]] if len(found) == 2 else None


def tiny_models(perceptron, work):
    """An MLP and a CNN trained for one epoch on 2000 images, in <work>/runs/."""
    folders = []
    for arch in ("mlp", "cnn"):
        folder = work / "runs" / arch
        log(f"training a tiny {arch} ({folder})")
        subprocess.run([perceptron, "train", "--arch", arch, "--epochs", "1", "--train-limit", "2000",
                        "--no-report", "--verbose", "0", "--output", str(folder)],
                       check=True, cwd=work, stdout=subprocess.DEVNULL)
        folders.append(folder)
    return folders


def start_server(perceptron, models, work, port):
    arguments = [perceptron, "serve", "--host", "127.0.0.1", "--port", str(port), "--runs", str(work / "runs")]
    for model in models:
        arguments += ["--model", str(model)]
    output = open(work / "serve.log", "w")
    # The page's training runs land in the scratch folder, never in the repository's runs/.
    server = subprocess.Popen(arguments, cwd=work, stdout=output, stderr=subprocess.STDOUT)
    api = Api(f"http://127.0.0.1:{port}")
    deadline = time.time() + 90
    while time.time() < deadline:
        check(server.poll() is None, f"perceptron serve exited with {server.returncode}:\n{(work / 'serve.log').read_text()}")
        try:
            api.get("/api/models")
            return server, api
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.3)
    raise Failure("perceptron serve did not answer within 90 s")


# ---- reading the page ----------------------------------------------------------------------

READ_GRID = """id => {
  const c = document.getElementById(id);
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const out = [];
  for (let i = 0; i < c.width * c.height; i++) out.push(255 - d[i * 4]);
  return out;
}"""

READ_INK = """() => {
  const c = document.getElementById('pad');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const pixels = [];
  for (let i = 0; i < c.width * c.height; i++) pixels.push(d[i * 4 + 3]);
  return { width: c.width, height: c.height, pixels };
}"""

READ_CARDS = """() => [...document.querySelectorAll('#cards .card')].map(card => ({
  model: card.dataset.model,
  top: Number(card.dataset.top),
  probabilities: [...card.querySelectorAll('.bar-row')].map(row => Number(row.dataset.p)),
}))"""


def wait_until(page, expression, timeout=30):
    """Polls `expression` in the page until it is true. (Playwright's wait_for_function compiles
    its predicate with eval, which the server's Content-Security-Policy rightly forbids.)"""
    deadline = time.time() + timeout
    while not page.evaluate(f"() => Boolean({expression})"):
        if time.time() > deadline:
            raise Failure(f"timed out after {timeout} s waiting for {expression}")
        time.sleep(0.03)


def settle(page, quiet=0.35, timeout=30):
    """Waits until the page's update chain is idle and stays idle for `quiet` seconds."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        wait_until(page, "document.body.dataset.busy === 'false'", timeout)
        before = page.evaluate("document.body.dataset.updates")
        time.sleep(quiet)
        if page.evaluate("document.body.dataset.busy") == "false" and page.evaluate("document.body.dataset.updates") == before:
            return
    raise Failure("the page kept updating")


def compare_grid(page, grid_id, expected, what):
    shown = page.evaluate(READ_GRID, grid_id)
    check(len(shown) == 784, f"{what}: the page shows {len(shown)} pixels, not 784")
    differing = [i for i in range(784) if shown[i] != expected[i]]
    check(not differing, f"{what}: {len(differing)} pixels differ, first at (x {differing[0] % 28}, y {differing[0] // 28}) "
                         f"shown {shown[differing[0]]}, API {expected[differing[0]]}" if differing else "")


def compare_predictions(page, api, pixels, what):
    cards = page.evaluate(READ_CARDS)
    check(cards, f"{what}: no model card on the page")
    names = [card["model"] for card in cards]
    answer = api.post("/api/predict", {"pixels": pixels, "models": names})
    by_model = {result["model"]: result for result in answer["results"]}
    for card in cards:
        result = by_model[card["model"]]
        check(card["probabilities"] == result["probabilities"],
              f"{what}: {card['model']} shows {card['probabilities']}, the API answers {result['probabilities']}")
        check(card["top"] == result["top"], f"{what}: {card['model']} shows top class {card['top']}, the API {result['top']}")
    return {card["model"]: card["top"] for card in cards}


def press(page, selector, key, times):
    page.focus(selector)
    for _ in range(times):
        page.keyboard.press(key)


def drag_rate(page, selector, seconds=2.0):
    """Drags a slider's thumb back and forth for `seconds`; returns the page's updates per second
    and the slider's input events per second. The page cannot update more often than the slider
    moves, so the second figure is the ceiling of the first: each scripted mouse move waits
    for the browser to take it, which on a busy machine allows fewer moves than a hand does."""
    box = page.locator(selector).bounding_box()
    y = box["y"] + box["height"] / 2
    left, right = box["x"] + 8, box["x"] + box["width"] - 8
    page.mouse.move(box["x"] + box["width"] / 2, y)
    page.mouse.down()
    page.evaluate("""selector => {
      const slider = document.querySelector(selector);
      if (!slider.countsInputs) slider.addEventListener('input', () => { window.sliderInputs++; });
      slider.countsInputs = true;
      window.sliderInputs = 0;
    }""", selector)
    before = int(page.evaluate("document.body.dataset.updates"))
    start = time.time()
    step = 0
    while time.time() - start < seconds:
        phase = (step % 120) / 60
        x = left + (right - left) * (phase if phase <= 1 else 2 - phase)
        page.mouse.move(x, y)
        step += 1
        time.sleep(0.008)
    elapsed = time.time() - start
    page.mouse.up()
    inputs = int(page.evaluate("window.sliderInputs"))
    settle(page)
    return (int(page.evaluate("document.body.dataset.updates")) - before) / elapsed, inputs / elapsed


def input_rate(page, selector, per_second=60, seconds=2.0):
    """Moves a slider from the page itself, `per_second` input events a second for `seconds`
    (a dragged slider's input events come once a frame at most); returns the page's updates
    per second. Unlike drag_rate, the slider's pace does not depend on the test's driver."""
    before = int(page.evaluate("document.body.dataset.updates"))
    start = time.time()
    page.evaluate("""([selector, perSecond, count]) => new Promise((done) => {
      const slider = document.querySelector(selector);
      const low = Number(slider.min), high = Number(slider.max);
      let i = 0;
      const timer = setInterval(() => {
        const phase = (i % 120) / 60;
        slider.value = String(Math.round(low + (high - low) * (phase <= 1 ? phase : 2 - phase)));
        slider.dispatchEvent(new Event('input', { bubbles: true }));
        if (++i >= count) { clearInterval(timer); done(); }
      }, 1000 / perSecond);
    })""", [selector, per_second, int(per_second * seconds)])
    elapsed = time.time() - start
    settle(page)
    return (int(page.evaluate("document.body.dataset.updates")) - before) / elapsed


# ---- the checks ----------------------------------------------------------------------------

def check_drawing(page, api, shots):
    page.click("#tab-draw")
    page.click("#clear-pad")
    box = page.locator("#pad").bounding_box()
    x0, y0, w = box["x"], box["y"], box["width"]
    # A scripted "7": the top bar, then the long stroke down and to the left.
    page.mouse.move(x0 + 0.28 * w, y0 + 0.22 * w)
    page.mouse.down()
    page.mouse.move(x0 + 0.72 * w, y0 + 0.22 * w, steps=12)
    page.mouse.move(x0 + 0.42 * w, y0 + 0.82 * w, steps=18)
    page.mouse.up()
    settle(page)
    ink = page.evaluate(READ_INK)
    check(max(ink["pixels"]) > 0, "the stroke left no ink on the canvas")
    for centre in (True, False):
        if page.is_checked("#centre") != centre:
            page.click("#centre")
            settle(page)
        expected = api.post("/api/digitize", dict(ink, center=centre))["pixels"]
        compare_grid(page, "source-grid", expected, f"drawn stroke (centring {centre})")
        transformed = api.post("/api/transform", {"pixels": expected, "angle": 0})["pixels"]
        compare_grid(page, "model-grid", transformed, f"drawn stroke as the models see it (centring {centre})")
        compare_predictions(page, api, transformed, f"drawn stroke (centring {centre})")
        log(f"drawn stroke: the page's 28x28 equals /api/digitize's (center {str(centre).lower()})")
    page.click("#centre")
    settle(page)
    page.screenshot(path=str(shots / "draw.png"))


def check_lesson(page, api, shots):
    page.click("#tab-dataset")
    page.click("#tutorial-digit")
    page.click("#reset-transform")
    settle(page)
    sample = api.get("/api/samples/train/5")
    compare_grid(page, "source-grid", sample["pixels"], "X_train[5]")
    untouched = compare_predictions(page, api, sample["pixels"], "X_train[5], untransformed")

    press(page, "#angle", "ArrowRight", 20)
    press(page, "#dx", "ArrowRight", 3)
    press(page, "#dy", "ArrowRight", 3)
    settle(page)
    values = {key: page.input_value(f"#{key}") for key in ("angle", "dx", "dy", "cx", "cy", "scale")}
    check(values["angle"] == "20" and values["dx"] == "3" and values["dy"] == "3", f"the sliders read {values}")
    request = {"pixels": sample["pixels"], "angle": 20, "scale": float(values["scale"]),
               "center": [float(values["cx"]), float(values["cy"])], "shift": [3, 3],
               "interpolation": "linear", "border": "constant"}
    moved = api.post("/api/transform", request)["pixels"]
    compare_grid(page, "model-grid", moved, "X_train[5] turned 20° and moved (3, 3)")
    turned = compare_predictions(page, api, moved, "X_train[5] turned 20° and moved (3, 3)")
    log(f"sliders: rotation 20, shift 3,3: the probabilities shown equal /api/predict's "
        f"(top classes before {untouched}, after {turned})")

    # The lesson's transform, one click, and the URL that restores it.
    page.click("#tutorial-transform")
    settle(page)
    wait_until(page, "document.querySelectorAll('#sweep-angle, #sweep-shift').length === 2", 60)
    time.sleep(0.4)   # the URL is written once the sliders pause
    url = page.url
    for part in ("img=train%3A5", "angle=20", "cx=20", "cy=25", "dx=3", "dy=3"):
        check(part in url, f"the URL {url} lacks {part}")
    lesson = api.post("/api/transform", {"pixels": sample["pixels"], "angle": 20, "center": [20, 25], "shift": [3, 3]})["pixels"]
    compare_grid(page, "model-grid", lesson, "the lesson's transform")
    shown = compare_predictions(page, api, lesson, "the lesson's transform")
    page.screenshot(path=str(shots / "playground.png"), full_page=False)
    page.screenshot(path=str(shots / "playground-full.png"), full_page=True)

    other = page.context.new_page()
    other.goto(url)
    settle(other)
    restored = {key: other.input_value(f"#{key}") for key in ("angle", "cx", "cy", "dx", "dy")}
    check(restored == {"angle": "20", "cx": "20", "cy": "25", "dx": "3", "dy": "3"}, f"reopening {url} set the sliders to {restored}")
    compare_grid(other, "model-grid", lesson, "the lesson's transform, reopened from its URL")
    check(compare_predictions(other, api, lesson, "reopened URL") == shown, "the reopened URL shows other answers")
    other.close()
    log(f"URL state: {url.split('#', 1)[1]} reopens the same setup")
    return url


def check_inside(page):
    figures = page.evaluate("""() => [...document.querySelectorAll('#inside .model-inside')].map(s =>
      [s.dataset.model, [...s.querySelectorAll('figcaption')].map(f => f.textContent)])""")
    check(figures and all(captions for _, captions in figures), f"activations missing: {figures}")
    canvas = page.locator("#inside canvas.heat").first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 3, box["y"] + 3)
    page.wait_for_selector("#tip:not([hidden])", timeout=5000)
    tip = page.text_content("#tip")
    check("=" in tip, f"hovering a unit shows {tip!r}")
    page.mouse.move(0, 0)
    log(f"inside: {sum(len(c) for _, c in figures)} layers drawn; hover reads {tip!r}")


def check_training(page, api, shots, timeout):
    before = {m["name"] for m in api.get("/api/models")["models"]}
    page.select_option("#t-arch", "mlp")
    # One epoch of about 800 small steps: long enough (about a second even on a fast machine)
    # for the curve to be seen growing, short enough for the test.
    page.fill("#t-hidden", "512,512")
    page.fill("#t-epochs", "1")
    page.fill("#t-batch", "20")
    page.fill("#t-limit", "20000")
    page.click("#train-start")
    page.wait_for_selector("#train-status[data-state='training'], #train-status[data-state='completed']", timeout=30000)
    counts = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        counts.append(int(page.get_attribute("#loss-chart", "data-points") or 0))
        if page.get_attribute("#train-status", "data-state") in ("completed", "failed"):
            break
        time.sleep(0.05)
    state = page.get_attribute("#train-status", "data-state")
    check(state == "completed", f"the training run ended {state}: {page.text_content('#train-status')}")
    growth = sorted(set(counts))
    check(len(growth) >= 3 and growth[-1] > growth[0], f"the loss curve did not grow while training: {growth}")
    wait_until(page, f"document.querySelectorAll('#model-choices input').length > {len(before)}", 30)
    after = {m["name"] for m in api.get("/api/models")["models"]}
    check(len(after - before) == 1, f"the finished run did not join the models: {sorted(after - before)}")
    settle(page)
    page.locator("#train-panel").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "train.png"), full_page=False)
    log(f"training: the loss curve grew through {len(growth)} sizes ({growth[0]} → {growth[-1]} points); "
        f"{sorted(after - before)[0]} joined the models")


def check_korean(page, shots):
    if page.get_attribute("html", "lang") != "ko":
        page.click("#lang-toggle")
    check(page.get_attribute("html", "lang") == "ko", "the language toggle did not switch to Korean")
    title = page.text_content("h1")
    check("플레이그라운드" in title, f"the Korean title is {title!r}")
    check("회전" in page.text_content("label[for=angle]"), "the rotation slider is not labelled in Korean")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(shots / "playground-ko.png"))
    page.click("#lang-toggle")
    check(page.get_attribute("html", "lang") == "en", "the toggle did not switch back to English")
    log("Korean: the toggle relabels the page")


def optimise(path):
    """Re-saves a screenshot as a 256-colour PNG (Pillow, when installed): the page is flat
    colours and text, so it loses nothing visible and shrinks several times."""
    try:
        from PIL import Image
    except ImportError:
        log("Pillow is not installed: the screenshot is kept as chromium saved it")
        return
    before = path.stat().st_size
    with Image.open(path) as image:
        quantised = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    quantised.save(path, optimize=True)
    log(f"{path.name}: {before // 1024} KiB -> {path.stat().st_size // 1024} KiB")


def run(options):
    shots = Path(options.screenshots)
    shots.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="perceptron-browser-"))
    perceptron = str(Path(options.perceptron).resolve())
    models = None if options.tiny_models or options.server else newest_runs()
    if models:
        log(f"serving the newest runs: {', '.join(str(m) for m in models)}")
    elif not options.server:
        models = tiny_models(perceptron, work)
    if options.server:
        server, api = None, Api(options.server.rstrip("/"))
        origin = options.server.rstrip("/") + "/"
    else:
        port = free_port()
        server, api = start_server(perceptron, models, work, port)
        origin = f"http://127.0.0.1:{port}/"
    problems = []
    try:
        with sync_playwright() as playwright:
            arguments = ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
            browser = playwright.chromium.launch(executable_path=options.chromium, headless=True, args=arguments)
            width = 1200 if options.lesson_shot else 1440
            context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-US")
            page = context.new_page()
            page.set_default_timeout(30000)
            page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)

            def outside(route):
                problems.append(f"request outside the server: {route.request.url}")
                route.abort()
            context.route(lambda url: not url.startswith(origin), outside)

            page.goto(origin)
            wait_until(page, "Number(document.body.dataset.updates || 0) >= 1", 60)
            settle(page)
            check(page.get_attribute("html", "lang") == "en", "an en-US browser did not get the English page")

            if options.lesson_shot:
                check_lesson(page, api, shots)
                optimise(shots / "playground.png")
                check(not problems, "; ".join(problems))
                browser.close()
                log(f"the lesson's screenshot: {shots / 'playground.png'}")
                return
            check_drawing(page, api, shots)
            check_lesson(page, api, shots)
            check_inside(page)
            page.click("#tab-dataset")
            settle(page)
            for inside in (True, False):
                if page.is_checked("#show-inside") != inside:
                    page.click("#show-inside")
                    settle(page)
                rate, moves = drag_rate(page, "#angle")
                log(f"dragging the rotation slider: {rate:.1f} updates per second (activations {'on' if inside else 'off'}; "
                    f"the slider moved {moves:.1f} times a second)")
                check(rate >= options.min_rate, f"only {rate:.1f} updates per second while dragging (at least {options.min_rate})")
                rate = input_rate(page, "#angle")
                log(f"moving the rotation slider 60 times a second: {rate:.1f} updates per second "
                    f"(activations {'on' if inside else 'off'})")
                check(rate >= options.min_rate, f"only {rate:.1f} updates per second while moving (at least {options.min_rate})")
            page.click("#show-inside")
            page.click("#tutorial-transform")
            settle(page)
            check_korean(page, shots)
            check_training(page, api, shots, options.train_timeout)
            check(not problems, "; ".join(problems))
            browser.close()
    except Exception:
        log(f"server log: {work / 'serve.log'}")
        raise
    finally:
        if server:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
    log(f"all checks passed; screenshots in {shots}/")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--perceptron", required=True, help="the perceptron binary")
    parser.add_argument("--chromium", required=True, help="the chromium binary (Debian's)")
    parser.add_argument("--screenshots", default="docs/playground", help="folder for the screenshots")
    parser.add_argument("--server", help="test this running server (e.g. http://127.0.0.1:8080) instead of starting one")
    parser.add_argument("--tiny-models", action="store_true", help="always train tiny models instead of serving runs/")
    parser.add_argument("--lesson-shot", action="store_true",
                        help="only the lesson's check and its screenshot: X_train[5] turned 20 degrees about (20, 25) and "
                             "moved (3, 3), 1200 px wide, saved as <screenshots>/playground.png")
    parser.add_argument("--min-rate", type=float, default=5, help="fewest updates per second accepted while dragging")
    parser.add_argument("--train-timeout", type=float, default=300, help="seconds the page's training run may take")
    options = parser.parse_args()
    try:
        run(options)
    except Failure as failure:
        print(f"browser-test: FAILED: {failure}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
