"""Live training figures: one output headless, in-place updates when interactive, throttled,
honest final frames after divergence and interrupts, any finite cost drawn, blitted frames that
show what a full draw shows, GIF/PNG export by training progress, the dashboard, the projector
style, and an ``import helpers`` that loads no plotting stack."""

import base64
import io
import math
import os
import subprocess
import sys

import matplotlib
import matplotlib.text
import numpy as np
import pytest
from PIL import Image

import helpers
from helpers import frontend, live as live_module
from helpers.training import History, Progress

SMALL = dict(figsize=(4.0, 2.5), dpi=50)  # small figures: the tests are about behaviour, not looks


def wave(rng, batch_size):
    xy = rng.uniform(-1, 1, size=(batch_size, 2))
    return xy, np.sin(3 * xy[:, :1]) * np.cos(2 * xy[:, 1:])


def ticking(now, seconds=0.01):
    """A sampler like `wave` whose every step "takes" ``seconds`` of the fake clock ``now`` (a one-item list)."""
    def sample(rng, batch_size):
        now[0] += seconds
        return wave(rng, batch_size)
    return sample


@pytest.fixture
def shell():
    """An IPython shell whose display outputs the test can read (as a notebook would store them)."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output
    shell = InteractiveShell.instance()
    try:
        with capture_output(stdout=False, stderr=False) as captured:
            yield captured
    finally:
        InteractiveShell.clear_instance()


@pytest.fixture(autouse=True)
def no_live_env(monkeypatch):
    monkeypatch.delenv("HELPERS_LIVE", raising=False)


def png_of(output):
    return base64.b64decode(output.data["image/png"])


def test_import_helpers_loads_no_plotting_stack():
    code = ("import sys, helpers; print(sorted(m for m in ('matplotlib', 'PIL', 'IPython', 'ipywidgets') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", f"import helpers loaded {out.strip()}"


def test_headless_run_leaves_exactly_one_output_the_final_frame(shell):
    live = helpers.LiveTraining(helpers.ImageView.grid("peaks", resolution=16), **SMALL)
    assert not live.interactive  # a plain InteractiveShell is not a Jupyter kernel
    result = helpers.train(helpers.Network.random([2, 8, 1], rng=0), sample=wave, lr=0.05, steps=300,
                           batch_size=16, callback=live, callback_every=1, rng=1)
    assert live.redraws == 1
    assert len(shell.outputs) == 1
    (out,) = shell.outputs
    assert not out.update and set(out.data) == {"image/png", "text/plain"}
    assert Image.open(io.BytesIO(png_of(out))).size == (200, 125)
    assert "step 300/300" in out.data["text/plain"]
    assert result.history.step[-1] == 300


def test_plain_python_prints_one_summary_line(capsys):
    live = helpers.LiveTraining(**SMALL)
    helpers.train(helpers.Network.random([2, 4, 1], rng=0), sample=wave, lr=0.05, steps=50, batch_size=8,
                  callback=live, callback_every=1, rng=0)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("step 50/50")


def test_final_frame_shows_the_final_state():
    rng = np.random.default_rng(0)
    x_val = rng.uniform(-1, 1, size=(64, 2))
    y_val = wave(np.random.default_rng(5), 64)[1]
    live = helpers.LiveTraining(x_axis="samples", output=RecordingOutput(), **SMALL)
    result = helpers.train(helpers.Network.random([2, 8, 1], rng=0), sample=wave, lr=0.05, steps=120,
                           batch_size=10, validation=(x_val, y_val), callback=live, rng=1)
    h = result.history
    panel = live.cost_panel
    train_x, train_y = panel.train_line.get_data()
    val_x, val_y = panel.val_line.get_data()
    assert train_y[-1] == h.train_cost[-1] and val_y[-1] == h.val_cost[-1]
    assert train_x[-1] == h.samples[-1] == 1200 and len(train_x) == len(h)
    assert panel.ax.get_yscale() == "log" and panel.ax.get_xlim()[1] == 1200
    assert not panel.marker.get_visible()
    assert not any(a.get_animated() for a in live.figure.findobj())  # the kept figure draws whole


class RecordingOutput:
    """An output that keeps what it was sent: (kind, text) pairs, the frames' MIME types, and the frames."""

    def __init__(self):
        self.sent, self.mimes, self.frames = [], [], []

    def frame(self, frame, text):
        signature = {"image/png": b"\x89PNG", "image/jpeg": b"\xff\xd8\xff"}[frame.mime]
        assert frame.data.startswith(signature)
        self.sent.append(("frame", text))
        self.mimes.append(frame.mime)
        self.frames.append(frame)

    def line(self, html_text, text):
        self.sent.append(("line", text))


