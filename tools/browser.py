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
