"""A real browser: JupyterLab on localhost, headless Chromium driven by Playwright.

It opens notebook 01 (a copy, in the test's temporary folder), runs its cell tagged
``live-training`` and checks from the page that the figure is redrawn in place while training
runs and that exactly one figure remains. It measures what a lecture hall sees: the frames
displayed per second (a MutationObserver counts the figure's image updates in the page) and the
run time of the same cell with the live view on and off (the copy gets one extra cell that runs
the live-training cell's code again with ``HELPERS_LIVE=0``), and prints both. Then it runs the
cell tagged ``dashboard``, checks that its ipywidgets controls render, are disabled while a run
trains, and that the status line names the settings it trained with. If notebook 01 lacks those
tags, a small generated notebook with the same tags stands in (HELPERS_BROWSER_NOTEBOOK=generated
forces it). Screenshots go to the temporary folder.

``make browser-course`` (``-m course_browser``) does the same for every live cell of the course, each
in its notebook after the cells before it, and runs each with the view on and off at least
HELPERS_BROWSER_REPEATS times (default 2), a short cell until its view-on runs add up to
HELPERS_BROWSER_MIN_SECONDS (default 20): the ratio is over the totals.

Needs Debian's chromium (``apt-get install chromium``); skipped without it.
"""

import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
COURSE_NOTEBOOK = ROOT / "notebooks" / "01_backprop_from_scratch.ipynb"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TAGS = ("live-training", "dashboard")
VIEW_OFF = "browser-test-view-off"  # the tag of the cell this test adds after the live-training cell
# The floor on a shared 2-core machine; the targets are 4 frames/s and the view costing at most 25 % (1.25x),
# which benchmarks and the printed figures check. Measured: 1.02-1.18 at load 9-10 with nothing else starting, but
# 1.81 once with another notebook running twice beside it (cells of 3-5 s are noisy): the floor catches a view that
# makes training several times slower, not a busy machine.
# No floor on the frame rate: on a loaded machine the live figure draws fewer frames, by design, to keep its cost.
MAX_SLOWDOWN = 2.5
WINDOWING = os.environ.get("HELPERS_BROWSER_WINDOWING", "contentVisibility")
# make browser-course: each live cell runs at least REPEATS times with the view on and off, and more (up to
# MAX_REPEATS) until its view-on runs add up to MIN_SECONDS; the ratio is over the totals. One run of notebook 07's
# 70-90 s cell scattered by 10-15 % with the thread policy's choices alone, and one hiccup of 0.6 s moved notebook
# 01's 2-s cell from 1.08x to 1.49x.
REPEATS = int(os.environ.get("HELPERS_BROWSER_REPEATS", "2"))
MIN_SECONDS = float(os.environ.get("HELPERS_BROWSER_MIN_SECONDS", "20"))
MAX_REPEATS = 10


