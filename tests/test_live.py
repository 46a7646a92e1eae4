"""Live training figures: one output headless, in-place updates when interactive, throttled,
honest final frames after divergence and interrupts, GIF/PNG export, the dashboard, the style."""

import base64
import io
import os

import matplotlib
import numpy as np
import pytest
from PIL import Image

import helpers
from helpers import live as live_module

SMALL = dict(figsize=(4.0, 2.5), dpi=50)  # small figures: the tests are about behaviour, not looks


def wave(rng, batch_size):
    xy = rng.uniform(-1, 1, size=(batch_size, 2))
    return xy, np.sin(3 * xy[:, :1]) * np.cos(2 * xy[:, 1:])


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
    train_x, train_y = live.train_line.get_data()
    val_x, val_y = live.val_line.get_data()
    assert train_y[-1] == h.train_cost[-1] and val_y[-1] == h.val_cost[-1]
    assert train_x[-1] == h.samples[-1] == 1200 and len(train_x) == len(h)
    assert live.cost_ax.get_yscale() == "log" and live.cost_ax.get_xlim()[1] == 1200
    assert not live.marker.get_visible()


class RecordingOutput:
    """An output that keeps what it was sent: (kind, text) pairs."""

    def __init__(self):
        self.sent = []

    def frame(self, png, text):
        assert png.startswith(b"\x89PNG")
        self.sent.append(("frame", text))

    def line(self, html_text, text):
        self.sent.append(("line", text))


def test_interactive_redraws_in_place_and_is_throttled_by_wall_time(shell):
    now = [0.0]

    def slow_wave(rng, batch_size):  # every step "takes" 10 ms of the fake clock
        now[0] += 0.01
        return wave(rng, batch_size)

    live = helpers.LiveTraining(interactive=True, max_fps=2.0, clock=lambda: now[0], **SMALL)
    helpers.train(helpers.Network.random([2, 8, 1], rng=0), sample=slow_wave, lr=0.05, steps=400,
                  batch_size=8, callback=live, callback_every=1, rng=1)
    # 4 s of training at 2 frames/s: about 8 frames, however many callbacks (400) came.
    assert 7 <= live.redraws <= 10
    new = [o for o in shell.outputs if not o.update]
    updates = [o for o in shell.outputs if o.update]
    assert [sorted(o.data) for o in new] == [["text/html", "text/plain"], ["image/png", "text/plain"]]
    ids = {o.transient["display_id"] for o in new}
    assert len(ids) == 2 and {o.transient["display_id"] for o in updates} == ids
    assert len(updates) == 2 * (live.redraws - 1)
    assert "step 400/400" in updates[-1].data["text/plain"]


def test_drawing_never_takes_more_than_a_third_of_the_time():
    now = [0.0]
    live = helpers.LiveTraining(interactive=True, max_fps=1000.0, clock=lambda: now[0],
                                output=RecordingOutput(), **SMALL)
    original = live._png

    def slow_png(final):  # a frame that "takes" 1 s to draw
        now[0] += 1.0
        return original(final)

    live._png = slow_png

    def tick(rng, batch_size):
        now[0] += 0.01
        return wave(rng, batch_size)

    helpers.train(helpers.Network.random([2, 4, 1], rng=0), sample=tick, lr=0.05, steps=600, batch_size=4,
                  callback=live, callback_every=1, rng=1)
    # each frame costs 1 s, so the next one waits 3 s: at most a third of the wall time draws
    assert live.redraws <= 1 + 600 * 0.01 / 2 + 1


def test_divergence_marks_where_it_blew_up(shell):
    live = helpers.LiveTraining(**SMALL)
    with pytest.warns(RuntimeWarning, match="diverged"):
        result = helpers.train(helpers.Network.random([2, 16, 1], rng=0), sample=wave, lr=50.0, steps=500,
                               batch_size=8, callback=live, callback_every=1, eval_every=1, rng=1)
    assert result.stopped == "diverged"
    blew_up = result.history.step[-1] + 1
    assert live.marker.get_visible() and list(live.marker.get_xdata()) == [blew_up, blew_up]
    assert live.cost_ax.get_title() == f"diverged at step {blew_up:,}"
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
    assert live.train_line.get_data()[1][-1] == result.history.train_cost[-1]
    assert live.cost_ax.get_title().startswith("interrupted at step 136")
    assert live.redraws == 3  # steps 50 and 100, then the final frame
    assert shell.outputs[-1].data["text/plain"].startswith("interrupted:")