def test_interactive_redraws_in_place_and_is_throttled_by_wall_time(shell):
    now = [0.0]
    live = helpers.LiveTraining(interactive=True, max_fps=2.0, clock=lambda: now[0], **SMALL)
    helpers.train(helpers.Network.random([2, 8, 1], rng=0), sample=ticking(now), lr=0.05, steps=400,
                  batch_size=8, callback=live, callback_every=1, rng=1)
    # 4 s of training at 2 frames/s: about 8 frames, however many callbacks (400) came.
    assert 7 <= live.redraws <= 10
    new = [o for o in shell.outputs if not o.update]
    updates = [o for o in shell.outputs if o.update]
    # live frames are JPEG (fast to encode, small to send); the final frame, the one kept, is PNG
    assert [sorted(o.data) for o in new] == [["text/html", "text/plain"], ["image/jpeg", "text/plain"]]
    ids = {o.transient["display_id"] for o in new}
    assert len(ids) == 2 and {o.transient["display_id"] for o in updates} == ids
    frames = [o for o in updates if "image/jpeg" in o.data or "image/png" in o.data]
    lines = [o for o in updates if "text/html" in o.data]
    assert len(frames) == live.redraws - 1 and len(updates) == len(frames) + len(lines)
    # at 2 frames/s every frame carries a progress line (at most every LINE_PERIOD = 0.5 s), and the last one
    assert len(lines) == live.redraws - 1
    assert "step 400/400" in updates[-1].data["text/plain"] and "image/png" in updates[-1].data
    # a live frame gives its size (the front end keeps its place while the next decodes); the kept one does not
    assert new[1].metadata == {"image/jpeg": {"width": 200, "height": 125}} and not updates[-1].metadata


def test_live_frames_are_drawn_smaller_and_shown_at_the_final_frames_size():
    now = [0.0]
    output = RecordingOutput()
    live = helpers.LiveTraining(helpers.ImageView.grid("peaks", resolution=16), interactive=True, max_fps=5.0,
                                clock=lambda: now[0], output=output, figsize=(4.0, 2.0), dpi=100)
    helpers.train(helpers.Network.random([2, 4, 1], rng=0), sample=ticking(now), lr=0.05, steps=200,
                  batch_size=4, callback=live, callback_every=1, rng=1)
    *frames, final = output.frames
    assert len(frames) >= 5 and final.mime == "image/png" and final.size is None
    assert Image.open(io.BytesIO(final.data)).size == (400, 200), "the final frame at the figure's full resolution"
    for frame in frames:
        drawn = Image.open(io.BytesIO(frame.data)).size
        assert frame.mime == "image/jpeg" and drawn == (300, 150), f"a live frame at LIVE_SCALE: {drawn}"
        assert frame.size == (400, 200), "shown at the final frame's size, so that nothing moves when it comes"


def test_the_progress_line_is_updated_at_most_twice_a_second():
    now = [0.0]
    output = RecordingOutput()
    live = helpers.LiveTraining(interactive=True, max_fps=10.0, clock=lambda: now[0], output=output, **SMALL)
    helpers.train(helpers.Network.random([2, 4, 1], rng=0), sample=ticking(now), lr=0.05, steps=400, batch_size=4,
                  callback=live, callback_every=1, rng=1)
    frames = [text for kind, text in output.sent if kind == "frame"]
    lines = [text for kind, text in output.sent if kind == "line"]
    assert len(frames) >= 30, len(frames)  # about 10 a second
    assert 8 <= len(lines) <= 4 / live_module.LINE_PERIOD + 2, len(lines)
    assert lines[-1] == frames[-1] and "400/400" in lines[-1], "the final line is always sent"


def test_drawing_never_takes_more_than_its_share_of_the_time():
    now = [0.0]

    def slow_view(ax, net):  # a frame that "takes" 1 s to draw
        now[0] += 1.0

    live = helpers.LiveTraining(slow_view, interactive=True, max_fps=1000.0, clock=lambda: now[0],
                                output=RecordingOutput(), **SMALL)
    helpers.train(helpers.Network.random([2, 4, 1], rng=0), sample=ticking(now), lr=0.05, steps=2000, batch_size=4,
                  callback=live, callback_every=1, rng=1)
    live_frames = live.redraws - 1  # the final frame is drawn whatever it costs
    # 1 s per frame: the first frame (not counted), then DRAW_SHARE of the wall time, plus the frame that crossed
    # the line; no more in the first second after the first frame than the share allows
    assert 3 <= live_frames <= live_module.DRAW_SHARE * now[0] + 2, (live_frames, now[0])
    assert live.drawing_seconds == pytest.approx(live_frames * 1.0)


def test_a_slow_first_frame_does_not_hold_up_the_next_ones():
    now, calls = [0.0], [0]

    def first_slow(ax, net):  # the first frame lays the figure out: here it "takes" 1 s, the others 10 ms
        calls[0] += 1
        now[0] += 1.0 if calls[0] == 1 else 0.01

    live = helpers.LiveTraining(first_slow, interactive=True, max_fps=5.0, clock=lambda: now[0],
                                output=RecordingOutput(), **SMALL)
    helpers.train(helpers.Network.random([2, 4, 1], rng=0), sample=ticking(now), lr=0.05, steps=400, batch_size=4,
                  callback=live, callback_every=1, rng=1)
    # 4 s of training at 5 frames/s; counted, the first frame alone would have used the budget of 6 s
    assert live.redraws - 1 >= 18, live.redraws


