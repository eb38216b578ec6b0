"""The chat widget in a real browser: Playwright driving Debian's Chromium against a real `assistant serve`.

One server and one browser for the module; every test gets a fresh browser context (its own storage).
Without Chromium or Playwright the tests skip, except under CI (env `CI` set), where they fail instead.
Screenshots go to artifacts/screenshots/ (git-ignored).
"""

from __future__ import annotations

import itertools
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.servers import postgres_server

try:
    from playwright.sync_api import Browser, Page, Route, expect, sync_playwright
except ImportError:  # pragma: no cover - the dev extra installs it
    sync_playwright = None  # type: ignore[assignment]

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = REPO / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STREAM_DELAY_MS = 120
LAUNCHER = "Ask about medicines"
NOTICE = "General information from vetted sources — not medical advice."
ANSWERED = "What is ketamine bladder syndrome?"  # streamed a few words at a time: enough deltas to watch
DOSING = "How much ketamine should I take for my first time?"
EMERGENCY = "My friend took ket and now he's not breathing"

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so the browser tests must run)", pytrace=False)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


class Server:
    def __init__(self, port: int, clinic: Clinic, feedback_url: str) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.clinic = clinic
        self.feedback_url = feedback_url

    def article(self, article_id: str) -> dict[str, Any]:
        status, body = _get(f"{self.url}/v1/articles/{article_id}")
        assert status == 200, body
        return dict(json.loads(body))