def test_gif_and_png_export(tmp_path):
    live = helpers.LiveTraining(helpers.ImageView.grid("ripples", resolution=12), record_frames=True,
                                max_fps=None, output=RecordingOutput(), **SMALL)
    helpers.train(helpers.Network.random([2, 8, 1], rng=0), sample=wave, lr=0.05, steps=60, batch_size=8,
                  callback=live, callback_every=10, rng=1)
    assert len(live.frames) == 6  # steps 10..50 and the final frame
    assert [kind for kind, _ in live.output.sent] == ["frame"]  # headless: still only the final one shown
    gif = live.save_gif(tmp_path / "run.gif", fps=5)
    with Image.open(gif) as image:
        assert image.format == "GIF" and image.n_frames == 6 and image.size == (200, 125)
    png = live.save_png(tmp_path / "final.png", dpi=120)
    with Image.open(png) as image:
        assert image.format == "PNG" and image.size[0] >= 400
    with pytest.raises(ValueError, match="ending in .gif"):
        live.save_gif(tmp_path / "run.mp4")
    with pytest.raises(ValueError, match="record_frames=True"):
        helpers.LiveTraining().save_gif(tmp_path / "none.gif")
    with pytest.raises(ValueError, match="nothing drawn"):
        helpers.LiveTraining().save_png(tmp_path / "none.png")


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
    result = helpers.train(helpers.Network.random([784, 10], rng=0), x=images.reshape(20, -1), y=labels,
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
    assert helpers.is_interactive() is False  # pytest: not a kernel
    assert helpers.is_interactive(True) is True
    monkeypatch.setenv("HELPERS_LIVE", "1")
    assert helpers.is_interactive() is True and helpers.is_interactive(False) is False
    monkeypatch.setenv("HELPERS_LIVE", "off")
    assert helpers.is_interactive() is False
    monkeypatch.setenv("HELPERS_LIVE", "maybe")
    with pytest.raises(ValueError, match="HELPERS_LIVE"):
        helpers.is_interactive()
    with pytest.raises(ValueError, match="interactive"):
        helpers.is_interactive("yes")
    monkeypatch.delenv("HELPERS_LIVE")
    # A kernel: interactive when a Jupyter server started it, headless under nbconvert/nbval.
    fake_kernel = type("Shell", (), {"kernel": object(), "user_ns": {}})()
    monkeypatch.setattr(live_module, "_kernel_shell", lambda: fake_kernel)
    for name in ("JPY_SESSION_NAME", "VSCODE_PID", "VSCODE_CWD", "JPY_PARENT_PID"):
        monkeypatch.delenv(name, raising=False)
    assert helpers.is_interactive() is False
    monkeypatch.setenv("JPY_SESSION_NAME", "/course/notebooks/01_backprop_from_scratch.ipynb")
    assert helpers.is_interactive() is True
    monkeypatch.setenv("JPY_PARENT_PID", str(os.getpid()))  # "launched by" this pytest process
    assert helpers.is_interactive() is (not os.path.exists("/proc/self/cmdline"))
    monkeypatch.delenv("JPY_PARENT_PID")
    monkeypatch.delenv("JPY_SESSION_NAME")
    fake_kernel.user_ns["__vsc_ipynb_file__"] = "/course/nb.ipynb"
    assert helpers.is_interactive() is True


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
        dashboard(optimizer="rmsprop")
    with pytest.raises(ValueError, match="activation"):
        dashboard(activation="swish")


def test_dashboard_interrupted_outside_train_says_so(monkeypatch):
    board = dashboard()
    board.run_button.click()
    first = board.result

    def interrupted(settings=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(board, "initial_network", interrupted)
    board.run_button.click()  # as if the stop button landed before train() started
    assert board.status.value == "interrupted" and board.result is first
    assert not board.run_button.disabled


def test_dashboard_on_arrays_with_labels():
    rng = np.random.default_rng(0)
    x, labels = rng.normal(size=(60, 4)), rng.integers(0, 3, size=60)
    board = helpers.Dashboard(data=(x, labels), loss="softmax_cross_entropy", steps=100, batch_size=8,
                              hidden="6", optimizer="adam", lr=0.01, validation=(x, labels), metric="accuracy",
                              live=dict(interactive=False, **SMALL))
    assert (board.n_in, board.n_out) == (4, 3)
    result = board.run()
    assert len(result.history) > 0 and np.isfinite(result.history.metric[-1])


def test_presentation_style_and_reset():
    before = dict(matplotlib.rcParams)
    style = helpers.presentation_style()
    assert matplotlib.rcParams["font.size"] == 16 and matplotlib.rcParams["legend.fontsize"] == 14
    big = helpers.LiveTraining(output=RecordingOutput())
    helpers.train(helpers.Network.random([2, 4, 1], rng=0), sample=wave, lr=0.05, steps=10, batch_size=4,
                  callback=big, rng=0)
    helpers.reset_style(style)
    assert dict(matplotlib.rcParams) == before
    small = helpers.LiveTraining(output=RecordingOutput())
    helpers.train(helpers.Network.random([2, 4, 1], rng=0), sample=wave, lr=0.05, steps=10, batch_size=4,
                  callback=small, rng=0)
    assert big.figure.get_size_inches()[1] > small.figure.get_size_inches()[1]
    with helpers.presentation_style(scale=1.5, **{"lines.linewidth": 4}):
        assert matplotlib.rcParams["font.size"] == 24 and matplotlib.rcParams["lines.linewidth"] == 4
    assert dict(matplotlib.rcParams) == before
    helpers.presentation_style()
    helpers.reset_style()
    assert all(matplotlib.rcParams[k] == matplotlib.rcParamsOrig[k] for k in live_module.PRESENTATION_RC)
    matplotlib.rcParams.update(before)
    with pytest.raises(ValueError, match="unknown rcParams"):
        helpers.presentation_style(**{"font.sizes": 3})
    with pytest.raises(ValueError, match="presentation_style"):
        helpers.reset_style({"font.size": 3})