def test_divergence_marks_where_it_blew_up(shell):
    live = helpers.LiveTraining(**SMALL)
    with pytest.warns(RuntimeWarning, match="diverged"):
        result = helpers.train(helpers.Network.random([2, 16, 1], rng=0), sample=wave, lr=50.0, steps=500,
                               batch_size=8, callback=live, callback_every=1, eval_every=1, rng=1)
    assert result.stopped == "diverged"
    blew_up = result.history.step[-1] + 1
    marker = live.cost_panel.marker
    assert marker.get_visible() and list(marker.get_xdata()) == [blew_up, blew_up]
    assert live.cost_panel.ax.get_title() == f"diverged at step {blew_up:,}"
    (out,) = shell.outputs
    assert out.data["text/plain"].startswith("diverged:") and "smaller learning rate" in out.data["text/plain"]


def test_interrupt_leaves_the_last_state(shell):
    calls = [0]

    def interrupted(rng, batch_size):
        calls[0] += 1
        if calls[0] == 137:
            raise KeyboardInterrupt
        return wave(rng, batch_size)

    live = helpers.LiveTraining(interactive=True, max_fps=None, **SMALL)
    result = helpers.train(helpers.Network.random([2, 8, 1], rng=0), sample=interrupted, lr=0.05,
                           steps=1000, batch_size=8, callback=live, callback_every=50, rng=1)
    assert result.stopped == "interrupted" and result.history.step[-1] == 136
    assert live.cost_panel.train_line.get_data()[1][-1] == result.history.train_cost[-1]
    assert live.cost_panel.ax.get_title().startswith("interrupted at step 136")
    assert live.redraws == 3  # steps 50 and 100, then the final frame
    assert shell.outputs[-1].data["text/plain"].startswith("interrupted:")


def test_gif_and_png_export(tmp_path):
    live = helpers.LiveTraining(helpers.ImageView.grid("ripples", resolution=12), record_frames=6,
                                max_fps=None, output=RecordingOutput(), **SMALL)
    helpers.train(helpers.Network.random([2, 8, 1], rng=0), sample=wave, lr=0.05, steps=60, batch_size=8,
                  callback=live, callback_every=10, rng=1)
    assert len(live.frames) == 6  # steps 10..50 and the final frame
    assert [kind for kind, _ in live.output.sent] == ["frame"]  # headless: still only the final one shown
    gif = live.save_gif(tmp_path / "run.gif", fps=5)
    with Image.open(gif) as image:
        # recorded like the live frames, at LIVE_SCALE of the figure's 200 x 125 pixels: a small GIF
        small = tuple(int(n * live_module.LIVE_SCALE) for n in (200, 125))
        assert image.format == "GIF" and image.n_frames == 6 and image.size == small
    png = live.save_png(tmp_path / "final.png", dpi=120)
    with Image.open(png) as image:
        assert image.format == "PNG" and image.size[0] >= 400
    with pytest.raises(ValueError, match="ending in .gif"):
        live.save_gif(tmp_path / "run.mp4")
    with pytest.raises(ValueError, match="record_frames=True"):
        helpers.LiveTraining().save_gif(tmp_path / "none.gif")
    with pytest.raises(ValueError, match="nothing drawn"):
        helpers.LiveTraining().save_png(tmp_path / "none.png")
    with pytest.raises(ValueError, match="record_frames"):
        helpers.LiveTraining(record_frames=-3)


def test_recorded_frames_follow_training_not_the_clock():
    """The same run on a fast and on a slow machine records the same frames: by step, not wall time."""
    # Compared within one mode: headless and live rendering may differ by a few pixels (matplotlib 3.9 blits
    # the recorded frame's cost dots slightly differently), which says nothing about when frames are taken.
    for interactive in (False, True):
        runs = []
        for seconds_per_step in (0.0, 0.5):
            now = [0.0]

            def timed_wave(rng, batch_size):
                now[0] += seconds_per_step
                return wave(rng, batch_size)

            live = helpers.LiveTraining(record_frames=4, interactive=interactive, clock=lambda: now[0],
                                        output=RecordingOutput(), **SMALL)
            helpers.train(helpers.Network.random([2, 8, 1], rng=0), sample=timed_wave, lr=0.05, steps=400,
                          batch_size=8, callback=live, callback_every=10, rng=1, blas_threads=1)
            runs.append(live.frames)
        assert all(len(frames) == 4 for frames in runs)  # steps 100, 200, 300 and the final frame
        assert runs[0] == runs[1], f"interactive={interactive}: a slow clock recorded other frames than a fast one"


