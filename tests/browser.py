"""Debian's Chromium, as every browser test drives it (through Playwright, with no browser download of its own)."""

import shutil

# None when it is not installed: the browser tests are then skipped
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