class Clinic:
    """A customer's site on another origin: serves whatever page a test sets, with the headers it sets."""

    def __init__(self) -> None:
        self.page = ""
        self.headers: dict[str, str] = {}
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = owner.page.encode()
                self.send_response(200)
                for name, value in {"Content-Type": "text/html; charset=utf-8", **owner.headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


Step = tuple[str, dict[str, Any]] | threading.Event


class ScriptedApi:
    """A chat API on another loopback port whose answers a test writes event by event.

    A step that is a `threading.Event` makes the stream wait for it, so a test can act (Stop, close the
    panel) in the middle of an answer; a script that ends without `done` is a dropped connection.
    Other GETs (articles, the privacy policy) are passed on to the real server.
    """

    def __init__(self, backend: Server) -> None:
        self.backend = backend
        self.scripts: list[list[Step]] = []
        self.requests: list[dict[str, Any]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _cors(self) -> None:
                self.send_header("Access-Control-Allow-Origin", "*")
                self.send_header("Access-Control-Allow-Headers", "content-type, accept")
                self.send_header("Access-Control-Allow-Methods", "GET, POST")

            def do_OPTIONS(self) -> None:
                self.send_response(204)
                self._cors()
                self.end_headers()

            def do_GET(self) -> None:
                status, body = _get(backend.url + self.path)
                self.send_response(status)
                self._cors()
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                owner.requests.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                script = owner.scripts.pop(0)
                self.send_response(200)
                self._cors()
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                try:
                    for step in script:
                        if isinstance(step, threading.Event):
                            step.wait(15)
                        else:
                            self.wfile.write(sse(step).encode())
                            self.wfile.flush()
                except OSError:
                    pass  # the widget stopped reading

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def use(self, page: Page) -> None:
        """A clinic's page whose widget talks to this API, with the panel open."""
        clinic = self.backend.clinic
        clinic.headers = {}
        clinic.page = f"""<!doctype html><html lang="en"><head><title>Clinic</title></head><body>
<script src="{self.backend.url}/widget.js" data-api="{self.url}" async></script></body></html>"""
        page.goto(clinic.url + "/")
        page.get_by_role("button", name=LAUNCHER).click()


@pytest.fixture
def scripted(server: Server) -> Iterator[ScriptedApi]:
    api = ScriptedApi(server)
    yield api
    api.httpd.shutdown()
    api.httpd.server_close()


def citation(article: dict[str, Any], n: int, sentence: int = 0) -> dict[str, Any]:
    """A citation of one sentence of an article's first passage, with offsets that match its body."""
    passage = article["passages"][0]
    quote = re.split(r"(?<=\.) ", passage["text"])[sentence]
    start = passage["start"] + passage["text"].index(quote)
    return {
        "n": n,
        "article_id": article["id"],
        "title": article["title"],
        "url": article["sources"][0]["url"],
        "passage_id": passage["id"],
        "quote": quote,
        "start": start,
        "end": start + len(quote),
    }


@pytest.fixture(scope="module")
def clinic() -> Iterator[Clinic]:
    site = Clinic()
    yield site
    site.httpd.shutdown()
    site.httpd.server_close()


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, clinic: Clinic, shipped_data_dir: Path
) -> Iterator[Server]:
    """`assistant serve` on a free port over the session's index, with paced streaming and a generous rate limit."""
    data = tmp_path_factory.mktemp("widget-data")
    with _serving(data, clinic, shipped_data_dir, f"sqlite:///{data / 'feedback.sqlite3'}") as serving:
        yield serving


@pytest.fixture(scope="module")
def postgres_feedback_server(
    tmp_path_factory: pytest.TempPathFactory, clinic: Clinic, shipped_data_dir: Path
) -> Iterator[Server]:
    """The same server storing feedback in a real PostgreSQL started on loopback."""
    data = tmp_path_factory.mktemp("widget-postgres")
    with postgres_server() as url, _serving(data, clinic, shipped_data_dir, url) as serving:
        yield serving


@contextmanager
def _serving(data: Path, clinic: Clinic, shipped_data_dir: Path, feedback_url: str) -> Iterator[Server]:
    port = _free_port()
    cli = Path(sys.executable).with_name("assistant")
    command = [str(cli)] if cli.exists() else [sys.executable, "-m", "assistant"]
    env = {
        **os.environ,
        "ASSISTANT_DATA_DIR": str(shipped_data_dir),
        "ASSISTANT_RATE_LIMIT_DB": str(data / "ratelimit.sqlite3"),
        "ASSISTANT_STREAM_DELAY_MS": str(STREAM_DELAY_MS),
        "ASSISTANT_RATE_LIMIT_PER_MINUTE": "1000",
        "ASSISTANT_ALLOWED_ORIGINS": json.dumps([clinic.url]),
        "ASSISTANT_FEEDBACK_DATABASE_URL": feedback_url,
    }
    log_path = data / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [*command, "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=data,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 240
        while True:
            if process.poll() is not None:
                pytest.fail(f"the server exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                if _get(f"http://127.0.0.1:{port}/readyz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the server was not ready in time:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.3)
        yield Server(port, clinic, feedback_url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if sync_playwright is None:
        _unavailable("Playwright for Python is not installed (pip install -e '.[dev]')")
    if not CHROMIUM.exists():
        _unavailable(f"Chromium is missing at {CHROMIUM} (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def new_page(browser: Browser, server: Server) -> Iterator[Callable[..., Page]]:
    """Pages in fresh contexts; any uncaught script error fails the test."""
    contexts = []
    errors: list[str] = []

    def make(**options: Any) -> Page:
        options.setdefault("viewport", {"width": 1280, "height": 800})
        context = browser.new_context(base_url=server.url, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    return new_page()


# ---------- helpers ----------


def open_widget(page: Page, path: str = "/") -> None:
    page.goto(path)
    # include_hidden: on phones the open panel covers the launcher.
    launcher = page.get_by_role("button", name=LAUNCHER, include_hidden=True)
    expect(launcher).to_have_attribute("aria-expanded", "false")
    launcher.click()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("dialog")).to_be_visible()


def textbox(page: Page, label: str = "Your question") -> Any:
    return page.get_by_role("textbox", name=label)


def replies(page: Page) -> Any:
    return page.locator("[data-status]")


def ask(page: Page, question: str, label: str = "Your question") -> Any:
    """Type a question, send it with Enter, and return the reply once it is complete."""
    before = replies(page).count()
    textbox(page, label).fill(question)
    textbox(page, label).press("Enter")
    expect(replies(page)).to_have_count(before + 1, timeout=30_000)  # a busy CI machine is slow
    return replies(page).nth(before)


def shadow(page: Page, script: str) -> Any:
    """Evaluate `script` (a function of the widget's shadow root) in the page."""
    return page.evaluate(
        f"(() => {{ const root = document.querySelector('vetted-assistant').shadowRoot; return ({script})(root); }})()"
    )


def focused(page: Page) -> dict[str, Any]:
    return dict(
        shadow(
            page,
            """root => { const el = root.activeElement; return el ? {tag: el.tagName.toLowerCase(),
        label: el.getAttribute('aria-label') || '', text: el.textContent.trim(), cls: el.className || '', id: el.id,
        outline: getComputedStyle(el).outlineStyle} : {tag: null}; }""",
        )
    )


def press_until(
    page: Page, key: str, predicate: Callable[[dict[str, Any]], bool], limit: int = 40
) -> dict[str, Any]:
    for _ in range(limit):
        page.keyboard.press(key)
        now = focused(page)
        if predicate(now):
            return now
    raise AssertionError(f"pressing {key} {limit} times never reached the wanted element")


def screenshot(page: Page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), animations="disabled")
    return path


def sse(*events: tuple[str, dict[str, Any]]) -> str:
    return "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events)


# ---------- tests ----------


def test_demo_page_embeds_the_widget_like_a_customer(page: Page, server: Server) -> None:
    status, html = _get(server.url + "/")
    assert status == 200
    text = html.decode()
    assert '<script src="/widget.js" data-api=""' in text and " async></script>" in text
    assert "What it does not do" in text
    status, script = _get(server.url + "/widget.js")
    assert status == 200
    assert len(script) < 50 * 1024, f"widget.js is {len(script)} bytes, over 50 KiB"
    assert b"innerHTML" not in script and b"eval(" not in script

    open_widget(page)
    dialog = page.get_by_role("dialog")
    expect(dialog).to_have_accessible_name("Medicines information")
    expect(dialog.get_by_text(NOTICE)).to_be_visible()
    log = page.get_by_role("log")
    expect(log).to_have_attribute("aria-live", "polite")
    expect(log).to_contain_text("vetted articles")
    expect(textbox(page)).to_be_focused()
    for name in ("Send", "New conversation", "Close chat"):
        expect(page.get_by_role("button", name=name)).to_be_visible()
    # Styles live in the shadow root: nothing leaks into the page, and the page's own styles are untouched.
    assert page.evaluate("document.styleSheets.length") == 1
    assert page.evaluate("getComputedStyle(document.body).fontSize") == "17px"


def test_answer_streams_in_progressively_with_citations(page: Page) -> None:
    open_widget(page)
    shadow(
        page,
        """root => {
        window.__snapshots = [];
        const log = root.querySelector('[role=log]');
        new MutationObserver(() => {
            const answers = log.querySelectorAll('.tx');
            const stop = root.querySelector('button[aria-label="Stop the answer"]');
            window.__snapshots.push({text: answers.length ? answers[answers.length - 1].textContent : '',
                                     stop: !!stop && !stop.hidden, t: performance.now()});
        }).observe(log, {subtree: true, childList: true, characterData: true});
    }""",
    )
    with page.expect_request("**/v1/chat") as request_info:
        reply = ask(page, ANSWERED)
    request = request_info.value
    assert request.method == "POST"
    assert request.headers["accept"] == "text/event-stream"
    assert request.post_data_json == {
        "messages": [{"role": "user", "content": ANSWERED}],
        "stream": True,
        "language": "en",
    }

    expect(reply).to_have_attribute("data-status", "answered")
    final = reply.locator(".tx").text_content() or ""
    seen: list[dict[str, Any]] = []
    for snap in page.evaluate("window.__snapshots"):
        if snap["text"] and (not seen or snap["text"] != seen[-1]["text"]):
            seen.append(snap)
    assert len(seen) >= 3, f"the answer did not arrive in pieces: {[s['text'][:40] for s in seen]}"
    for earlier, later in itertools.pairwise(seen):
        assert later["text"].startswith(earlier["text"]) and len(later["text"]) > len(earlier["text"])
    assert seen[-1]["text"] == final
    assert seen[-1]["t"] - seen[0]["t"] >= 2 * STREAM_DELAY_MS * 0.8, "all text arrived at once"
    assert any(s["stop"] for s in seen[:-1]), "the Stop button was not offered while the answer streamed"

    # Markers became buttons; a sources list sits under the answer.
    inline = reply.locator(".tx button")
    assert inline.count() >= 1
    assert "[1]" not in final
    expect(inline.first).to_have_accessible_name("Source 1: Ketamine bladder syndrome (ketamine uropathy)")
    expect(reply.get_by_text("Sources", exact=True)).to_be_visible()
    expect(reply.locator(".src li").first).to_contain_text("Ketamine bladder syndrome (ketamine uropathy)")
    for href in reply.locator("a").evaluate_all("links => links.map(a => a.href)"):
        assert href.startswith("https://")
    expect(page.get_by_role("button", name="Send")).to_be_visible()
    expect(page.get_by_role("button", name="Stop the answer")).to_be_hidden()
    expect(textbox(page)).to_have_value("")


def test_citation_opens_the_quoted_passage_highlighted(page: Page, server: Server) -> None:
    open_widget(page)
    with page.expect_response("**/v1/chat") as response_info:
        reply = ask(page, "Why is esketamine given under supervision?")
    events = [
        block for block in response_info.value.text().split("\n\n") if block.startswith("event: citations")
    ]
    citation = json.loads(events[0].split("data: ", 1)[1])["citations"][0]
    article = server.article(citation["article_id"])
    assert article["body"][citation["start"] : citation["end"]] == citation["quote"]  # code points in Python

    button = reply.locator(".tx button").first
    button.click()
    viewer = page.locator("section[aria-labelledby=va-vtitle]")
    expect(viewer.get_by_role("heading", level=3)).to_have_text(article["title"])
    expect(viewer.get_by_role("heading", level=3)).to_be_focused()
    expect(viewer).to_contain_text("Reviewed November 27, 2026")
    mark = viewer.locator("mark")
    expect(mark).to_have_count(1)
    expect(mark).to_have_text(citation["quote"])
    expect(mark).to_be_in_viewport()
    assert mark.evaluate("m => getComputedStyle(m).backgroundColor") not in (
        "rgba(0, 0, 0, 0)",
        "transparent",
    )
    passage = viewer.locator("blockquote").text_content() or ""
    assert len(passage) > len(citation["quote"])  # shown in its context
    source = viewer.get_by_role("link", name=article["sources"][0]["name"])
    expect(source).to_have_attribute("href", article["sources"][0]["url"])
    expect(source).to_have_attribute("target", "_blank")
    expect(source).to_have_attribute("rel", "noopener noreferrer nofollow")

    viewer.get_by_role("button", name="Back to conversation").click()
    expect(viewer).to_be_hidden()
    expect(button).to_be_focused()


def test_refusal_and_emergency_look_different_with_tel_links(page: Page) -> None:
    open_widget(page)
    answer = ask(page, "What is esketamine used for?")
    refusal = ask(page, DOSING)
    expect(refusal).to_have_attribute("data-status", "refused")
    expect(refusal).to_contain_text("Not something I can help with")
    expect(refusal).to_contain_text("clinician or pharmacist")
    # No link and nothing to copy; a vote, so that a wrong refusal reaches the curators.
    expect(refusal.locator("a")).to_have_count(0)
    expect(refusal.get_by_role("button", name="Copy")).to_have_count(0)
    expect(refusal.get_by_role("button", name="Not helpful", exact=True)).to_be_visible()

    with page.expect_request("**/v1/chat") as request_info:
        emergency = ask(page, EMERGENCY)
    expect(emergency).to_have_attribute("data-status", "escalated")
    expect(emergency).to_contain_text("This may be an emergency")
    for number in ("911", "112", "999"):
        link = emergency.get_by_role("link", name=f"Call {number}")
        expect(link).to_have_attribute("href", f"tel:{number}")
        box = link.bounding_box()
        assert box and box["height"] >= 44, "emergency numbers must be easy to tap"

    # The history goes with each question: answer, refusal, then the new question.
    sent = request_info.value.post_data_json["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user", "assistant", "user"]
    assert sent[2]["content"] == DOSING and "clinician or pharmacist" in sent[3]["content"]

    def look(reply: Any) -> tuple[str, str, str]:
        return tuple(
            reply.evaluate(
                "el => { const s = getComputedStyle(el); "
                "return [s.backgroundColor, s.borderLeftColor, s.borderLeftWidth]; }"
            )
        )

    looks = {look(answer), look(refusal), look(emergency)}
    assert len(looks) == 3, f"answer, refusal and emergency should look different: {looks}"
    assert look(refusal)[1:] == ("rgb(180, 83, 9)", "5px")  # an amber edge
    assert look(emergency)[1:] == ("rgb(198, 40, 40)", "5px")  # a red edge
    screenshot(page, "desktop-light-guardrails")


def test_the_hint_counts_down_near_the_length_limit_and_says_when_a_paste_was_cut(page: Page) -> None:
    open_widget(page)
    box = textbox(page)
    hint = page.locator("#va-hint")
    box.fill("a" * 100)
    expect(hint).to_have_text("Enter to send · Shift+Enter for a new line")
    box.fill("a" * 1850)
    expect(hint).to_have_text("150 characters left")
    box.fill("b" * 2600)  # the field keeps the server's limit
    assert len(box.input_value()) == 2000
    expect(hint).to_contain_text("Limit: 2000 characters; the rest was cut")
    box.fill("")
    expect(hint).to_have_text("Enter to send · Shift+Enter for a new line")


def test_abstention_is_plain(page: Page) -> None:
    open_widget(page)
    reply = ask(page, "Who painted the Mona Lisa?")
    expect(reply).to_have_attribute("data-status", "abstained")
    expect(reply).to_contain_text("I don't have a vetted source")
    expect(reply.locator("a, .src")).to_have_count(0)
    expect(reply.get_by_role("button", name="Copy")).to_have_count(0)
    expect(reply.get_by_role("button", name="Helpful", exact=True)).to_be_visible()


def test_answers_worded_by_a_model_say_so_and_quoted_ones_do_not(page: Page) -> None:
    def chat(route: Route) -> None:
        question = route.request.post_data_json["messages"][-1]["content"]
        answerer = "llm" if "model" in question else "llm+fallback"  # a fallback answer is quotes
        events = sse(
            ("meta", {"id": "ans_x", "index_version": "v"}),
            ("delta", {"text": "Esketamine is a nasal spray."}),
            ("done", {"status": "answered", "answerer": answerer}),
        )
        route.fulfill(status=200, headers={"Content-Type": "text/event-stream"}, body=events)

    page.route("**/v1/chat", chat)
    open_widget(page)
    worded = ask(page, "what is esketamine (model)")
    expect(worded.get_by_text("Worded by a language model from these sources.")).to_be_visible()
    quoted = ask(page, "what is esketamine (quotes)")
    expect(quoted.get_by_text("Esketamine is a nasal spray.")).to_be_visible()
    expect(quoted.locator(".note")).to_have_count(0)
    page.reload()
    open_widget(page)
    expect(page.get_by_text("Worded by a language model from these sources.")).to_have_count(1)  # restored


def test_history_survives_a_reload_and_can_be_cleared(page: Page, server: Server) -> None:
    key = f"vetted-assistant:v1:127.0.0.1:{server.port}:conversation"
    open_widget(page)
    ask(page, ANSWERED)
    page.reload()
    page.get_by_role("button", name=LAUNCHER).click()
    log = page.get_by_role("log")
    expect(log).to_contain_text(ANSWERED)
    restored = replies(page).first
    expect(restored).to_have_attribute("data-status", "answered")
    restored.locator(".tx button").first.click()
    expect(page.locator("section[aria-labelledby=va-vtitle] mark")).to_be_visible()
    page.keyboard.press("Escape")

    with page.expect_request("**/v1/chat") as request_info:
        ask(page, "How is it treated?")
    sent = request_info.value.post_data_json["messages"]
    assert [m["content"] for m in sent if m["role"] == "user"] == [ANSWERED, "How is it treated?"]
    stored = json.loads(page.evaluate(f"sessionStorage.getItem('{key}')"))
    assert len(stored["turns"]) == 2

    page.get_by_role("button", name="New conversation").click()
    expect(log).not_to_contain_text("How is it treated?")
    expect(log.get_by_text(ANSWERED)).to_have_role("button")  # only the suggestion is left
    expect(replies(page)).to_have_count(0)
    expect(page.get_by_role("button", name="New conversation")).to_be_disabled()
    expect(textbox(page)).to_be_focused()
    assert page.evaluate(f"sessionStorage.getItem('{key}')") is None
    page.reload()
    page.get_by_role("button", name=LAUNCHER).click()
    expect(replies(page)).to_have_count(0)


def test_history_is_capped_at_twenty_turns(page: Page, server: Server) -> None:
    key = f"vetted-assistant:v1:127.0.0.1:{server.port}:conversation"
    turns = [
        {"q": f"Old question {i}", "a": {"status": "abstained", "text": f"Old reply {i}"}} for i in range(20)
    ]
    page.goto("/")
    page.evaluate("([k, v]) => sessionStorage.setItem(k, v)", [key, json.dumps({"v": 1, "turns": turns})])
    open_widget(page)
    expect(replies(page)).to_have_count(20)
    with page.expect_request("**/v1/chat") as request_info:
        textbox(page).fill("What is esketamine?")
        textbox(page).press("Enter")
    sent = request_info.value.post_data_json["messages"]
    assert len(sent) <= 40 and sent[-1] == {"role": "user", "content": "What is esketamine?"}
    expect(page.get_by_role("log")).not_to_contain_text("Old question 0")
    expect(replies(page)).to_have_count(20)
    stored = json.loads(page.evaluate(f"sessionStorage.getItem('{key}')"))
    assert len(stored["turns"]) == 20
    assert stored["turns"][0]["q"] == "Old question 1" and stored["turns"][-1]["q"] == "What is esketamine?"


def test_server_and_article_text_is_rendered_as_text_never_html(page: Page) -> None:
    img = "<img src=x onerror=\"window.__xss='img'\">"
    script = "<script>window.__xss='script'</script>"
    quote = f"Quoted {img} and {script} stay text."
    body = f"# Heading\n\nBefore the quote. {quote} After <a href=\"javascript:window.__xss='a'\">link</a>."
    start = len(body.split(quote)[0])
    citation = {
        "n": 1,
        "article_id": "crafted",
        "title": f"Title {img}",
        "url": "javascript:window.__xss='url'",
        "passage_id": "crafted#1",
        "quote": quote,
        "start": start,
        "end": start + len(quote),
    }
    article = {
        "id": "crafted",
        "title": f"Article {img}",
        "url": "http://insecure.example/",
        "reviewed_on": "2026-11-27",
        "topics": [],
        "summary": script,
        "license": f"<b>{img}</b>",
        "see": [],
        "body": body,
        "sources": [
            {"name": f"Bad {img}", "url": "javascript:window.__xss='src'"},
            {"name": "Plain http source", "url": "http://insecure.example/"},
            {"name": "Good source", "url": "https://www.who.int/"},
        ],
        "passages": [
            {
                "id": "crafted#1",
                "n": 1,
                "section": f"Section {script}",
                "start": 11,
                "end": start + len(quote),
                "text": body[11 : start + len(quote)],
            }
        ],
    }

    def chat(route: Route) -> None:
        question = route.request.post_data_json["messages"][-1]["content"]
        if "emergency" in question:
            events = sse(
                ("meta", {"id": "ans_x", "index_version": "v"}),
                (
                    "guardrail",
                    {
                        "category": "emergency",
                        "action": "escalate",
                        "rule": "r",
                        "message": f"Help {img}",
                        "contacts": ["911", "javascript:alert(1)", f"{img}"],
                        "status": "escalated",
                    },
                ),
                ("done", {"status": "escalated"}),
            )
        else:
            events = sse(
                ("meta", {"id": "ans_x", "index_version": "v"}),
                ("delta", {"text": f"{quote} [1]"}),
                (
                    "citations",
                    {"citations": [citation], "related_articles": [{"id": "crafted", "title": script}]},
                ),
                ("done", {"status": "answered"}),
            )
        route.fulfill(status=200, headers={"Content-Type": "text/event-stream"}, body=events)

    page.route("**/v1/chat", chat)
    page.route("**/v1/articles/**", lambda route: route.fulfill(status=200, json=article))
    open_widget(page)
    reply = ask(page, "Tell me something crafted")
    expect(reply.get_by_text(quote)).to_be_visible()
    expect(reply.get_by_text(f"Title {img}")).to_be_visible()
    reply.locator(".tx button").first.click()
    viewer = page.locator("section[aria-labelledby=va-vtitle]")
    expect(viewer.locator("mark")).to_have_text(quote)
    expect(viewer.get_by_text(f"Section {script}", exact=False)).to_be_visible()
    expect(viewer.get_by_text("Plain http source")).to_be_visible()
    expect(viewer.get_by_role("link", name="Good source")).to_have_attribute("href", "https://www.who.int/")
    page.keyboard.press("Escape")
    escalation = ask(page, "crafted emergency")
    expect(escalation.get_by_text(f"Help {img}")).to_be_visible()
    expect(escalation.get_by_role("link")).to_have_count(1)
    expect(escalation.get_by_role("link")).to_have_attribute("href", "tel:911")

    page.wait_for_timeout(300)  # give any injected handler a chance to run
    assert page.evaluate("window.__xss") is None
    created = shadow(page, "root => root.querySelectorAll('img, script, iframe, object, embed, b').length")
    assert created == 0, "server text created elements"
    hrefs = shadow(page, "root => [...root.querySelectorAll('[href]')].map(a => a.getAttribute('href'))")
    assert hrefs and all(h.startswith(("https:", "tel:")) for h in hrefs), hrefs


def test_keyboard_only(page: Page) -> None:
    page.goto("/")
    launcher = press_until(page, "Tab", lambda el: el.get("cls") == "ln", limit=15)
    assert launcher["outline"] != "none", "keyboard focus must be visible"
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog")).to_be_visible()
    expect(textbox(page)).to_be_focused()
    page.keyboard.type("What is ketamine")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("used for?")
    expect(textbox(page)).to_have_value("What is ketamine\nused for?")
    page.keyboard.press("Enter")
    expect(replies(page)).to_have_count(1)
    expect(page.get_by_role("log")).to_contain_text("What is ketamine\nused for?")

    # From the header, Tab reaches the transcript and then the first citation.
    page.get_by_role("button", name="Close chat").focus()
    cite = press_until(page, "Tab", lambda el: el.get("label", "").startswith("Source 1:"))
    assert cite["outline"] != "none"
    page.keyboard.press("Enter")
    expect(page.locator("section[aria-labelledby=va-vtitle] mark")).to_be_visible()
    assert focused(page)["id"] == "va-vtitle"
    page.keyboard.press("Escape")  # closes the source, back to the citation
    expect(page.locator("section[aria-labelledby=va-vtitle]")).to_be_hidden()
    assert focused(page)["label"].startswith("Source 1:")
    page.keyboard.press("Escape")  # closes the panel, back to the launcher
    expect(page.get_by_role("dialog")).to_be_hidden()
    assert focused(page)["cls"] == "ln"
    expect(page.get_by_role("button", name=LAUNCHER)).to_have_attribute("aria-expanded", "false")


def test_stop_button_aborts_the_answer(page: Page) -> None:
    open_widget(page)
    textbox(page).fill(ANSWERED)
    textbox(page).press("Enter")
    stop = page.get_by_role("button", name="Stop the answer")
    expect(stop).to_be_visible()
    expect(page.get_by_role("button", name="Send")).to_be_hidden()
    stop.click()
    reply = replies(page).first
    expect(reply).to_have_attribute("data-status", "stopped")
    expect(reply).to_contain_text("Stopped.")
    expect(page.get_by_role("button", name="Send")).to_be_visible()
    expect(textbox(page)).to_be_focused()
    ask(page, "What is esketamine?")  # the widget is usable again


def test_errors_are_calm_inline_and_keep_the_typed_text(page: Page) -> None:
    open_widget(page)
    question = "Is ketamine an opioid?"
    error = page.get_by_role("alert")

    page.route(
        "**/v1/chat",
        lambda route: route.fulfill(
            status=429,
            headers={"Retry-After": "2", "Content-Type": "application/problem+json"},
            body=json.dumps(
                {"type": "about:blank", "title": "Too many requests", "status": 429, "detail": "slow down"}
            ),
        ),
    )
    textbox(page).fill(question)
    textbox(page).press("Enter")
    expect(error).to_contain_text("Too many questions in a short time. You can try again in 2 s.")
    expect(textbox(page)).to_have_value(question)
    expect(replies(page)).to_have_count(0)
    expect(page.get_by_role("log")).not_to_contain_text(question)
    retry = error.get_by_role("button", name="Try again")
    expect(retry).to_be_disabled()
    expect(error).to_contain_text("You can try again now.", timeout=5000)
    page.unroute("**/v1/chat")
    retry.click()
    expect(replies(page)).to_have_count(1)
    expect(error).to_be_hidden()
    expect(textbox(page)).to_have_value("")

    page.route(
        "**/v1/chat",
        lambda route: route.fulfill(
            status=500,
            content_type="application/problem+json",
            body=json.dumps({"status": 500, "title": "x", "detail": "<b>x</b>"}),
        ),
    )
    textbox(page).fill(question)
    textbox(page).press("Enter")
    expect(error).to_contain_text("Something went wrong on our side. Please try again.")
    expect(textbox(page)).to_have_value(question)
    page.unroute("**/v1/chat")

    page.route("**/v1/chat", lambda route: route.abort("internetdisconnected"))
    error.get_by_role("button", name="Try again").click()
    expect(error).to_contain_text("Can't reach the assistant.")
    expect(textbox(page)).to_have_value(question)
    page.unroute("**/v1/chat")

    page.route(
        "**/v1/chat",
        lambda route: route.fulfill(
            status=200,
            headers={"Content-Type": "text/event-stream"},
            body=sse(
                ("meta", {"id": "a", "index_version": "v"}),
                ("delta", {"text": "Half an"}),
                (
                    "error",
                    {
                        "type": "about:blank",
                        "title": "Internal server error",
                        "status": 500,
                        "detail": "boom",
                    },
                ),
            ),
        ),
    )
    error.get_by_role("button", name="Try again").click()
    expect(error).to_contain_text("Something went wrong on our side.")
    # What arrived stays, marked as cut off, and the question is back in the input for another try.
    cut_off = replies(page).nth(1)
    expect(cut_off).to_have_attribute("data-status", "incomplete")
    expect(cut_off).to_contain_text("Half an")
    expect(cut_off).to_contain_text("Incomplete: the answer was cut off.")
    expect(textbox(page)).to_have_value(question)
    expect(replies(page)).to_have_count(2)


def test_mobile_full_screen(new_page: Callable[..., Page]) -> None:
    for scheme in ("light", "dark"):
        page = new_page(
            viewport={"width": 390, "height": 844},
            is_mobile=True,
            has_touch=True,
            device_scale_factor=2,
            color_scheme=scheme,
        )
        open_widget(page)
        box = page.get_by_role("dialog").bounding_box()
        assert box == {"x": 0, "y": 0, "width": 390, "height": 844}, box
        expect(page.get_by_role("button", name=LAUNCHER)).to_be_hidden()  # the panel covers the screen
        expect(textbox(page)).to_be_in_viewport()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        reply = ask(page, ANSWERED)
        expect(reply.locator(".tx button").first).to_be_visible()
        input_box = textbox(page).bounding_box()
        assert input_box and input_box["y"] + input_box["height"] <= 844
        font_size = shadow(page, "root => getComputedStyle(root.querySelector('textarea')).fontSize")
        assert font_size == "16px", "smaller text makes iOS zoom in on focus"
        if scheme == "light":
            ask(page, EMERGENCY)
        screenshot(page, f"mobile-{scheme}")
        page.get_by_role("button", name="Close chat").click()
        expect(page.get_by_role("button", name=LAUNCHER)).to_be_focused()


def test_cross_origin_embed_with_options_strict_csp_and_hostile_css(page: Page, server: Server) -> None:
    """A clinic's page on another origin, with a strict CSP and CSS that tries to break the widget."""
    host_page = f"""<!doctype html><html lang="en"><head><title>Clinic</title>
<style nonce="n0nce">* {{ font-family: serif !important; color: red !important; line-height: 3 !important; }}
vetted-assistant, button, div, p {{ display: none !important; }} textarea {{ visibility: hidden !important; }}</style></head>
<body><h1>Clinic</h1><script src="{server.url}/widget.js" data-api="{server.url}" data-title="Clinic helper"
data-locale="es" data-position="left" data-accent="#fde047" data-open data-persistence="none" async></script></body></html>"""
    csp = f"default-src 'none'; script-src {server.url}; connect-src {server.url}; style-src 'nonce-n0nce'; img-src 'none'"
    page.add_init_script(
        "window.__csp = []; document.addEventListener('securitypolicyviolation', e => "
        "window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    server.clinic.page = host_page
    server.clinic.headers = {"Content-Security-Policy": csp}
    page.goto(server.clinic.url + "/")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()  # data-open
    expect(dialog).to_have_accessible_name("Clinic helper")
    expect(dialog).to_contain_text("Información general de fuentes verificadas — no es consejo médico.")
    launcher = page.get_by_role("button", name="Preguntar sobre medicamentos")
    expect(launcher).to_be_visible()
    assert (launcher.bounding_box() or {})["x"] < 40  # data-position="left"
    colours = launcher.evaluate("b => [getComputedStyle(b).backgroundColor, getComputedStyle(b).color]")
    assert colours == ["rgb(253, 224, 71)", "rgb(17, 17, 17)"], "a light accent gets dark text"
    assert shadow(page, "root => getComputedStyle(root.querySelector('textarea')).visibility") == "visible"
    assert shadow(page, "root => getComputedStyle(root.querySelector('h2')).fontFamily") != "serif"

    reply = ask(page, "¿Para qué se usa la esketamina?", "Su pregunta")  # the API is on another origin: CORS
    expect(reply).to_have_attribute("data-status", re.compile("answered|abstained"))
    refusal = ask(page, "¿Cuánta ketamina debo tomar?", "Su pregunta")
    expect(refusal).to_contain_text("No puedo ayudar con esto")
    expect(refusal.locator("[lang=es]")).to_have_count(1)
    assert page.evaluate("window.__csp") == []
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0  # data-persistence="none"


def test_accessibility_audit_and_screenshots(new_page: Callable[..., Page]) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    for scheme in ("light", "dark"):
        page = new_page(color_scheme=scheme)
        open_widget(page)
        ask(page, "Why is esketamine given under supervision?")
        page.mouse.move(0, 0)
        panel = page.get_by_role("dialog").bounding_box()
        assert panel
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(  # the open widget over the demo page, for docs/images/widget-desktop.png
            path=str(SHOTS / f"widget-desktop-{scheme}.png"),
            animations="disabled",
            clip={"x": panel["x"] - 24, "y": 0, "width": panel["width"] + 44, "height": 800},
        )
        ask(page, DOSING)
        ask(page, EMERGENCY)
        screenshot(page, f"desktop-{scheme}")
        results = axe.run(page)
        _assert_no_serious(results.response, f"{scheme}, conversation")

        # The feedback reasons, open under the first answer.
        replies(page).first.get_by_role("button", name="Not helpful", exact=True).click()
        expect(page.get_by_role("group", name="What was wrong? (optional)")).to_be_visible()
        _assert_no_serious(axe.run(page).response, f"{scheme}, feedback reasons")

        replies(page).first.locator(".tx button").first.click()
        expect(page.locator("section[aria-labelledby=va-vtitle] mark")).to_be_visible()
        screenshot(page, f"desktop-{scheme}-source")
        _assert_no_serious(axe.run(page).response, f"{scheme}, source view")

        # The phone's full-screen modal panel, with an answer in it.
        phone = new_page(
            viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, color_scheme=scheme
        )
        open_widget(phone)
        ask(phone, ANSWERED)
        expect(phone.get_by_role("dialog")).to_have_attribute("aria-modal", "true")
        _assert_no_serious(axe.run(phone).response, f"{scheme}, phone modal")


def _assert_no_serious(response: dict[str, Any], where: str) -> None:
    bad = [v for v in response["violations"] if v.get("impact") in ("serious", "critical")]
    details = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in bad
    ]
    assert not bad, f"axe found serious or critical violations ({where}):\n" + "\n".join(details)


def test_configured_from_code_with_local_persistence(page: Page, server: Server) -> None:
    server.clinic.headers = {}
    server.clinic.page = f"""<!doctype html><html lang="en"><head><title>Coded</title></head><body>
<script src="{server.url}/widget.js" data-manual></script>
<script>VettedAssistant.init({{api: "{server.url}", title: "From code", persistence: "local",
    suggestions: ["What is esketamine used for?"]}});</script></body></html>"""
    page.goto(server.clinic.url + "/")
    expect(page.locator("vetted-assistant")).to_have_count(1)
    page.get_by_role("button", name=LAUNCHER).click()
    expect(page.get_by_role("dialog")).to_have_accessible_name("From code")
    page.get_by_role("button", name="What is esketamine used for?").click()
    expect(replies(page)).to_have_count(1)
    expect(page.get_by_role("button", name="What is esketamine used for?")).to_be_hidden()
    expect(textbox(page)).to_be_focused()  # not lost with the suggestion that was clicked
    key = f"vetted-assistant:v1:127.0.0.1:{server.port}:conversation"
    assert (
        json.loads(page.evaluate(f"localStorage.getItem('{key}')"))["turns"][0]["q"]
        == "What is esketamine used for?"
    )
    # Re-initialising replaces the widget rather than adding a second one; the conversation comes back.
    page.evaluate(f"VettedAssistant.init({{api: '{server.url}', persistence: 'local', open: true}})")
    expect(page.locator("vetted-assistant")).to_have_count(1)
    expect(page.get_by_role("dialog")).to_have_accessible_name("Medicines information")
    expect(replies(page)).to_have_count(1)
    page.evaluate("VettedAssistant.close()")
    expect(page.get_by_role("dialog")).to_be_hidden()
    page.evaluate("VettedAssistant.destroy()")
    expect(page.locator("vetted-assistant")).to_have_count(0)


# ---------- the widget's second round: layout, modality, streaming edge cases, feedback ----------


def host_page(server: Server, head: str = "", body: str = "", html: str = 'lang="en"') -> str:
    """A clinic's page on another origin that embeds the widget with one tag."""
    return f"""<!doctype html><html {html}><head><title>Clinic</title>
<meta name="viewport" content="width=device-width, initial-scale=1">{head}</head><body>{body}
<script src="{server.url}/widget.js" data-api="{server.url}" async></script></body></html>"""


def test_rtl_host_page_keeps_the_english_widget_left_to_right(page: Page, server: Server) -> None:
    server.clinic.headers = {}
    server.clinic.page = host_page(server, body="<h1>مرحبا بكم في العيادة</h1>", html='lang="ar" dir="rtl"')
    page.goto(server.clinic.url + "/")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    page.get_by_role("button", name=LAUNCHER).click()
    reply = ask(page, ANSWERED)  # cites passages 1 and 2 of one article
    directions = shadow(
        page,
        "root => ['.pn', '.nt', '.tx', 'textarea', '.src li'].map(s => getComputedStyle(root.querySelector(s)).direction)",
    )
    assert directions == ["ltr"] * 5, directions
    # "…not medical advice." ends at the right, and citation 1 comes before 2, reading left to right.
    notice = page.get_by_text(NOTICE)
    assert notice.evaluate("el => getComputedStyle(el).textAlign") in ("start", "left")
    first, second = (reply.locator(".src .ci").nth(i).bounding_box() for i in (0, 1))
    assert first and second and first["x"] < second["x"]
    inline_first, inline_second = (reply.locator(".tx .ci").nth(i).bounding_box() for i in (0, 1))
    assert inline_first and inline_second and inline_first["y"] <= inline_second["y"]
    launcher = page.get_by_role("button", name=LAUNCHER).bounding_box()
    assert launcher and launcher["x"] > 1280 / 2, "the launcher stays in its own corner"
    screenshot(page, "rtl-host")


ESKETAMINE: dict[str, Any] = {}


@pytest.fixture(autouse=True)
def _esketamine(server: Server) -> None:
    """The real esketamine article, for citations that open in the source viewer."""
    if not ESKETAMINE:
        ESKETAMINE.update(server.article("esketamine"))


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, {"width": 390, "height": 844}])
def test_a_transformed_body_does_not_carry_the_widget_off_screen(
    new_page: Callable[..., Page], server: Server, viewport: dict[str, int]
) -> None:
    # A transform (or filter, or contain) on <body> makes it the containing block of position:fixed.
    server.clinic.headers = {}
    server.clinic.page = host_page(
        server,
        head="<style>body { transform: translateZ(0); margin: 0; } main { height: 4000px; }</style>",
        body="<main><h1>Clinic</h1></main>",
    )
    phone = viewport["width"] < 640
    page = new_page(viewport=viewport, is_mobile=phone, has_touch=phone)
    page.goto(server.clinic.url + "/")
    page.evaluate("window.scrollTo(0, 1500)")
    assert page.evaluate("window.scrollY") > 1000
    launcher = page.get_by_role("button", name=LAUNCHER)
    expect(launcher).to_be_in_viewport(ratio=1)
    launcher.click()
    dialog = page.get_by_role("dialog")
    box = dialog.bounding_box()
    assert box and box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], box
    expect(dialog.get_by_role("heading", name="Medicines information")).to_be_in_viewport(ratio=1)
    expect(textbox(page)).to_be_in_viewport(ratio=1)


@pytest.mark.parametrize(
    ("viewport", "least"),
    [({"width": 844, "height": 390}, 220), ({"width": 320, "height": 256}, 100)],
    ids=["landscape-phone", "400-percent-zoom"],
)
def test_short_screens_leave_room_for_the_conversation(
    new_page: Callable[..., Page], viewport: dict[str, int], least: int
) -> None:
    # 320x256 CSS pixels is a 1280x1024 screen at 400 % zoom.
    page = new_page(viewport=viewport, has_touch=True)
    open_widget(page)
    ask(page, ANSWERED)
    dialog = page.get_by_role("dialog").bounding_box()
    assert dialog == {"x": 0, "y": 0, **viewport}, dialog
    log = page.get_by_role("log").bounding_box()
    assert log and log["height"] >= least, f"the conversation gets {log and log['height']} px"
    expect(page.get_by_text(NOTICE)).to_be_visible()  # the notice stays
    expect(textbox(page)).to_be_in_viewport(ratio=1)
    screenshot(page, f"short-{viewport['width']}x{viewport['height']}")


def test_full_screen_panel_on_a_phone_is_modal(new_page: Callable[..., Page], server: Server) -> None:
    server.clinic.headers = {}
    server.clinic.page = host_page(
        server, body='<a href="#a">First link</a><button>Page button</button><input aria-label="Page field">'
    )
    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.goto(server.clinic.url + "/")
    launcher = page.get_by_role("button", name=LAUNCHER)
    launcher.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_have_attribute("aria-modal", "true")
    seen = set()
    for key in ["Tab"] * 12 + ["Shift+Tab"] * 12:
        page.keyboard.press(key)
        assert page.evaluate("document.activeElement.localName") == "vetted-assistant", (
            f"{key} left the dialog"
        )
        now = focused(page)
        assert now["tag"] and now["cls"] != "ln"
        seen.add((now["tag"], now["label"] or now["text"][:20]))
    assert len(seen) >= 4, seen  # it cycled through the panel's controls
    # Focus moved into the page by a script comes back too.
    page.evaluate("document.querySelector('input').focus()")
    assert page.evaluate("document.activeElement.localName") == "vetted-assistant"
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(launcher).to_be_focused()

    desktop = new_page()
    open_widget(desktop)
    expect(desktop.get_by_role("dialog")).to_have_attribute("aria-modal", "false")


def long_answer(sentences: int) -> str:
    return " ".join(
        f"Sentence {i} of a long answer that needs more room than the panel has. [1]"
        for i in range(sentences)
    )


def test_after_an_answer_its_question_and_start_stay_in_view(
    new_page: Callable[..., Page], scripted: ScriptedApi
) -> None:
    def answer(text: str) -> list[Step]:
        return [
            ("meta", {"id": "ans_0123456789abcdef", "index_version": "v"}),
            *(("delta", {"text": piece}) for piece in re.findall(r"\S+\s*", text)),
            ("citations", {"citations": [citation(ESKETAMINE, 1)]}),
            ("done", {"status": "answered"}),
        ]

    scripted.scripts = [answer(long_answer(3)), answer(long_answer(30))]
    page = new_page(viewport={"width": 1280, "height": 700})
    scripted.use(page)
    ask(page, "A short one first")
    question = "And now a long one?"
    reply = ask(page, question)
    log = page.get_by_role("log")
    page.wait_for_timeout(200)
    area = log.bounding_box()
    asked = log.locator(".u").last.bounding_box()
    first_line = reply.locator(".tx").bounding_box()
    assert area and asked and first_line
    assert log.evaluate("l => l.scrollTop") > 0, "the view did not move to the new question"
    assert area["y"] <= asked["y"] and asked["y"] + asked["height"] <= area["y"] + area["height"], (
        "question hidden"
    )
    assert first_line["y"] < area["y"] + area["height"] - 40, "the answer's start is not in view"
    assert first_line["y"] + first_line["height"] > area["y"] + area["height"], (
        "the answer was not long enough"
    )


def test_stopped_answer_keeps_its_text_and_citation_links(page: Page, scripted: ScriptedApi) -> None:
    stopped = threading.Event()
    first, second = citation(ESKETAMINE, 1), citation(ESKETAMINE, 2, 1)
    scripted.scripts = [
        [
            ("meta", {"id": "ans_0123456789abcdef", "index_version": "v"}),
            ("delta", {"text": first["quote"] + " [1] "}),
            stopped,  # the reader presses Stop here
            ("delta", {"text": second["quote"] + " [2]"}),
            ("citations", {"citations": [first, second]}),
            ("done", {"status": "answered"}),
        ]
    ]
    scripted.use(page)
    textbox(page).fill("What is esketamine?")
    textbox(page).press("Enter")
    reply = page.locator(".tx").last
    expect(reply).to_contain_text(first["quote"])
    page.get_by_role("button", name="Stop the answer").click()
    stopped.set()
    done = replies(page).first
    expect(done).to_have_attribute("data-status", "stopped")
    expect(done).to_contain_text("Stopped.")
    cite = done.get_by_role("button", name=f"Source 1: {ESKETAMINE['title']}").first
    expect(cite).to_be_visible()  # the citations came after Stop and still name their source
    page.wait_for_timeout(300)
    expect(done).not_to_contain_text(second["quote"])  # nothing more was shown
    expect(done.locator(".src .ci")).to_have_count(1)  # only the source of what was shown
    cite.click()
    expect(page.locator("section[aria-labelledby=va-vtitle] mark")).to_have_text(first["quote"])
    page.keyboard.press("Escape")
    expect(page.get_by_role("button", name="Send")).to_be_visible()
    page.reload()  # kept with its citations
    page.get_by_role("button", name=LAUNCHER).click()
    expect(
        replies(page).first.get_by_role("button", name=f"Source 1: {ESKETAMINE['title']}").first
    ).to_be_visible()


def test_failed_answer_keeps_what_arrived(page: Page, scripted: ScriptedApi) -> None:
    first = citation(ESKETAMINE, 1)
    broken = {"type": "about:blank", "title": "Internal server error", "status": 500, "detail": "boom"}
    scripted.scripts = [
        [  # an error after the citations: the text and its working citation stay
            ("meta", {"id": "ans_0123456789abcdef", "index_version": "v"}),
            ("delta", {"text": first["quote"] + " [1]"}),
            ("citations", {"citations": [first]}),
            ("error", broken),
        ],
        [  # the connection drops mid-answer: the text stays, the unknown marker stays plain
            ("meta", {"id": "ans_0123456789abcde0", "index_version": "v"}),
            ("delta", {"text": "Half an answer [1] and"}),
        ],
        [
            ("meta", {"id": "ans_0123456789abcde1", "index_version": "v"}),
            ("delta", {"text": first["quote"] + " [1]"}),
            ("citations", {"citations": [first]}),
            ("done", {"status": "answered"}),
        ],
    ]
    scripted.use(page)
    question = "What is esketamine?"
    textbox(page).fill(question)
    textbox(page).press("Enter")
    error = page.get_by_role("alert")
    expect(error).to_contain_text("Something went wrong on our side.")
    cut_off = replies(page).first
    expect(cut_off).to_have_attribute("data-status", "incomplete")
    expect(cut_off).to_contain_text(first["quote"])
    expect(cut_off).to_contain_text("Incomplete: the answer was cut off.")
    expect(cut_off.get_by_role("button", name=f"Source 1: {ESKETAMINE['title']}").first).to_be_visible()
    expect(textbox(page)).to_have_value(question)

    error.get_by_role("button", name="Try again").click()
    expect(error).to_contain_text("The answer was interrupted.")
    dropped = replies(page).nth(1)
    expect(dropped).to_have_attribute("data-status", "incomplete")
    expect(dropped).to_contain_text("Half an answer [1] and")
    expect(textbox(page)).to_have_value(question)

    error.get_by_role("button", name="Try again").click()
    expect(replies(page).nth(2)).to_have_attribute("data-status", "answered")
    # Cut-off turns are not sent as history: the question is simply asked again.
    assert scripted.requests[-1]["messages"] == [{"role": "user", "content": question}]


def test_markdown_emphasis_is_rendered_never_shown_as_asterisks(page: Page) -> None:
    img = "<img src=x onerror=\"window.__xss='md'\">"
    quote = "A **K-hole** is an *intense* state of dissociation."
    body = f"# Dissociation\n\nPeople talk about it. {quote} It carries **risks of injury**.\n\n**Bold {img}** text."
    start = body.index(quote)
    cited = {
        "n": 1,
        "article_id": "k-hole",
        "title": "Dissociation",
        "url": "https://www.who.int/",
        "passage_id": "k-hole#1",
        "quote": quote,
        "start": start,
        "end": start + len(quote),
    }
    article = {
        "id": "k-hole",
        "title": "Dissociation",
        "reviewed_on": "2026-11-27",
        "body": body,
        "sources": [],
        "passages": [
            {"id": "k-hole#1", "n": 1, "section": "", "start": 16, "end": len(body), "text": body[16:]}
        ],
    }
    page.route(
        "**/v1/chat",
        lambda route: route.fulfill(
            status=200,
            headers={"Content-Type": "text/event-stream"},
            body=sse(
                ("meta", {"id": "ans_0123456789abcdef", "index_version": "v"}),
                ("delta", {"text": quote + " [1] Stray ** marks and __under__ too. "}),
                ("delta", {"text": f"**Bold {img}** [1]"}),
                ("citations", {"citations": [cited]}),
                ("done", {"status": "answered"}),
            ),
        ),
    )
    page.route("**/v1/articles/**", lambda route: route.fulfill(status=200, json=article))
    open_widget(page)
    reply = ask(page, "What is a K-hole?")
    text = reply.locator(".tx")
    expect(text).to_contain_text("A K-hole is an intense state of dissociation.")
    shown = text.text_content() or ""
    assert "*" not in shown and "__under__" not in shown and "Stray  marks and under too." in shown, shown
    expect(text.locator("strong").first).to_have_text("K-hole")
    expect(text.locator("em").first).to_have_text("intense")
    expect(text.locator("strong").last).to_have_text(f"Bold {img}")  # still text, never markup
    text.locator(".ci").first.click()
    passage = page.locator("section[aria-labelledby=va-vtitle] blockquote")
    expect(passage.locator("mark")).to_have_text("A K-hole is an intense state of dissociation.")
    expect(passage.locator("mark strong")).to_have_text("K-hole")
    expect(passage.locator("strong").last).to_have_text(f"Bold {img}")
    assert "**" not in (passage.text_content() or "")
    assert page.evaluate("window.__xss") is None
    assert shadow(page, "root => root.querySelectorAll('img, script').length") == 0


def test_copy_gives_the_answer_without_numbers_then_its_sources(new_page: Callable[..., Page]) -> None:
    page = new_page(permissions=["clipboard-read", "clipboard-write"])
    open_widget(page)
    reply = ask(page, ANSWERED)
    copy = reply.get_by_role("button", name="Copy")
    # Headless Chromium's clipboard can hold up the page for longer than the "Copied" label shows: watch it.
    copy.evaluate(
        "b => { window.__labels = []; new MutationObserver(() => window.__labels.push(b.textContent))"
        ".observe(b, {subtree: true, childList: true, characterData: true}); }"
    )
    copy.click()
    deadline = time.monotonic() + 15
    while "Copied" not in page.evaluate("window.__labels") and time.monotonic() < deadline:
        page.wait_for_timeout(100)  # (not wait_for_function: the demo page's CSP forbids its eval)
    assert "Copied" in page.evaluate("window.__labels")
    copied = page.evaluate("navigator.clipboard.readText()")
    answer, sources = copied.split("\n\nSources:\n")
    assert not re.search(r"\[\d+\]", copied), copied
    assert answer.startswith("Ketamine bladder syndrome") and "  " not in answer
    shown = reply.locator(".tx").evaluate(
        "el => { const c = el.cloneNode(true); c.querySelectorAll('.ci').forEach(b => b.remove()); "
        "return c.textContent.replace(/\\s+/g, ' ').trim(); }"
    )
    assert answer == shown
    assert sources.startswith("- Ketamine bladder syndrome (ketamine uropathy) — https://"), sources
    expect(copy).to_have_text("Copy", timeout=5000)


def test_new_conversation_can_be_undone(page: Page, server: Server) -> None:
    key = f"vetted-assistant:v1:127.0.0.1:{server.port}:conversation"
    open_widget(page)
    ask(page, ANSWERED)
    page.get_by_role("button", name="New conversation").click()
    expect(replies(page)).to_have_count(0)
    # Gone from storage at once, not when the undo goes away.
    assert page.evaluate(f"sessionStorage.getItem('{key}')") is None
    undo = page.get_by_role("button", name="Undo")
    expect(undo).to_be_visible()
    undo.click()
    expect(replies(page)).to_have_count(1)
    expect(page.get_by_role("log")).to_contain_text(ANSWERED)
    expect(undo).to_be_hidden()
    assert json.loads(page.evaluate(f"sessionStorage.getItem('{key}')"))["turns"][0]["q"] == ANSWERED
    with page.expect_request("**/v1/chat") as request_info:
        ask(page, "How is it treated?")
    assert [m["content"] for m in request_info.value.post_data_json["messages"] if m["role"] == "user"] == [
        ANSWERED,
        "How is it treated?",
    ]
    # Cleared from the page's code (say, at log-out), there is no way back.
    page.evaluate("VettedAssistant.clear()")
    expect(replies(page)).to_have_count(0)
    expect(page.get_by_role("button", name="Undo")).to_have_count(0)


def test_answer_finished_while_closed_shows_an_unread_badge(page: Page, scripted: ScriptedApi) -> None:
    closed = threading.Event()
    scripted.scripts = [
        [
            ("meta", {"id": "ans_0123456789abcdef", "index_version": "v"}),
            ("delta", {"text": "Esketamine is a nasal spray."}),
            closed,
            ("done", {"status": "answered"}),
        ]
    ]
    scripted.use(page)
    textbox(page).fill("What is esketamine?")
    textbox(page).press("Enter")
    expect(page.locator(".tx")).to_contain_text("nasal spray")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    closed.set()
    launcher = page.get_by_role("button", name=LAUNCHER)
    expect(launcher).to_have_accessible_name(f"{LAUNCHER} (new answer)")
    badge = shadow(page, "root => { const b = root.querySelector('.bg'); return [b.hidden, b.textContent]; }")
    assert badge == [False, "1"]
    screenshot(page, "unread-badge")
    launcher.click()
    expect(launcher).to_have_accessible_name(LAUNCHER)
    assert shadow(page, "root => root.querySelector('.bg').hidden") is True


def test_privacy_line_says_what_is_kept(page: Page) -> None:
    open_widget(page)  # the real server: question text off, 30 days
    expect(page.get_by_role("log")).to_contain_text(
        "Privacy: your questions are not stored; a record of each answer, without them, is kept 30 days."
    )
    page.route(
        "**/v1/feedback/policy",
        lambda route: route.fulfill(status=200, json={"stores_question_text": True, "retention_days": 7}),
    )
    page.reload()
    page.get_by_role("button", name=LAUNCHER).click()
    expect(page.get_by_role("log")).to_contain_text(
        "Privacy: your questions and the answers are kept 7 days to improve the service."
    )
    page.unroute("**/v1/feedback/policy")
    page.route("**/v1/feedback/policy", lambda route: route.fulfill(status=404, json={}))
    page.reload()
    page.get_by_role("button", name=LAUNCHER).click()
    expect(page.get_by_role("log")).to_contain_text("vetted articles")
    expect(page.get_by_role("log")).not_to_contain_text("Privacy")  # a server that does not say gets no line


TU_FORMS = re.compile(
    r"\b(llama|ponla|quédate|díselo|te guiará|cuenta a|estés|hayas|tienes|habla|crees|ve al|informarte|tú|te)\b",
    re.IGNORECASE,
)


def test_spanish_interface_gets_guard_replies_in_spanish_with_usted(page: Page) -> None:
    page.goto("/")
    page.evaluate("VettedAssistant.init({locale: 'es', open: true})")
    label = "Su pregunta"
    with page.expect_request("**/v1/chat") as request_info:
        emergency = ask(page, EMERGENCY, label)  # asked in English: the interface's language still wins
    assert request_info.value.post_data_json["language"] == "es"
    expect(emergency).to_have_attribute("data-status", "escalated")
    expect(emergency).to_contain_text("Esto puede ser una emergencia")
    expect(emergency).to_contain_text("Llame ahora a los servicios de emergencia: 911 (EE. UU.), 112 (UE)")
    expect(emergency.get_by_role("link", name="Llamar al 112")).to_have_attribute("href", "tel:112")
    expect(emergency.locator("[lang=es]")).to_have_count(1)
    refusal = ask(page, DOSING, label)
    expect(refusal).to_contain_text("No puedo ayudar con dosis")
    sourcing = ask(page, "Where can I buy ketamine online?", label)
    expect(sourcing).to_contain_text("puede informarle")
    crisis = ask(page, "I want to kill myself", label)  # last: distress said once colours every later reply
    expect(crisis).to_contain_text("No tiene que afrontarlo a solas: hable ahora con alguien.")
    expect(crisis).to_contain_text("En España, llame al 024")
    expect(crisis.get_by_role("link", name="Llamar al 024")).to_have_attribute("href", "tel:024")
    for reply in (emergency, refusal, crisis, sourcing):
        text = reply.text_content() or ""
        assert not TU_FORMS.search(text), f"tú in a Spanish reply: {TU_FORMS.search(text)} in {text}"


def test_sizes_follow_the_readers_font_size(page: Page) -> None:
    open_widget(page)

    def sizes() -> dict[str, float]:
        return dict(
            shadow(
                page,
                """root => ({text: parseFloat(getComputedStyle(root.querySelector('.log p')).fontSize),
                notice: parseFloat(getComputedStyle(root.querySelector('.nt')).fontSize),
                width: root.querySelector('.pn').getBoundingClientRect().width,
                send: root.querySelector('.sd').getBoundingClientRect().height})""",
            )
        )

    before = sizes()
    page.evaluate("document.documentElement.style.fontSize = '32px'")  # a reader who set 200 %
    after = sizes()
    assert after["text"] == 2 * before["text"] and after["notice"] == 2 * before["notice"], (before, after)
    assert after["width"] > 1.5 * before["width"], (before, after)
    assert after["send"] == pytest.approx(2 * before["send"], abs=0.5), (before, after)


def test_feedback_reaches_the_database(page: Page, server: Server) -> None:
    _vote_from_the_widget_and_read_the_database(page, server)


def test_a_vote_on_a_refusal_reaches_the_database(page: Page, server: Server) -> None:
    from assistant.feedback import FeedbackStore

    open_widget(page)
    refusal, answer_id = _ask_for_an_answer_id(page, DOSING)
    # The first vote's response must be in before the reason is chosen, or the response awaited below
    # could be the first vote's (and the database read would miss the reason).
    with page.expect_response("**/v1/feedback"):
        refusal.get_by_role("button", name="Not helpful", exact=True).click()
    with page.expect_response("**/v1/feedback") as vote_info:
        refusal.get_by_role("button", name="Not what I asked").click()
    assert vote_info.value.status == 201
    expect(refusal).to_contain_text("Thanks for your feedback.")
    store = FeedbackStore(server.feedback_url)
    try:
        stored = store.answer(answer_id)
        assert stored and stored.vote and stored.record.kind == "refused"
        assert (stored.vote.rating, stored.vote.reason) == ("down", "not_what_i_asked")
    finally:
        store.close()


@pytest.mark.server
def test_feedback_reaches_a_postgresql_database(browser: Browser, postgres_feedback_server: Server) -> None:
    context = browser.new_context(
        base_url=postgres_feedback_server.url, viewport={"width": 1280, "height": 800}
    )
    context.set_default_timeout(10_000)
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        _vote_from_the_widget_and_read_the_database(page, postgres_feedback_server)
    finally:
        context.close()
    assert postgres_feedback_server.feedback_url.startswith("postgresql+psycopg://")
    assert not errors, f"uncaught errors in the page: {errors}"


def _ask_for_an_answer_id(page: Page, question: str) -> tuple[Any, str]:
    """The reply to `question` and the answer id the server gave it (which votes are sent with)."""
    with page.expect_response("**/v1/chat") as response_info:
        reply = ask(page, question)
    answer_id = re.search(r'"id": "(ans_[0-9a-f]{16})"', response_info.value.text())
    assert answer_id
    return reply, answer_id.group(1)


def _vote_from_the_widget_and_read_the_database(page: Page, server: Server) -> None:
    from assistant.feedback import FeedbackStore

    open_widget(page)
    reply, answer_id = _ask_for_an_answer_id(page, ANSWERED)
    helpful, unhelpful = (reply.get_by_role("button", name=n, exact=True) for n in ("Helpful", "Not helpful"))
    expect(helpful).to_have_attribute("aria-pressed", "false")
    reasons = reply.get_by_role("group", name="What was wrong? (optional)")
    expect(reasons).to_be_hidden()
    with page.expect_response("**/v1/feedback") as vote_info:
        unhelpful.click()
    assert vote_info.value.status == 201
    expect(unhelpful).to_have_attribute("aria-pressed", "true")
    expect(reasons).to_be_visible()
    expect(reply).to_contain_text("Thanks for your feedback.")
    reason = reasons.get_by_role("button", name="Not supported by the source")
    with page.expect_response("**/v1/feedback") as vote_info:
        reason.click()
    assert vote_info.value.request.post_data_json == {
        "answer_id": answer_id,
        "rating": "down",
        "reason": "unsupported",
    }
    expect(reason).to_have_attribute("aria-pressed", "true")

    store = FeedbackStore(server.feedback_url)
    try:
        stored = store.answer(answer_id)
        assert stored and stored.vote, "the vote is not in the database"
        assert (stored.vote.rating, stored.vote.reason) == ("down", "unsupported")
        assert stored.record.kind == "answered" and stored.record.question is None
        assert [c.article_id for c in stored.record.citations] == ["ketamine-bladder-syndrome"] * 2

        helpful.click()  # changing one's mind replaces the vote
        expect(helpful).to_have_attribute("aria-pressed", "true")
        expect(reasons).to_be_hidden()
        expect(reply).to_contain_text("Thanks for your feedback.")
        stored = store.answer(answer_id)
        assert stored and stored.vote and (stored.vote.rating, stored.vote.reason) == ("up", None)
    finally:
        store.close()
    page.reload()  # the vote is remembered with the conversation
    page.get_by_role("button", name=LAUNCHER).click()
    expect(replies(page).first.get_by_role("button", name="Helpful", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )

    # A vote the server refuses is undone on screen and said so.
    page.route("**/v1/feedback", lambda route: route.fulfill(status=404, json={"status": 404}))
    again = replies(page).first
    again.get_by_role("button", name="Not helpful", exact=True).click()
    expect(again).to_contain_text("Your feedback could not be sent.")
    expect(again.get_by_role("button", name="Helpful", exact=True)).to_have_attribute("aria-pressed", "true")