def test_the_default_gif_is_small(tmp_path):
    live = helpers.LiveTraining(helpers.ImageView.grid("peaks", resolution=48), record_frames=True,
                                output=RecordingOutput())
    helpers.train(helpers.Network.random([2, 16, 16, 1], rng=0), sample=helpers.function_sampler("peaks"),
                  lr=0.05, steps=3000, batch_size=16, callback=live, callback_every=30, rng=1)
    assert len(live.frames) == live_module.GIF_FRAMES
    size = os.path.getsize(live.save_gif(tmp_path / "run.gif"))
    assert size < 1_000_000, f"a default GIF of {size / 1e6:.1f} MB"


def test_the_first_frame_shows_a_cost(shell):
    live = helpers.LiveTraining(interactive=True, max_fps=None, **SMALL)
    first = []

    def watch(progress):
        live(progress)
        if not first:
            first.append(live.cost_panel.now_dot.get_data()[1].copy())

    helpers.train(helpers.Network.random([2, 4, 1], rng=0), sample=wave, lr=0.05, steps=100, batch_size=4,
                  callback=watch, callback_every=10, eval_every=10, rng=0)
    assert len(first[0]) == 1 and np.isfinite(first[0][0])  # one recorded point: a dot, not an empty panel


def progress_with(costs, done, val_costs=None):
    """A Progress whose history holds ``costs``, as train() would pass it."""
    history = History()
    val_costs = [math.nan] * len(costs) if val_costs is None else val_costs
    for k, (cost, val) in enumerate(zip(costs, val_costs), start=1):
        history.append(step=10 * k, samples=40 * k, time=0.1 * k, train_cost=cost, val_cost=val, metric=math.nan)
    step = 10 * len(costs)
    return Progress(step=step, steps=100, batch_size=4, cost=costs[-1], net=helpers.Network.random([2, 3, 1], rng=0),
                    history=history, elapsed=0.1 * len(costs), done=done)


@pytest.mark.parametrize("costs", [
    [0.5, 1.5e308], [1.5e308, 1.5e308], [0.3, math.inf, 0.1], [0.2, math.nan, 0.1], [5e-324, 1.0],
    [0.0, 1e308], [-1e308, 1e308], [1e-300, 1e300, -3.0],
])
def test_any_cost_is_drawn_never_an_overflow(costs):
    for interactive in (True, False):
        live = helpers.LiveTraining(helpers.ImageView.grid("peaks", resolution=8), interactive=interactive,
                                    max_fps=None, output=RecordingOutput(), **SMALL)
        for n in range(1, len(costs) + 1):
            live(progress_with(costs[:n], done=False))
        live(progress_with(costs, done=True, val_costs=costs[::-1]))
        low, high = live.cost_panel.ax.get_ylim()
        assert math.isfinite(low) and math.isfinite(high) and low < high
        assert live.output.mimes[-1] == "image/png"


def test_a_blitted_frame_shows_what_a_full_draw_shows():
    rng = np.random.default_rng(0)
    images, labels = rng.uniform(size=(20, 28, 28)), rng.integers(0, 10, size=20)
    views = [helpers.ImageView.grid("peaks", resolution=16),
             helpers.DigitsView(images, labels, count=4, inputs=rng.uniform(-1, 1, size=(20, 2)))]
    live = helpers.LiveTraining(views, interactive=True, max_fps=None, output=RecordingOutput(), **SMALL)
    seen = {}

    def watch(progress):
        live(progress)
        canvas = live.figure.canvas
        seen.setdefault("first", np.asarray(canvas.buffer_rgba()).copy())
        if progress.step == 180:  # a frame made of the kept background and the artists that moved
            seen["blitted"] = np.asarray(canvas.buffer_rgba()).copy()
            for artist in live.figure.findobj():
                artist.set_animated(False)
            canvas.draw()  # the same state, drawn whole
            seen["whole"] = np.asarray(canvas.buffer_rgba()).copy()

    helpers.train(helpers.Network.random([2, 8, 1], rng=0), sample=wave, lr=0.05, steps=200, batch_size=8,
                  callback=watch, callback_every=20, eval_every=20, rng=1)
    assert not np.array_equal(seen["first"], seen["blitted"])
    # the same picture: at most antialiasing's rounding apart (a few of 255 levels), nothing missing or extra; except
    # where the last point's dot, at the right edge, meets the axes' frame: a blitted frame draws the moving artists
    # last, on top of the frame, a whole draw the frame on top (a few pixels, at this test's 37 dpi)
    difference = np.abs(seen["blitted"].astype(int) - seen["whole"].astype(int)).max(axis=2)
    assert np.sum(difference > 16) <= 6, f"{np.sum(difference > 16)} pixels differ by more than 16 of 255 levels"
    assert difference.max() <= 64, f"a pixel differs by {difference.max()} of 255 levels"