def chromium_path():
    for candidate in (os.environ.get("CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tagged_cells(nb):
    """{tag: index of the first cell with it} for the tags this test needs."""
    found = {}
    for index, cell in enumerate(nb.cells):
        for tag in cell.metadata.get("tags", []):
            if tag in TAGS + (VIEW_OFF,) and tag not in found:
                found[tag] = index
    return found


def generated_notebook():
    """A stand-in with the same tags as notebook 01: a few seconds of live training, a dashboard."""
    cell = nbformat.v4.new_code_cell
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.cells = [
        # matplotlib imported first, as every course notebook does: the two timed runs then compare drawing, not
        # which of them happened to import matplotlib (helpers itself does not)
        cell('import matplotlib.pyplot as plt\nimport helpers\n'
             'sample = helpers.function_sampler("peaks")\nx_val, y_val = sample(100, 500)'),
        cell("live = helpers.LiveTraining(helpers.ImageView.grid(\"peaks\", resolution=48))\n"
             "result = helpers.train(helpers.Network.random([2, 30, 30, 1], rng=0), sample=sample, lr=0.05,\n"
             "                       steps=6000, batch_size=32, validation=(x_val, y_val), callback=live, rng=1)",
             metadata={"tags": ["live-training", "nbval-ignore-output"]}),
        cell('helpers.Dashboard(sample=sample, view=helpers.ImageView.grid("peaks", resolution=32), steps=500)',
             metadata={"tags": ["dashboard", "nbval-ignore-output"]}),
    ]
    return nb


def with_view_off_cell(nb, live_cell):
    """nb with a cell after ``live_cell`` that runs the same code with the live view off (in place)."""
    source = nb.cells[live_cell].source
    off = nbformat.v4.new_code_cell(
        "# Added by tests/test_browser.py: the live-training cell again, headless, to time it without the view.\n"
        "import os\n"
        "os.environ['HELPERS_LIVE'] = '0'\n"
        # what the live run just drawn cost the kernel (LiveTraining objects alive now, the one above among them)
        "import gc, helpers\n"
        "_reported = globals().setdefault('_browser_test_reported', set())\n"
        "for _live in [o for o in gc.get_objects() if isinstance(o, helpers.LiveTraining) and o.redraws > 1]:\n"
        "    if id(_live) not in _reported:\n"
        "        _reported.add(id(_live))\n"
        "        print(f'kernel drawing: {_live.redraws - 1} live frames in {_live.drawing_seconds:.2f} s')\n"
        "try:\n"
        f"    exec(get_ipython().transform_cell({source!r}))\n"
        "finally:\n"
        "    del os.environ['HELPERS_LIVE']",
        metadata={"tags": [VIEW_OFF]})
    nb.cells.insert(live_cell + 1, off)
    return nb


def choose_notebook(folder):
    """Copy notebook 01 into ``folder`` if it has both tags, else write the generated one; either
    gets the view-off cell. Returns (path, {tag: cell index}, which)."""
    # HELPERS_BROWSER_NOTEBOOK=generated tries the stand-in even when notebook 01 is there.
    nb, name, which = None, "live_demo.ipynb", "generated stand-in"
    if COURSE_NOTEBOOK.exists() and os.environ.get("HELPERS_BROWSER_NOTEBOOK") != "generated":
        course = nbformat.read(COURSE_NOTEBOOK, as_version=4)
        if all(tag in tagged_cells(course) for tag in TAGS):
            for cell in course.cells:  # the copy starts without stored outputs: every image seen is new
                if cell.cell_type == "code":
                    cell.outputs, cell.execution_count = [], None
            nb, name, which = course, COURSE_NOTEBOOK.name, "course notebook 01"
    nb = nb or generated_notebook()
    nb = with_view_off_cell(nb, tagged_cells(nb)["live-training"])
    path = folder / name
    nbformat.write(nb, path)
    return path, tagged_cells(nb), which


def http(url, token, method="GET", timeout=5):
    request = urllib.request.Request(url, method=method, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, response.read()


@pytest.fixture
def jupyterlab(tmp_path):
    """A JupyterLab of our own on 127.0.0.1, isolated from the user's config; shut down afterwards."""
    port, token = free_port(), os.urandom(16).hex()
    work = tmp_path / "lab"
    work.mkdir()
    settings = tmp_path / "settings"
    for name, value in (("@jupyterlab/notebook-extension/tracker", {"windowingMode": WINDOWING}),
                        ("@jupyterlab/apputils-extension/notification", {"fetchNews": "false",
                                                                         "checkForUpdates": False})):
        path = settings / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))
    env = {k: v for k, v in os.environ.items() if k not in ("HELPERS_LIVE", "JPY_SESSION_NAME")}
    env.update(JUPYTER_CONFIG_DIR=str(tmp_path / "config"), JUPYTER_DATA_DIR=str(tmp_path / "data"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), JUPYTERLAB_SETTINGS_DIR=str(settings),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"), IPYTHONDIR=str(tmp_path / "ipython"))
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
               f"--ServerApp.token={token}", f"--ServerApp.root_dir={work}", "--ServerApp.port_retries=0",
               "--LabApp.expose_app_in_browser=True"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = open(tmp_path / "jupyterlab.log", "wb")
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=work,
                              start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if http(f"{base}/api/status", token)[0] == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("JupyterLab did not start:\n" + (tmp_path / "jupyterlab.log").read_text()[-3000:])
            time.sleep(0.3)
        yield dict(base=base, token=token, root=work, log=tmp_path / "jupyterlab.log")
    finally:
        stop_server(server, base, token)
        log.close()


def stop_server(server, base, token):
    """Shut the kernels and the server down through the API; kill what is left after 15 s."""
    if server.poll() is None:
        try:
            for kernel in json.loads(http(f"{base}/api/kernels", token)[1]):
                http(f"{base}/api/kernels/{kernel['id']}", token, method="DELETE", timeout=10)
            http(f"{base}/api/shutdown", token, method="POST")
        except OSError:
            pass
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=5)


# In-page helpers: the notebook panel, its cells, a fingerprint of an image's src, a watch on a
# cell's figure (every change of the image shown, with its time), and running a cell to its reply.
PAGE_JS = """() => {
window.__nb = () => window.jupyterapp.shell.currentWidget.content;
window.__cell = (i) => __nb().widgets[i].node;  // the cell's own node, wherever the page has it
window.__outputImages = (i) => Array.from(__cell(i).querySelectorAll('.jp-OutputArea-output img'));
window.__src = (img) => img.getAttribute('src') || '';
window.__fingerprint = (s) => { let h = 0; for (let k = 0; k < s.length; k += 7) { h = (h * 31 + s.charCodeAt(k)) | 0; }
                                return s.length + ':' + h; };
window.__watch = (i) => {
  const watch = {times: [], most: 0, last: null};
  const look = () => {
    const images = __outputImages(i);
    watch.most = Math.max(watch.most, images.length);
    const shown = images.length ? __fingerprint(__src(images[images.length - 1])) : null;
    if (shown !== null && shown !== watch.last) { watch.last = shown; watch.times.push(performance.now()); }
  };
  const observer = new MutationObserver(look);
  observer.observe(__cell(i), {subtree: true, childList: true, attributes: true, attributeFilter: ['src']});
  watch.stop = () => { observer.disconnect(); look(); return {times: watch.times, most: watch.most}; };
  window.__watching = watch;
};
window.__run = async (i) => {
  const nb = __nb();
  nb.activeCellIndex = i;
  nb.mode = 'command';
  __cell(i).scrollIntoView({block: 'start'});
  const t0 = performance.now();
  await jupyterapp.commands.execute('notebook:run-cell');  // resolves with the kernel's execute_reply
  return (performance.now() - t0) / 1000;
};
window.__runCells = async (a, b) => {  // cells a..b-1 in order, each to its reply; the indices that failed
  const failed = [];
  for (let i = a; i < b; i++) {
    const nb = __nb();
    nb.activeCellIndex = i;
    nb.mode = 'command';
    if ((await jupyterapp.commands.execute('notebook:run-cell')) === false) { failed.push(i); }
  }
  return failed;
};
}"""


def kernel_idle(page):
    return page.evaluate("() => { const s = jupyterapp.shell.currentWidget.sessionContext;"
                         " return !!(s.session && s.session.kernel) && s.kernelDisplayStatus === 'idle'; }")


def wait_until(condition, timeout, what, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def select_cell(page, index):
    page.evaluate(f"() => {{ const nb = __nb(); nb.activeCellIndex = {index}; nb.mode = 'command';"
                  f" __cell({index}).scrollIntoView({{block: 'start'}}); }}")
    page.wait_for_function(f"() => __cell({index}).isConnected", timeout=30_000)
    page.locator(".jp-Notebook .jp-Cell").nth(index).locator(".jp-InputPrompt").click()


def cpu_seconds():
    """CPU seconds used so far by this test's children, as {"kernel": ..., "others": ...}: the kernel, and
    JupyterLab's server with the browser. On a shared machine these say what the live view costs when the
    wall clock cannot (Linux /proc; empty elsewhere)."""
    if not os.path.isdir("/proc/self"):
        return {}
    stats = {}  # pid: (parent pid, CPU seconds, is a kernel)
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry.name}/cmdline", "rb") as f:
                kernel = b"ipykernel" in f.read()
        except (OSError, IndexError):
            continue  # not a process, or one that has just ended
        ticks = int(fields[11]) + int(fields[12])  # utime + stime
        stats[int(entry.name)] = (int(fields[1]), ticks / os.sysconf("SC_CLK_TCK"), kernel)
    mine, grew = {os.getpid()}, True
    while grew:  # the descendants of this process
        more = {pid for pid, (parent, _, _) in stats.items() if parent in mine} - mine
        mine, grew = mine | more, bool(more)
    totals = {"kernel": 0.0, "others": 0.0}
    for pid in mine - {os.getpid()}:
        _, seconds, kernel = stats[pid]
        totals["kernel" if kernel else "others"] += seconds
    return totals


def run_watched(page, index):
    """Run cell ``index`` to its end while watching its figure: (seconds, image change times in s, most
    images shown at once, CPU seconds used meanwhile as {"kernel": ..., "others": ...})."""
    page.evaluate(f"() => __watch({index})")
    before = cpu_seconds()
    seconds = page.evaluate(f"() => __run({index})")
    after = cpu_seconds()
    watched = page.evaluate("() => __watching.stop()")
    cpu = {k: after[k] - before[k] for k in after if k in before}
    return seconds, [t / 1000 for t in watched["times"]], watched["most"], cpu


def check_live_cell(page, live_cell, off_cell, tmp_path, label="live-training", repeats=1, min_seconds=0.0):
    """A live-training cell: redrawn in place, one figure at the end; its frame rate and its cost.
    repeats: how many times at least the cell runs with the view on, each time followed by the run with it off
    (which reports what the live run's drawing cost the kernel); more, up to MAX_REPEATS, until the view-on runs
    add up to ``min_seconds``. Returns (frames/s over the cell, frames/s from the first frame to the last,
    on/off run-time ratio, seconds with the view on, seconds off, runs each way), frames and seconds summed over
    the runs, the first-to-last rate their median."""
    ons, offs, shown, steadies = [], [], 0, []
    while len(ons) < repeats or (sum(ons) < min_seconds and len(ons) < MAX_REPEATS):
        seconds, times = check_view_on(page, live_cell, tmp_path, label)
        ons.append(seconds)
        shown += len(times)
        steadies.append((len(times) - 1) / (times[-1] - times[0]) if len(times) > 2 else 0.0)
        offs.append(check_view_off(page, off_cell, label))
        print(f"live view on {ons[-1]:.1f} s, off {offs[-1]:.1f} s: on/off = {ons[-1] / offs[-1]:.2f}; "
              f"load average {os.getloadavg()[0]:.1f}")
    ratio = sum(ons) / sum(offs)
    if len(ons) > 1:
        print(f"{label}, {len(ons)} runs each: on/off = {ratio:.2f} (total on {sum(ons):.1f} s / total off "
              f"{sum(offs):.1f} s; single runs {', '.join(f'{a / b:.2f}' for a, b in zip(ons, offs))})")
    assert ratio <= MAX_SLOWDOWN, (
        f"{label}: the live view made the cell {ratio:.2f}x slower; the floor is {MAX_SLOWDOWN}x (the target 1.25x)")
    return shown / sum(ons), statistics.median(steadies), ratio, sum(ons), sum(offs), len(ons)


def check_view_on(page, live_cell, tmp_path, label):
    """The cell with its live view: (seconds, the times its figure's image changed)."""
    seconds, times, most, cpu = run_watched(page, live_cell)
    final = page.evaluate(f"() => __outputImages({live_cell}).length")
    outputs = page.evaluate(f"() => __cell({live_cell}).querySelectorAll('.jp-OutputArea-output').length")
    errors = page.evaluate(f"() => __cell({live_cell}).querySelectorAll("
                           "'[data-mime-type=\"application/vnd.jupyter.stderr\"]').length")
    line = page.evaluate(f"() => __cell({live_cell}).querySelector('.jp-OutputArea').innerText")
    page.locator(".jp-Notebook .jp-Cell").nth(live_cell).screenshot(path=str(tmp_path / f"live_{live_cell}.png"))
    fps = len(times) / seconds
    steady = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 2 else 0.0
    print(f"{label}: {len(times)} figure images displayed in {seconds:.1f} s = {fps:.1f} frames/s "
          f"({steady:.1f}/s from the first to the last); at most {most} image(s) at a time, {final} at the end, "
          f"{outputs} outputs; text: {line.strip()[:200]!r}")
    if cpu:
        print(f"CPU seconds with the view on: kernel {cpu['kernel']:.1f}, JupyterLab server and browser "
              f"{cpu['others']:.1f}")
    assert len(times) >= 2, f"{label}: the figure was not redrawn while training ran (saw {len(times)} image)"
    assert most <= 1, f"{label}: more than one figure image appeared at once"
    assert final == 1, f"{label}: expected exactly one figure after training, found {final}"
    assert errors == 0, f"{label}: the cell wrote to stderr"
    return seconds, times


def check_view_off(page, off_cell, label):
    """The same code with the view off (the cell added after it): its seconds."""
    seconds, times, _, cpu = run_watched(page, off_cell)
    text = page.evaluate(f"() => __cell({off_cell}).querySelector('.jp-OutputArea').innerText")
    drawing = " ".join(line for line in text.splitlines() if line.startswith("kernel drawing"))
    print(drawing or "kernel drawing: not reported")
    if cpu:
        print(f"CPU seconds with the view off: kernel {cpu['kernel']:.1f}, JupyterLab server and browser "
              f"{cpu['others']:.1f}")
    assert len(times) == 1, f"{label}: headless, the cell should show one figure, the final frame; saw {len(times)}"
    return seconds


def check_dashboard(page, dashboard_cell, tmp_path):
    """The dashboard renders; Run trains with the controls disabled; an interrupt ends the run cleanly."""
    select_cell(page, dashboard_cell)
    page.keyboard.press("Shift+Enter")
    cell = page.locator(".jp-Notebook .jp-Cell").nth(dashboard_cell)
    cell.locator(".widget-slider, .jupyter-widget-slider").first.wait_for(timeout=30_000)
    cell.get_by_role("button", name="Run").wait_for(timeout=10_000)
    sliders = cell.locator(".widget-slider, .jupyter-widget-slider").count()
    dropdowns = cell.locator("select").count()
    texts = cell.locator("input[type=text], input[type=number]").count()
    print(f"dashboard: {sliders} sliders, {dropdowns} dropdowns, {texts} text/number boxes, a Run button")
    assert sliders >= 3 and dropdowns >= 2
    hidden_layers = cell.locator("input[type=text]").first
    assert hidden_layers.is_enabled(), "the controls should be enabled before a run"

    # Press Run: the dashboard's figure appears and is redrawn, the controls are disabled while it
    # trains; then the kernel's stop button (interrupt) ends the run cleanly and the status says so.
    cell.get_by_role("button", name="Run").click()
    figure = cell.locator(".widget-image, .jupyter-widget-image").first
    figure.wait_for(state="visible", timeout=30_000)
    disabled_while_training = None if kernel_idle(page) else hidden_layers.is_disabled()
    first = figure.get_attribute("src")
    wait_until(lambda: figure.get_attribute("src") != first or kernel_idle(page), 30,
               "the dashboard figure to be redrawn")
    redrawn = figure.get_attribute("src") != first
    page.evaluate("() => jupyterapp.commands.execute('kernelmenu:interrupt')")
    wait_until(lambda: kernel_idle(page), 30, "the interrupted dashboard run to end")
    # The kernel can report idle before the browser has drawn the status widget's last update
    # (a separate comm message): give that update a moment to arrive.
    status_box = cell.locator(".widget-html, .jupyter-widget-html").first
    ended = ("interrupted", "done")
    try:
        wait_until(lambda: status_box.inner_text().strip().startswith(ended) and hidden_layers.is_enabled(), 10,
                   "the final status")
    except AssertionError:
        pass  # the asserts below report what was shown
    status = status_box.inner_text().strip()
    batch_slider = cell.locator(".widget-slider, .jupyter-widget-slider").nth(1)
    batch_shown = batch_slider.locator(".widget-readout").inner_text()
    cell.scroll_into_view_if_needed()
    cell.screenshot(path=str(tmp_path / "dashboard.png"))
    page.screenshot(path=str(tmp_path / "jupyterlab.png"))
    print(f"dashboard run: figure shown, redrawn {redrawn}, controls disabled while training "
          f"{disabled_while_training}; status after the interrupt: {status!r}; screenshots in {tmp_path}")
    assert redrawn or status.startswith("done"), "the dashboard figure was not redrawn while it trained"
    assert disabled_while_training in (True, None), "a control stayed enabled while a run trained"
    assert status.startswith(ended), status
    assert f"batch {batch_shown.strip()}," in status, f"the status {status!r} does not name the batch size shown"
    assert hidden_layers.is_enabled(), "the controls stayed disabled after the run"


@contextlib.contextmanager
def notebook_page(jupyterlab, path, tmp_path):
    """Chromium showing ``path`` in our JupyterLab, its kernel started and the in-page helpers loaded."""
    chromium = chromium_path()
    if chromium is None:
        pytest.skip("no Chromium found: install Debian's package with `apt-get install chromium` "
                    "(.ci/run does it in CI) or set CHROMIUM=/path/to/chromium")
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    where = path.relative_to(jupyterlab["root"]).as_posix()
    url = f"{jupyterlab['base']}/lab/tree/{where}?token={jupyterlab['token']}"
    with sync_playwright() as p:
        browser = p.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=chromium, headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1500, "height": 1000})
        try:
            page = browser.pages[0] if browser.pages else browser.new_page()
            page.goto(url)
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
            page.wait_for_function("() => window.jupyterapp && jupyterapp.shell.currentWidget"
                                   " && jupyterapp.shell.currentWidget.sessionContext", timeout=60_000)
            # JupyterLab creates a large notebook's cells in batches after it opens (and, in its default windowing
            # mode, "contentVisibility", attaches them to the page as it goes): wait for every cell of the model,
            # since the helpers below find a cell by its place in the page.
            page.wait_for_function("() => { const nb = jupyterapp.shell.currentWidget.content;"
                                   " const n = nb.model ? nb.model.cells.length : 0;"
                                   " return n > 0 && nb.widgets.length === n"
                                   " && document.querySelectorAll('.jp-Notebook .jp-Cell').length === n; }",
                                   timeout=60_000)
            page.evaluate(PAGE_JS)
            wait_until(lambda: kernel_idle(page), 60, "the kernel to start")
            yield page
        finally:
            browser.close()


