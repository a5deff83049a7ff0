"""rnn-tui serve in a real browser: Debian's chromium, driven by playwright (which is pointed at that
binary and never downloads one). The page loads, training numbers change, space pauses, and the
screenshot shows the loss plot. Without chromium or playwright the test is skipped and says why."""

import base64
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(text_path, tmp_path):
    if CHROMIUM is None:
        pytest.skip("no chromium on this machine (Debian: apt-get install chromium); the browser test needs one")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[dev]')")
    pytest.importorskip("textual_serve", reason="textual-serve is not installed (pip install -e '.[serve]')")
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "rnn_tui", "serve", "--host", "127.0.0.1", "--port", str(port),
                               "--text", str(text_path), "--hidden", "32", "--embed", "8", "--seq", "32",
                               "--batch", "8", "--eval-every", "20"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                              env={**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")})  # not the user's
    try:
        while True:  # until it listens (pytest-timeout ends a test that never gets there)
            assert server.poll() is None, f"rnn-tui serve exited with status {server.returncode}"
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/"
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the server and the app process it started for the page
        server.wait(10)


@pytest.fixture
def text_path(tmp_path):
    from tests.conftest import STRUCTURED

    path = tmp_path / "corpus.txt"
    path.write_text(STRUCTURED.read_text(encoding="utf-8")[:20_000])
    return path


COUNT_RGB = """([png, x0, y0, x1, y1, rgb]) => new Promise(done => {
    const img = new Image();
    img.onload = () => {
        const canvas = document.createElement("canvas");
        canvas.width = img.width; canvas.height = img.height;
        const ctx = canvas.getContext("2d");
        ctx.drawImage(img, 0, 0);
        const data = ctx.getImageData(x0, y0, x1 - x0, y1 - y0).data;
        let n = 0;
        for (let i = 0; i < data.length; i += 4)
            if (Math.abs(data[i] - rgb[0]) + Math.abs(data[i + 1] - rgb[1]) + Math.abs(data[i + 2] - rgb[2]) < 30) n++;
        done(n);
    };
    img.src = "data:image/png;base64," + png;
})"""


def paused_pixels(page, shot: bytes, clip: dict) -> int:
    """The pixels of the training panel's mode row (the clip's second fifth) in the yellow of "paused"."""
    width, height = int(clip["width"]), int(clip["height"])
    return page.evaluate(COUNT_RGB, [base64.b64encode(shot).decode(), 0, height // 5, width, 2 * height // 5,
                                     [253, 151, 31]])


def test_the_app_in_a_browser_trains_pauses_and_plots(served, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(served)
            terminal = page.locator("canvas").first
            terminal.wait_for(timeout=0)  # 0: no deadline (pytest-timeout guards the test)
            box = page.locator(".xterm-screen").first.bounding_box()
            # the top of the training panel (the mode, step and losses): rows below it may change while
            # paused (the n-gram baseline arrives when its counting is done)
            status = {"x": box["x"], "y": box["y"] + box["height"] * 0.05, "width": box["width"] * 0.28,
                      "height": box["height"] * 0.11}

            def status_shot() -> bytes:
                return page.screenshot(clip=status)

            # the page fades in, torch loads, then training starts: from then on the panel (step,
            # losses) differs at every look, 0.6 s apart, three looks in a row (no deadline: a busy
            # machine may take its time; pytest-timeout ends a test whose numbers never change)
            shots = [status_shot()]
            while not (len(shots) >= 4 and len({*shots[-4:]}) == 4):
                time.sleep(0.6)
                shots.append(status_shot())
            page.locator(".xterm-helper-textarea").first.focus()  # keys go to the terminal
            page.keyboard.press("Space")
            # the panel says "pausing" at the key and "paused" (in yellow) once the process confirms it,
            # after the steps it had made meanwhile: from then on the panel holds still (no deadline;
            # two looks alike, so that a frame the page was still drawing is not the one kept)
            before, paused = b"", status_shot()
            while paused != before or paused_pixels(page, paused, status) < 40:
                time.sleep(0.3)
                before, paused = paused, status_shot()
            time.sleep(1.5)
            later = status_shot()
            (tmp_path / "paused-1.png").write_bytes(paused)
            (tmp_path / "paused-2.png").write_bytes(later)
            assert later == paused, f"the numbers still change after the pause was confirmed (see {tmp_path})"
            shot = page.screenshot(path=str(tmp_path / "page.png"))
            plot = (int(box["x"] + box["width"] * 0.3), int(box["y"]), int(box["x"] + box["width"]),
                    int(box["y"] + box["height"] * 0.4))
            png = base64.b64encode(shot).decode()
            red = page.evaluate(COUNT_RGB, [png, *plot, [215, 0, 0]])  # the uniform-guess line of the loss plot
            cyan = page.evaluate(COUNT_RGB, [png, *plot, [0, 175, 215]])  # the train curve
            assert red > 50 and cyan > 50, (red, cyan)
        finally:
            browser.close()