def test_a_stamped_label_looks_exactly_as_drawn_and_is_drawn_once_per_look(monkeypatch):
    from matplotlib.figure import Figure

    from helpers.canvas import BlitCanvas

    looks = [("3", "tab:red"), ("3", "tab:green"), ("7", "tab:red"), ("3", "tab:red"), ("7", "tab:red"),
             ("10/16 right", "tab:red"), ("3", "tab:green")]
    frames, draws = {}, []
    original = matplotlib.text.Text.draw

    def counting(self, renderer):
        draws.append(self.get_text())
        return original(self, renderer)

    monkeypatch.setattr(matplotlib.text.Text, "draw", counting)
    for stamped in (False, True):
        figure = Figure(figsize=(2, 1), dpi=50)
        ax = figure.add_subplot()
        ax.imshow(np.arange(12.0).reshape(3, 4))  # a background that is not one colour
        label = ax.text(1.5, 1.0, "", fontsize="large", fontweight="bold")
        canvas = BlitCanvas(figure)
        draws.clear()
        frames[stamped] = []
        for text, colour in looks:
            label.set_text(text)
            label.set_color(colour)
            canvas.draw([label], stamps={label} if stamped else ())
            frames[stamped].append(np.asarray(canvas.canvas.buffer_rgba()).copy())
        label_draws = [t for t in draws if t in {text for text, _ in looks}]
        assert len(label_draws) == (4 if stamped else len(looks)), label_draws  # 4 looks: 3 red, 3 green, 7, 10/16
    for k, (plain, stamp) in enumerate(zip(frames[False], frames[True])):
        assert np.array_equal(plain, stamp), f"frame {k} ({looks[k]}): the pasted label differs from the drawn one"


def test_stamps_with_ever_new_looks_keep_a_bounded_number(monkeypatch):
    from matplotlib.figure import Figure

    from helpers import canvas as canvas_module

    monkeypatch.setattr(canvas_module, "MAX_STAMPS", 5)
    figure = Figure(figsize=(2, 1), dpi=30)
    label = figure.add_subplot().text(0.5, 0.5, "")
    canvas = canvas_module.BlitCanvas(figure)
    for k in range(12):  # a number in every frame: every look is new
        label.set_text(str(k))
        canvas.draw([label], stamps={label})
        assert len(canvas._stamps) <= 5


class DigitsDrawnEveryTime(helpers.DigitsView):
    """A DigitsView without stamps: its labels are drawn in every frame."""

    def setup(self, fig, spec):
        super().setup(fig, spec)
        self.stamps = []


def test_digits_frames_are_the_same_with_and_without_stamps():
    rng = np.random.default_rng(0)
    images, labels = rng.uniform(size=(20, 28, 28)), rng.integers(0, 10, size=20)
    frames, looks = {}, {}
    for kind in (helpers.DigitsView, DigitsDrawnEveryTime):
        view = kind(images, labels, count=8)
        live = helpers.LiveTraining(view, interactive=True, max_fps=None, output=RecordingOutput(), **SMALL)
        frames[kind], looks[kind] = [], set()

        def watch(progress):
            live(progress)
            frames[kind].append(np.asarray(live.figure.canvas.buffer_rgba()).copy())
            looks[kind].update((t.get_text(), t.get_color()) for t in view.texts)

        helpers.train(helpers.Network.random([784, 10], rng=0), x=images.reshape(20, -1), targets=labels,
                      loss="softmax_cross_entropy", lr=0.5, steps=60, batch_size=4, callback=watch,
                      callback_every=4, rng=0)
    assert len(looks[helpers.DigitsView]) > 8, "the labels should change while training, to test the stamps"
    assert len(frames[helpers.DigitsView]) == len(frames[DigitsDrawnEveryTime]) > 10
    for k, (a, b) in enumerate(zip(frames[helpers.DigitsView], frames[DigitsDrawnEveryTime])):
        assert np.array_equal(a, b), f"frame {k} differs with stamps"


def test_a_second_run_starts_a_new_figure(shell):
    live = helpers.LiveTraining(**SMALL)
    for seed in (0, 1):
        helpers.train(helpers.Network.random([2, 4, 1], rng=seed), sample=wave, lr=0.05, steps=20,
                      batch_size=4, callback=live, rng=seed)
    assert len(shell.outputs) == 2 and not any(o.update for o in shell.outputs)


def test_views_digits_functions_and_bad_views():
    rng = np.random.default_rng(0)
    images, labels = rng.uniform(size=(20, 28, 28)), rng.integers(0, 10, size=20)
    drawn = []
    digits = helpers.DigitsView(images, labels, count=8)
    live = helpers.LiveTraining([digits, lambda ax, net: drawn.append(ax.plot([0, 1]))],
                                output=RecordingOutput(), **SMALL)
    result = helpers.train(helpers.Network.random([784, 10], rng=0), x=images.reshape(20, -1), targets=labels,
                           loss="softmax_cross_entropy", lr=0.1, steps=10, batch_size=4, callback=live, rng=0)
    predicted = result.net.predict(images[:8].reshape(8, -1)).argmax(axis=1)
    assert [t.get_text() for t in digits.texts] == [str(p) for p in predicted]
    colours = [t.get_color() for t in digits.texts]
    assert colours == ["tab:green" if p == y else "tab:red" for p, y in zip(predicted, labels[:8])]
    assert len(drawn) == 1 and len(live.figure.axes) == 3
    with pytest.raises(ValueError, match="setup"):
        helpers.LiveTraining(view=42)
    with pytest.raises(ValueError, match="x_axis"):
        helpers.LiveTraining(x_axis="epochs")
    with pytest.raises(ValueError, match="max_fps"):
        helpers.LiveTraining(max_fps=0)
    with pytest.raises(ValueError, match=r"\(n, 28, 28\)"):
        helpers.DigitsView(np.zeros(5), [1])
    with pytest.raises(ValueError, match="labels"):
        helpers.DigitsView(images, labels[:3])
    with pytest.raises(ValueError, match="render"):
        helpers.ImageView(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="target"):
        helpers.ImageView(lambda net: 0, target=np.zeros((3, 3, 2)))


