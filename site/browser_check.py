"""Open a built course site in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) from a
local http server, and check it: pages load without console errors, a PyTorch tab switches every tab set
(also on the next page), search finds a term, math is typeset, figures load, dark mode toggles.
Screenshots go to the folder given. Used by tests/site/test_browser.py and `site/build.py --check`.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import threading
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass


@contextmanager
def serve(directory: Path):
    """An http server on 127.0.0.1 (a free port) serving ``directory``; yields its base URL."""
    handler = functools.partial(_Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def notebook_pages(html: Path) -> list[str]:
    return sorted(f"notebooks/{p.name}" for p in (html / "notebooks").glob("*.html"))


def search_term(html: Path) -> tuple[str, str]:
    """A word from the first notebook page's title and that page's name, to search for."""
    page = notebook_pages(html)[0]
    title = re.search(r"<h1>(.*?)<", (html / page).read_text(encoding="utf-8"), re.S).group(1)
    words = [w for w in re.findall(r"[A-Za-z]{5,}", title)]
    return (max(words, key=len) if words else "tensor"), page


def check_site(html: Path, shots: Path, pages: list[str] | None = None) -> dict:
    """Run every check; returns {"errors": [...], "log": [...], "screenshots": [...]}."""
    html = Path(html)
    shots.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    log: list[str] = []
    saved: list[str] = []
    nb_pages = notebook_pages(html)
    pages = pages or [
        "index.html",
        *nb_pages,
        "api/index.html",
        "api/tinygrad_ref.ops.html",
        "gradients.html",
        "instructor-guide.html",
    ]

    def shot(page, name):
        path = shots / f"{name}.png"
        page.screenshot(path=str(path), full_page=False)
        saved.append(str(path))

    with serve(html) as base, browser() as b:
        context = b.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        console: list[str] = []
        page.on(
            "console", lambda m: console.append(f"console.{m.type}: {m.text}") if m.type == "error" else None
        )
        page.on("pageerror", lambda e: console.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: console.append(f"request failed: {r.url} ({r.failure})"))
        page.on(
            "response", lambda r: console.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None
        )

        # 1. every page loads without console errors; math is typeset; figures load
        for rel in pages:
            if not (html / rel).is_file():
                errors.append(f"missing page {rel}")
                continue
            console.clear()
            page.goto(f"{base}/{rel}", wait_until="networkidle")
            if page.locator("div.math, span.math").count():
                try:
                    page.wait_for_selector("mjx-container", state="attached", timeout=30000)
                except Exception:
                    errors.append(f"{rel}: math was not typeset by MathJax")
            broken = page.evaluate(
                "Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"
            )
            if broken:
                errors.append(f"{rel}: images not loaded: {broken}")
            if console:
                errors.append(f"{rel}: " + "; ".join(console))
            log.append(
                f"loaded {rel}: {len(console)} console error(s), "
                f"{page.locator('mjx-container').count()} formula(s), "
                f"{page.locator('img').count()} image(s)"
            )
            name = rel.replace("/", "_").removesuffix(".html")
            shot(page, f"page-{name}")

        # 2. a PyTorch tab switches every tab set on the page, and the choice holds on the next page
        tab_pages = [
            p for p in nb_pages if 'data-sync-id="pytorch"' in (html / p).read_text(encoding="utf-8")
        ]
        if not tab_pages:
            errors.append("no notebook page has a PyTorch tab")
        else:
            first = tab_pages[0]
            page.goto(f"{base}/{first}", wait_until="networkidle")
            page.evaluate("localStorage.clear()")
            page.reload(wait_until="networkidle")
            labels = page.locator('label.sd-tab-label[data-sync-id="pytorch"]')
            n = labels.count()
            checked = _checked(page, "pytorch")
            if n < 2:
                errors.append(f"{first}: expected at least two tab sets with a PyTorch tab, found {n}")
            if any(checked):
                errors.append(f"{first}: a PyTorch tab was selected before any click")
            page.locator(".sd-tab-set").first.scroll_into_view_if_needed()
            shot(page, "tabs-before-click")
            labels.first.click()
            checked = _checked(page, "pytorch")
            visible = page.evaluate(
                """Array.from(document.querySelectorAll('label.sd-tab-label[data-sync-id="pytorch"]'))
                   .map(l => l.nextElementSibling && l.nextElementSibling.offsetParent !== null)"""
            )
            if not (all(checked) and all(visible)):
                errors.append(
                    f"{first}: clicking one PyTorch tab did not switch all {n}: checked {checked}, "
                    f"visible {visible}"
                )
            else:
                log.append(f"tabs: one click on PyTorch switched all {n} tab sets on {first}")
            shot(page, "tabs-after-pytorch-click")
            for other in tab_pages[1:2]:
                page.goto(f"{base}/{other}", wait_until="networkidle")
                checked = _checked(page, "pytorch")
                if not all(checked):
                    errors.append(f"{other}: the PyTorch choice did not carry over from {first}: {checked}")
                else:
                    log.append(f"tabs: PyTorch still selected on {other} ({len(checked)} tab sets)")
                    page.locator(".sd-tab-set").first.scroll_into_view_if_needed()
                    shot(page, "tabs-next-page")

        # 3. search finds a term
        term, target = search_term(html) if nb_pages else ("tensor", "api/")
        console.clear()
        page.goto(f"{base}/search.html?q={term}", wait_until="networkidle")
        try:
            page.wait_for_selector("#search-results ul.search li", timeout=20000)
            hrefs = page.eval_on_selector_all("#search-results ul.search li a", "els => els.map(e => e.href)")
            if not any(target.removesuffix(".html") in h for h in hrefs):
                errors.append(f"search for {term!r} did not list {target}: {hrefs}")
            else:
                log.append(f"search: {term!r} -> {len(hrefs)} result(s), including {target}")
        except Exception as err:
            errors.append(f"search for {term!r} found nothing: {err}")
        if console:
            errors.append("search.html: " + "; ".join(console))
        shot(page, "search")

        # 4. dark mode: the theme's switch button turns the page dark
        page.goto(f"{base}/{nb_pages[0] if nb_pages else 'index.html'}", wait_until="networkidle")
        page.evaluate("localStorage.setItem('mode', 'light'); localStorage.setItem('theme', 'light')")
        page.reload(wait_until="networkidle")
        light_bg = _background(page)
        # the theme's colour-mode menu: open it, pick "Dark"
        page.locator("button.theme-switch-button:visible").first.click()
        page.locator("button.theme-change-button[data-mode='dark']:visible").first.click()
        page.wait_for_timeout(300)
        mode = page.evaluate("document.documentElement.dataset.theme")
        dark_bg = _background(page)
        if mode != "dark" or dark_bg == light_bg:
            errors.append(f"dark mode: theme {mode!r}, background {light_bg} -> {dark_bg}")
        else:
            log.append(f"dark mode: background {light_bg} -> {dark_bg}")
        shot(page, "dark-mode")
        context.close()
    return {"errors": errors, "log": log, "screenshots": saved}


def _checked(page, sync_id: str) -> list[bool]:
    return page.evaluate(
        f"""Array.from(document.querySelectorAll('label.sd-tab-label[data-sync-id="{sync_id}"]'))
            .map(l => document.getElementById(l.getAttribute('for')).checked)"""
    )


def _background(page) -> str:
    return page.evaluate("getComputedStyle(document.body).backgroundColor")
