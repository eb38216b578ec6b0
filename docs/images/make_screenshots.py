"""Regenerate the widget's screenshots in this folder from a real server and Debian's Chromium.

    .venv/bin/python docs/images/make_screenshots.py [--data-dir .assistant-data] [--out docs/images]

Writes widget-desktop.png (the open panel over the demo page), widget-dark.png (the same in dark
mode, with the feedback reasons open), widget-phone.png (a 390x844 phone, full screen) and
widget-rtl.png (the English widget on a right-to-left Arabic page). The server answers from the
index in the data folder, building it first if needed as `make run` does; its rate-limit and
feedback databases live in a temporary folder, so the votes cast here are thrown away.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Browser, FloatRect, Page, expect, sync_playwright

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
CHROMIUM = "/usr/bin/chromium"
LAUNCHER = "Ask about medicines"
RTL_PAGE = """<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>عيادة</title>
<style>body { margin: 0; font: 18px/1.7 system-ui, sans-serif; background: #f7f8fa; color: #1a1f25; }
main { max-width: 560px; margin: 0 auto 0 48px; padding: 48px 24px; } h1 { font-size: 30px; margin: 0 0 12px; }</style></head>
<body><main><h1>عيادة الصحة النفسية</h1>
<p>نقدم معلومات عامة عن الأدوية من مصادر موثوقة. للاستفسار عن دواء، استخدم الزر في أسفل الصفحة.</p>
<p>هذه المعلومات ليست نصيحة طبية. في حالة الطوارئ اتصل بالرقم 112.</p></main>
<script src="/widget.js" data-api="" async></script></body></html>"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_ready(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"the server was not ready within {timeout:.0f} s")


def ask(page: Page, question: str) -> None:
    """Open the panel, ask, and wait for the whole reply."""
    page.get_by_role("button", name=LAUNCHER).click()
    box = page.get_by_role("textbox", name="Your question")
    box.fill(question)
    box.press("Enter")
    expect(page.locator("[data-status]")).to_have_count(1, timeout=60_000)
    # Focus on the heading (it shows no outline): no caret, no focus ring in the picture.
    page.get_by_role("heading", name="Medicines information").click()
    page.mouse.move(0, 0)


def panel_shot(page: Page, path: Path) -> None:
    """The open panel and launcher with a margin of the page around them."""
    panel = page.get_by_role("dialog").bounding_box()
    assert panel is not None
    viewport = page.viewport_size or {"height": 800}
    clip = FloatRect(x=panel["x"] - 24, y=0, width=panel["width"] + 44, height=viewport["height"])
    page.screenshot(path=str(path), animations="disabled", clip=clip)


def shoot(browser: Browser, base: str, out: Path) -> None:
    def page(**options: object) -> Page:
        options.setdefault("viewport", {"width": 1280, "height": 800})
        context = browser.new_context(base_url=base, **options)  # type: ignore[arg-type]
        return context.new_page()

    desktop = page(color_scheme="light")
    desktop.goto("/")
    ask(desktop, "Why is esketamine given under supervision?")
    panel_shot(desktop, out / "widget-desktop.png")

    dark = page(color_scheme="dark")
    dark.goto("/")
    ask(dark, "What is ketamine bladder syndrome?")
    dark.get_by_role("button", name="Not helpful", exact=True).click()
    expect(dark.get_by_role("group", name="What was wrong? (optional)")).to_be_visible()
    dark.evaluate(
        "document.querySelector('vetted-assistant').shadowRoot.querySelector('.log').scrollTop = 1e6"
    )
    dark.get_by_role("heading", name="Medicines information").click()
    dark.mouse.move(0, 0)
    panel_shot(dark, out / "widget-dark.png")

    phone = page(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    phone.goto("/")
    ask(phone, "What is ketamine bladder syndrome?")
    phone.screenshot(path=str(out / "widget-phone.png"), animations="disabled")

    rtl = page()
    rtl.route(
        base + "/rtl-demo", lambda route: route.fulfill(status=200, content_type="text/html", body=RTL_PAGE)
    )
    rtl.goto("/rtl-demo")
    ask(rtl, "What is esketamine used for?")
    rtl.screenshot(path=str(out / "widget-rtl.png"), animations="disabled")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir", type=Path, default=REPO / ".assistant-data", help="index folder (built if needed)"
    )
    parser.add_argument("--out", type=Path, default=HERE, help="where the PNG files go")
    parser.add_argument("--chromium", default=CHROMIUM, help="the Chromium executable")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cli = Path(sys.executable).with_name("assistant")
    command = [str(cli)] if cli.exists() else [sys.executable, "-m", "assistant"]
    with tempfile.TemporaryDirectory() as scratch:
        env = {
            **os.environ,
            "ASSISTANT_DATA_DIR": str(args.data_dir.resolve()),
            "ASSISTANT_RATE_LIMIT_DB": str(Path(scratch) / "ratelimit.sqlite3"),
            "ASSISTANT_FEEDBACK_DATABASE_URL": f"sqlite:///{Path(scratch) / 'feedback.sqlite3'}",
            "ASSISTANT_RATE_LIMIT_PER_MINUTE": "1000",
        }
        log = open(Path(scratch) / "server.log", "wb")  # noqa: SIM115 - closed below
        server = subprocess.Popen(
            [*command, "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=scratch,
            env=env,
            stdout=log,
            stderr=log,
        )
        try:
            wait_until_ready(base, server, timeout=900)  # a first run builds the index
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=args.chromium, headless=True, args=["--no-sandbox", "--disable-gpu"]
                )
                try:
                    shoot(browser, base, args.out)
                finally:
                    browser.close()
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
            log.close()
    for name in ("widget-desktop.png", "widget-dark.png", "widget-phone.png", "widget-rtl.png"):
        print(args.out / name)


if __name__ == "__main__":
    main()
