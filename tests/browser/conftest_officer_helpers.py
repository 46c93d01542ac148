"""Helpers of the officer's browser test. The browser itself and the screenshot folder are the
shared fixtures of tests/browser/conftest.py (`browser`, `screenshot_dir`); the officer's walk
needs several users and two widths, so it opens its own contexts with these."""

from __future__ import annotations

from pathlib import Path

SERIOUS = ("serious", "critical")
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def new_page(browser, base_url: str, width: int = 1280):
    """A fresh context (one user's session) with English pages; JavaScript errors are collected
    on `page.js_errors` for the test to check."""
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB",
                                  extra_http_headers={"Accept-Language": "en"}, base_url=base_url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.js_errors = []
    page.on("pageerror", lambda error: page.js_errors.append(str(error)))
    return page


def close(page) -> None:
    errors = list(page.js_errors)
    page.context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def log_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()


def axe_serious(page) -> list[dict]:
    """The serious and critical WCAG 2.1 A/AA violations axe-core finds on the page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in results.response["violations"] if v.get("impact") in SERIOUS
    ]


def shoot(page, folder: Path, name: str) -> Path:
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
