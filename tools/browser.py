"""Debian's Chromium, driven by Playwright: one place for how the decks, the book and the
handouts open a browser (`playwright install` cannot download one here; see the README)."""

import shutil
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without the networking flags Chromium reaches for Google's servers on its own.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def available() -> bool:
    return Path(CHROMIUM).exists()


def launch(playwright):
    """A headless Chromium; stops with what to install when there is none."""
    if not available():
        raise SystemExit(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)


# Colours read mid-transition are neither the old nor the new ones: in dark mode the book's
# buttons change from black to their own colours in a 0.15 s transition that may still be
# running when the page has loaded, and axe once judged the search button's text halfway
# there. Jump what is running to its end first (waiting for it instead can take 100 s:
# reveal.js bounces a deck's arrow, down or right, 50 times, 2 s each, until the reader first
# moves that way).
SETTLE = """async () => {
  await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
  for (const a of document.getAnimations())  // getAnimations applies pending style first
    if (isFinite(a.effect?.getComputedTiming().endTime)) a.finish();  // not a spinner's loop
}"""


def settle(page) -> None:
    """Jump the transitions and animations running on ``page`` to their end (an endless one is
    left alone), so that colours read next are the ones a reader sees once the page is still."""
    page.evaluate(SETTLE)