def test_image_view_of_a_picture_renders_the_net_at_its_size():
    picture = np.linspace(0, 1, 6 * 5).reshape(6, 5)
    view = helpers.ImageView.grid(picture)
    assert view.render(helpers.Network.random([2, 3, 1], rng=0)).shape == (6, 5)
    assert view.cmap == "gray" and helpers.ImageView.grid("peaks").cmap == "viridis"


def test_interactive_detection(monkeypatch):
    assert helpers.frontend.is_interactive() is False  # pytest: not a kernel
    assert helpers.frontend.is_interactive(True) is True
    monkeypatch.setenv("HELPERS_LIVE", "1")
    assert helpers.frontend.is_interactive() is True and helpers.frontend.is_interactive(False) is False
    monkeypatch.setenv("HELPERS_LIVE", "off")
    assert helpers.frontend.is_interactive() is False
    monkeypatch.setenv("HELPERS_LIVE", "maybe")
    with pytest.raises(ValueError, match="HELPERS_LIVE"):
        helpers.frontend.is_interactive()
    with pytest.raises(ValueError, match="interactive"):
        helpers.frontend.is_interactive("yes")
    monkeypatch.delenv("HELPERS_LIVE")
    # A kernel: interactive when a Jupyter server started it, headless under nbconvert/nbval.
    fake_kernel = type("Shell", (), {"kernel": object(), "user_ns": {}})()
    monkeypatch.setattr(frontend, "_kernel_shell", lambda: fake_kernel)
    for name in ("JPY_SESSION_NAME", "VSCODE_PID", "VSCODE_CWD", "JPY_PARENT_PID"):
        monkeypatch.delenv(name, raising=False)
    assert helpers.frontend.is_interactive() is False
    monkeypatch.setenv("JPY_SESSION_NAME", "/course/notebooks/01_backprop_from_scratch.ipynb")
    assert helpers.frontend.is_interactive() is True
    monkeypatch.setenv("JPY_PARENT_PID", str(os.getpid()))  # "launched by" this pytest process
    assert helpers.frontend.is_interactive() is (not os.path.exists("/proc/self/cmdline"))
    monkeypatch.delenv("JPY_PARENT_PID")
    monkeypatch.delenv("JPY_SESSION_NAME")
    fake_kernel.user_ns["__vsc_ipynb_file__"] = "/course/nb.ipynb"
    assert helpers.frontend.is_interactive() is True


def dashboard(**kwargs):
    options = dict(sample=helpers.function_sampler("peaks"), view=helpers.ImageView.grid("peaks", resolution=16),
                   steps=200, batch_size=16, hidden="8,8", lr=0.05, live=dict(interactive=False, **SMALL))
    options.update(kwargs)
    return helpers.Dashboard(**options)


def test_dashboard_builds_and_a_run_click_trains():
    import ipywidgets
    board = dashboard()
    assert (board.n_in, board.n_out) == (2, 1)
    assert isinstance(board.lr_slider, ipywidgets.FloatLogSlider)
    assert isinstance(board.run_button, ipywidgets.Button) and isinstance(board.widget, ipywidgets.VBox)
    assert "application/vnd.jupyter.widget-view+json" in board._repr_mimebundle_()
    board.run_button.click()
    first = board.result
    assert len(first.history) > 0 and first.stopped is None
    assert bytes(board.image.value).startswith(b"\x89PNG") and "done" in board.status.value
    assert board.initial_network().layer_sizes == [2, 8, 8, 1]
    # the same seed: the same start and the same batches; another seed: another run
    board.run_button.click()
    assert board.result.history.train_cost == first.history.train_cost
    board.seed_box.value = 3
    board.hidden_text.value = "5"
    board.lr_slider.value = 0.01
    second = board.run()
    assert second.net.layer_sizes == [2, 5, 1] and second.history.train_cost != first.history.train_cost
    board.reset()
    assert board.settings() == dict(lr=0.05, batch_size=16, steps=200, hidden=[8, 8], activation="relu",
                                    optimizer="sgd", seed=0)


