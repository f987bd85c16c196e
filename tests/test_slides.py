"""The decks in a real browser (Debian Chromium via Playwright): every slide renders and fits.

Live path: JupyterLab + RISE on 127.0.0.1, one /rise/ deck per notebook.
Static path: the offline reveal.js decks that `make slides` writes, opened from disk.
"""

import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import nbformat
import pytest
import requests

from tools.present import lab_command

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SCREENSHOTS = ROOT / "build" / "slides" / "screenshots"
WIDTH, HEIGHT = 1280, 720
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The one outside resource a notebook refers to: the Colab badge of the (hidden) first cell.
ALLOWED_LIVE = ("https://colab.research.google.com/assets/colab-badge.svg",)

# Slide geometry of the slide on screen: the innermost section.present, and any element in
# it whose content is wider or taller than its box (clipped code, a long output).
MEASURE = """() => {
  const s = [...document.querySelectorAll('.reveal section.present')].pop();
  const r = s.getBoundingClientRect();
  const clipped = [...s.querySelectorAll('pre, .jp-OutputArea-output')]
    .filter(e => e.scrollWidth > e.clientWidth + 2)
    .map(e => e.innerText.slice(0, 60));
  const leaves = [...document.querySelectorAll('.reveal .slides section')]
    .filter(e => !e.querySelector('section'));
  return {index: leaves.indexOf(s), top: r.top, bottom: r.bottom, left: r.left, right: r.right,
          text: s.innerText.slice(0, 60), clipped: clipped, total: leaves.length};
}"""


def expected_slides(path):
    """(slides, fragments) that the notebook's slide metadata implies."""
    types = [c.metadata["slideshow"]["slide_type"] for c in nbformat.read(path, 4).cells]
    return types.count("slide") + types.count("subslide"), types.count("fragment")


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing under CI=true: .ci/run should apt-get install it")
        pytest.skip("no Chromium here: apt-get install chromium to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


def walk(page, path, next_key=None):
    """Step through the whole deck; return the measurements of each slide shown."""
    slides, fragments = expected_slides(path)
    seen = {}
    for _ in range(slides + fragments + 2):
        m = page.evaluate(MEASURE)
        seen.setdefault(m["index"], []).append(m)
        if next_key:
            page.keyboard.press(next_key)
        else:
            page.evaluate("Reveal.next()")
        page.wait_for_timeout(50)
    return slides, seen


def check_fits(path, slides, seen):
    assert sorted(seen) == list(range(slides)), f"{path.stem}: slides shown {sorted(seen)}"
    for index, shots in seen.items():
        last = shots[-1]  # with every fragment revealed
        where = f"{path.stem}, slide {index + 1} ({last['text']!r})"
        assert last["total"] == slides, where
        assert last["top"] >= -1 and last["bottom"] <= HEIGHT + 1, f"{where} is too tall: {last}"
        assert last["left"] >= -1 and last["right"] <= WIDTH + 1, f"{where} is too wide: {last}"
        assert not last["clipped"], f"{where} cuts off content: {last['clipped']}"


@pytest.fixture(scope="module")
def static_decks():
    from tools import slides

    assert slides.main() == 0
    return slides.OUT


@pytest.mark.xdist_group("static-decks")  # one worker builds the decks; the other goes live
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_static_deck_renders_fits_and_stays_offline(browser, static_decks, path):
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    outside = []
    page.on(
        "request", lambda r: None if r.url.startswith(("file:", "data:")) else outside.append(r.url)
    )
    page.goto((static_decks / f"{path.stem}.slides.html").as_uri())
    page.wait_for_function("window.Reveal && Reveal.isReady()", timeout=20000)
    assert page.evaluate("Reveal.getTotalSlides()") == expected_slides(path)[0]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{path.stem}.png"))
    check_fits(path, *walk(page, path))
    assert outside == [], f"requests left the machine: {outside}"
    page.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory):
    port, token = free_port(), "slides-test"
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path_factory.mktemp("runtime")))
    proc = subprocess.Popen(
        lab_command(port, token),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if requests.get(f"{url}/api/status?token={token}", timeout=1).ok:
                    break
            except requests.ConnectionError:
                pass
            assert proc.poll() is None, "jupyter lab exited at start-up"
            time.sleep(0.5)
        yield url, token
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def live_context(browser):
    """One browser context for every live deck: JupyterLab's scripts are cached after the
    first. Requests that leave the machine are recorded and refused (no network on stage);
    they are matched in the browser driver, so local requests take no detour through Python."""
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    context.outside = []

    def block(r):
        context.outside.append(r.request.url)
        return r.abort()

    context.route(re.compile(r"^(https?|wss?)://(?!127\.0\.0\.1[:/])"), block)
    yield context
    context.close()


@pytest.mark.xdist_group("live-decks")  # one JupyterLab server for all live decks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_live_rise_deck_renders_and_fits(live_context, lab_server, path):
    url, token = lab_server
    page = live_context.new_page()
    live_context.outside.clear()
    page.goto(f"{url}/rise/notebooks/{path.name}?token={token}")
    page.wait_for_selector(".reveal .slides section.present", timeout=60000)
    page.wait_for_timeout(500)
    page.mouse.click(WIDTH // 2, 5)  # keyboard focus on the deck
    check_fits(path, *walk(page, path, next_key="Space"))
    assert set(live_context.outside) <= set(ALLOWED_LIVE), live_context.outside
    page.close()