def test_live_figure_and_dashboard_in_jupyterlab(jupyterlab, tmp_path):
    path, cells, which = choose_notebook(jupyterlab["root"])
    live_cell, off_cell, dashboard_cell = cells["live-training"], cells[VIEW_OFF], cells["dashboard"]
    print(f"browser test notebook: {which} ({path.name}); live-training cell {live_cell}, "
          f"dashboard cell {dashboard_cell}")
    with notebook_page(jupyterlab, path, tmp_path) as page:
        # Everything above the live cell first (its definitions), then the cell itself.
        if live_cell > 0:
            t_above = time.monotonic()
            select_cell(page, live_cell)
            # awaited: the command resolves when the last cell above has its reply (a loaded machine
            # may not even have turned the kernel busy after a fixed pause)
            page.evaluate("async () => { await jupyterapp.commands.execute('notebook:run-all-above'); }")
            wait_until(lambda: kernel_idle(page), 180, "the cells above the live-training cell")
            print(f"cells above the live-training cell ran in {time.monotonic() - t_above:.1f} s")
        check_live_cell(page, live_cell, off_cell, tmp_path)
        check_dashboard(page, dashboard_cell, tmp_path)


def live_cells(nb):
    """Indices of the cells tagged live-training."""
    return [i for i, cell in enumerate(nb.cells) if "live-training" in cell.metadata.get("tags", [])]