def test_dashboard_reports_bad_settings_and_bad_arguments():
    board = dashboard()
    board.hidden_text.value = "100, lots"
    with pytest.raises(ValueError, match="hidden layers"):
        board.run()
    board.run_button.click()  # the button shows the error beside itself instead of raising
    assert "hidden layers" in board.status.value and board.result is None
    with pytest.raises(ValueError, match="exactly one"):
        helpers.Dashboard()
    with pytest.raises(ValueError, match="optimizer"):
        dashboard(optimizer="newton")
    with pytest.raises(ValueError, match="activation"):
        dashboard(activation="swish")


@pytest.mark.parametrize("setting, match", [
    (dict(lr=0), r"learning-rate slider.*\[0.0001, 1\], got 0"),
    (dict(lr=5), r"learning-rate slider.*\[0.0001, 1\], got 5"),
    (dict(lr=2e-3, lr_range=(1e-2, 1.0)), r"learning-rate slider.*\[0.01, 1\]"),
    (dict(seed=-1), r"seed.*from 0 to 2147483647 \(the seed box's range\), got -1"),
    (dict(seed=2 ** 31), r"seed box"),
    (dict(seed=1.5), r"seed"),
    (dict(lr_range=(1.0, 0.1)), r"lr_range"),
    (dict(batch_size=0), r"batch_size"),
])
def test_dashboard_refuses_defaults_its_controls_cannot_show(setting, match):
    with pytest.raises(ValueError, match=match):
        dashboard(**setting)


def test_dashboard_trains_with_the_named_optimizer_and_says_what_it_trained_with():
    board = dashboard(optimizer="adam", lr=0.01)
    seen = []
    board.view = lambda ax, net: seen.append([c.disabled for c in (board.batch_slider, board.hidden_text,
                                                                     board.run_button)])
    board.batch_slider.value = 64  # changed before Run: this run trains with it
    result = board.run()
    direct = helpers.train(board.initial_network(), sample=board.sample, optimizer="adam", lr=0.01, steps=200,
                           batch_size=64, rng=0)
    assert result.history.train_cost == direct.history.train_cost
    assert seen and all(all(flags) for flags in seen), "the controls were not disabled while the run trained"
    assert not board.batch_slider.disabled and not board.run_button.disabled
    assert board.status.value == "done: final cost " + f"{result.history.train_cost[-1]:.4g}; " \
        "2-8-8-1 relu, adam lr 0.01, batch 64, 200 steps, seed 0"