def course_live_notebooks():
    """The course notebooks with a cell tagged live-training."""
    return [path for path in sorted((ROOT / "notebooks").glob("*.ipynb"))
            if "live-training" in tagged_cells(nbformat.read(path, as_version=4))]


@pytest.mark.course_browser
@pytest.mark.parametrize("course_path", course_live_notebooks(), ids=lambda path: path.stem)
def test_every_live_cell_of_the_course(jupyterlab, tmp_path, course_path):
    """Each live-training cell of a course notebook in JupyterLab, run in order with everything before it:
    its frames per second and the on/off ratio of its run time (``make browser-course``: minutes)."""
    nb = nbformat.read(course_path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    for index in reversed(live_cells(nb)):
        with_view_off_cell(nb, index)
    live = live_cells(nb)
    # The copy sits where the course notebook does relative to data/, which the notebooks read as ../data.
    (jupyterlab["root"] / "data").symlink_to(ROOT / "data")
    path = jupyterlab["root"] / "notebooks" / course_path.name
    path.parent.mkdir()
    nbformat.write(nb, path)
    rows, done = [], 0
    with notebook_page(jupyterlab, path, tmp_path) as page:
        for index in live:
            t0 = time.monotonic()
            failed = page.evaluate(f"async () => await __runCells({done}, {index})")
            assert not failed, f"{course_path.name}: cells {failed} failed in the browser"
            print(f"{course_path.stem}: cells {done}-{index - 1} ran in {time.monotonic() - t0:.1f} s")
            label = f"{course_path.stem} cell {index - live.index(index)}"  # the index in the course notebook
            rows.append((label, *check_live_cell(page, index, index + 1, tmp_path, label, REPEATS, MIN_SECONDS)))
            done = index + 2
    # frames/s: over the whole cell; first-last: between the first and the last frame (a cell that also trains
    # without a live view, such as notebook 04's seeds, shows its live rate there)
    print("\nseconds summed over the runs each way")
    print(f"{'live cell':<36}{'frames/s':>9}{'first-last':>11}{'on/off':>8}{'on s':>7}{'off s':>7}{'runs':>6}")
    for label, fps, steady, ratio, on, off, runs in rows:
        print(f"{label:<36}{fps:>9.1f}{steady:>11.1f}{ratio:>8.2f}{on:>7.1f}{off:>7.1f}{runs:>6}")