def test_dashboard_interrupted_outside_train_says_so(monkeypatch):
    board = dashboard()
    board.run_button.click()
    first = board.result

    def interrupted(settings=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(board, "initial_network", interrupted)
    board.run_button.click()  # as if the stop button landed before train() started
    assert board.status.value.startswith("interrupted; 2-8-8-1 relu") and board.result is first
    assert not board.run_button.disabled and not board.lr_slider.disabled


def test_dashboard_on_arrays_with_labels():
    rng = np.random.default_rng(0)
    x, labels = rng.normal(size=(60, 4)), rng.integers(0, 3, size=60)
    board = helpers.Dashboard(data=(x, labels), loss="softmax_cross_entropy", steps=100, batch_size=8,
                              hidden="6", optimizer="adam", lr=0.01, validation=(x, labels), metric="accuracy",
                              live=dict(interactive=False, **SMALL))
    assert (board.n_in, board.n_out) == (4, 3)
    result = board.run()
    assert len(result.history) > 0 and np.isfinite(result.history.metric[-1])
    assert board.live.metric_name == "accuracy"


def test_the_progress_line_names_the_metric(shell):
    rng = np.random.default_rng(0)
    x, labels = rng.normal(size=(60, 4)), rng.integers(0, 3, size=60)
    live = helpers.LiveTraining(metric_name="accuracy", **SMALL)
    helpers.train(helpers.Network.random([4, 6, 3], rng=0), x, labels, loss="softmax_cross_entropy", lr=0.1,
                  steps=20, batch_size=8, validation=(x, labels), metric="accuracy", callback=live, rng=0)
    text = shell.outputs[-1].data["text/plain"]
    assert " accuracy 0." in text and "metric" not in text


def test_the_progress_line_names_trains_metric_by_default(shell):
    rng = np.random.default_rng(0)
    x, labels = rng.normal(size=(60, 4)), rng.integers(0, 3, size=60)
    live = helpers.LiveTraining(**SMALL)
    helpers.train(helpers.Network.random([4, 6, 3], rng=0), x, labels, loss="softmax_cross_entropy", lr=0.1,
                  steps=20, batch_size=8, validation=(x, labels), metric="accuracy", callback=live, rng=0)
    text = shell.outputs[-1].data["text/plain"]
    assert " validation accuracy 0." in text and "metric" not in text, text

    def top_3(net, x, y):
        return 0.5

    helpers.train(helpers.Network.random([4, 6, 3], rng=0), x, labels, loss="softmax_cross_entropy", lr=0.1,
                  steps=20, batch_size=8, validation=(x, labels), metric=top_3, callback=live, rng=0)
    assert " validation top_3 0.5 " in shell.outputs[-1].data["text/plain"]


def test_log_cost_axis_labels_decades_in_plain_text():
    live = helpers.LiveTraining(interactive=False, output=RecordingOutput(), **SMALL)
    helpers.train(helpers.Network.random([2, 8, 1], rng=0), sample=wave, lr=0.05, steps=200, batch_size=8,
                  callback=live, rng=1)
    ax = live.cost_panel.ax
    low, high = ax.get_ylim()
    labels = [t.get_text() for t in ax.yaxis.get_majorticklabels() if low <= t.get_position()[1] <= high]
    # plain text such as 10⁻², not mathtext ("$...$"), which costs a live figure's first frame ~70 ms
    assert labels and all(label.startswith("10") and "$" not in label for label in labels), labels
    from helpers.cost_panel import _decade
    assert [_decade(v) for v in (1e-12, 1e-3, 1.0, 10.0, 1e100)] == ["10⁻¹²", "10⁻³", "10⁰", "10¹", "10¹⁰⁰"]


def test_dashboard_show_leaves_a_picture_for_static_copies(shell):
    board = dashboard()
    board.show()  # headless: the controls, and the final frame of a run with the settings shown
    widget, picture = shell.outputs
    assert "application/vnd.jupyter.widget-view+json" in widget.data
    assert widget.data["text/plain"].startswith("Dashboard:")
    assert set(picture.data) == {"image/png", "text/plain"} and png_of(picture).startswith(b"\x89PNG")
    assert picture.data["text/plain"].startswith("step 200/200") and board.result.history.step[-1] == 200
    assert board.result.history.train_cost == board.run().history.train_cost  # the run Run would make
    live_board = dashboard(live=dict(interactive=True, **SMALL))
    live_board.show()  # a live front end: the controls only, no run
    assert len(shell.outputs) == 3 and live_board.result is None


def test_projector_style_is_a_style_sheet_and_its_titles_do_not_crowd(tmp_path):
    from matplotlib import style
    assert os.path.isfile(helpers.PROJECTOR_STYLE) and helpers.PROJECTOR_STYLE.endswith(".mplstyle")
    before = dict(matplotlib.rcParams)
    small = helpers.LiveTraining(helpers.ImageView.grid("peaks", resolution=8), title="a figure title",
                                 output=RecordingOutput())
    with style.context(helpers.PROJECTOR_STYLE):
        assert matplotlib.rcParams["font.size"] == 16
        big = helpers.LiveTraining(helpers.ImageView.grid("peaks", resolution=8), title="a figure title",
                                   output=RecordingOutput())
        helpers.train(helpers.Network.random([2, 4, 1], rng=0), sample=wave, lr=0.05, steps=10, batch_size=4,
                      callback=big, rng=0)
    assert dict(matplotlib.rcParams) == before
    helpers.train(helpers.Network.random([2, 4, 1], rng=0), sample=wave, lr=0.05, steps=10, batch_size=4,
                  callback=small, rng=0)
    assert big.figure.get_size_inches()[1] > small.figure.get_size_inches()[1]
    # The figure title clear of the panel titles (presentation_style's 20 pt title sat 6 pt above them)
    renderer = big.figure.canvas.get_renderer()
    (suptitle,) = [t for t in big.figure.findobj(matplotlib.text.Text) if t.get_text() == "a figure title"]
    for ax in big.figure.axes:
        gap_pt = (suptitle.get_window_extent(renderer).y0 - ax.title.get_window_extent(renderer).y1) * 72 / 100
        assert gap_pt >= 10, f"the figure title is {gap_pt:.1f} pt above the panel title {ax.get_title()!r}"


def test_image_view_draws_with_the_origin_asked_for():
    import matplotlib.pyplot as plt

    net = helpers.Network.random([2, 8, 1], rng=0)
    for origin, extent in (("upper", (-1.0, 1.0, 1.0, -1.0)), ("lower", (-1.0, 1.0, -1.0, 1.0))):
        view = helpers.ImageView.grid("peaks", resolution=8, origin=origin)
        fig = plt.figure()
        view.setup(fig, fig.add_gridspec(1, 1)[0])
        view.update(net)
        assert view.image.origin == origin and tuple(view.image.get_extent()) == extent
        plt.close(fig)
    with pytest.raises(ValueError, match="origin must be 'upper' or 'lower'"):
        helpers.ImageView(lambda net: np.zeros((2, 2)), origin="left")


def test_folded_keeps_text_and_figure_inside_a_closed_details_block():
    import matplotlib.pyplot as plt

    fig = plt.figure()
    plt.plot([0, 1], [1, 0])
    block = helpers.folded("Solution 1 <answer>", "cost 0.5 & falling", fig).data
    assert block.startswith("<details><summary><b>Solution 1 &lt;answer&gt;</b></summary>")
    assert "<pre>cost 0.5 &amp; falling</pre>" in block and 'src="data:image/png;base64,' in block
    assert block.endswith("</details>") and not plt.fignum_exists(fig.number)
