"""Dashboard: ipywidgets controls, a Run button and a live training figure, for one problem.

    dashboard = helpers.Dashboard(sample=helpers.function_sampler("peaks"), lr=0.05, steps=2000)
    dashboard.show()

ipywidgets is imported when a Dashboard is made, not when ``helpers`` is imported.
"""

import html
import math
import numbers

import numpy as np

from .activations import ACTIVATIONS
from .checks import finite_float, lookup, positive_float, positive_int
from .frontend import WidgetOutput, is_interactive
from .live import LiveTraining
from .losses import get_loss
from .network import Network
from .optimizers import OPTIMIZERS
from .training import metric_name, train

SEED_MAX = 2 ** 31 - 1
BATCH_SIZES = tuple(2 ** k for k in range(11))
STEP_COUNTS = (100, 200, 500, 1000, 2000, 5000, 10000, 20000)


class Dashboard:
    """ipywidgets controls, a Run button and a live training figure, for one problem.

    Data, one of: ``data=(x, targets)`` arrays, or ``sample=f(rng, batch_size) -> (x_batch, target_batch)``
    (e.g. ``helpers.function_sampler("peaks")``, ``helpers.image_sampler(picture)``).
    validation: optional ``(x_val, y_val)``; metric: as for ``helpers.train``.
    n_in, n_out: network input and output widths (default: read from the data).
    loss: "quadratic" or "softmax_cross_entropy"; output_activation of the last layer.
    view: shown beside the cost curves (see `LiveTraining`), set up afresh for every run.
    Defaults of the controls: lr (inside lr_range), batch_size, steps, hidden (e.g. "100,100,100";
    "" for none), activation, optimizer (a name of ``helpers.optimizers.OPTIMIZERS``), seed (0 to
    2**31 - 1). lr_range: (low, high) of the learning-rate slider (log scale). A default the controls
    cannot show is refused with a ValueError. live: extra keyword arguments for `LiveTraining`.

    Every Run reads the controls once, when it is pressed, builds ``Network.random([n_in, *hidden,
    n_out], activation, rng=seed)`` and trains it with ``train(..., optimizer=name, lr=lr, rng=seed)``:
    the same seed gives the same start and the same batches, so runs with different settings compare
    fairly. The status line names the settings the run trained with. ``run()`` is what the button
    calls (tests call it, or ``run_button.click()``); ``result`` is the last `TrainResult`.

    While a run trains, the kernel is busy and the controls are disabled (a change made then would
    reach the kernel only after the run); stop a run with the kernel's interrupt (the stop button,
    or I I): training ends cleanly and the figure shows where it stopped. Without a live kernel (a
    notebook on GitHub, an HTML export) widgets do not run: `show` leaves a picture of a run there.
    """

    def __init__(self, data=None, *, sample=None, validation=None, metric=None, n_in=None, n_out=None,
                 loss="quadratic", output_activation="identity", view=None, lr=0.05, batch_size=32,
                 steps=1000, hidden="30,30", activation="relu", optimizer="sgd", seed=0,
                 lr_range=(1e-4, 1.0), live=None):
        self.data, self.sample = _data(data, sample)
        self.validation, self.metric = validation, metric
        self.loss = get_loss(loss).name
        self.output_activation = output_activation
        self.n_in, self.n_out = self._widths(n_in, n_out)
        self.view = view
        self.live_options = dict(live or {})
        low, high = lr_range
        self.lr_range = (positive_float("lr_range low", low), positive_float("lr_range high", high))
        if not self.lr_range[0] < self.lr_range[1]:
            raise ValueError(f"Dashboard: expected lr_range=(low, high) with 0 < low < high, got {lr_range!r}")
        self.defaults = dict(
            lr=finite_float("Dashboard: lr (inside the learning-rate slider's range, lr_range)", lr, low, high),
            batch_size=positive_int("batch_size", batch_size), steps=positive_int("steps", steps),
            hidden=_hidden_text(hidden), activation=activation, optimizer=optimizer, seed=_seed(seed))
        lookup(ACTIVATIONS, activation, "activation")
        lookup(OPTIMIZERS, optimizer, "optimizer")
        _parse_hidden(self.defaults["hidden"])  # fail now on a bad default
        self._build_controls()
        self.result = None
        self.live = None

    def _build_controls(self):
        import ipywidgets as w
        d, (low, high) = self.defaults, self.lr_range
        style, wide = {"description_width": "110px"}, w.Layout(width="340px")

        def control(kind, description, **options):
            return kind(description=description, style=style, layout=wide, **options)

        self.lr_slider = control(w.FloatLogSlider, "learning rate", value=d["lr"], base=10, min=math.log10(low),
                                 max=math.log10(high), step=0.1, readout_format=".2g", continuous_update=False)
        self.batch_slider = control(w.SelectionSlider, "batch size", value=d["batch_size"],
                                    options=sorted(set(BATCH_SIZES) | {d["batch_size"]}))
        self.steps_slider = control(w.SelectionSlider, "steps", value=d["steps"],
                                    options=sorted(set(STEP_COUNTS) | {d["steps"]}))
        self.hidden_text = control(w.Text, "hidden layers", value=d["hidden"], placeholder="e.g. 100,100,100")
        self.activation_menu = control(w.Dropdown, "activation", value=d["activation"],
                                       options=[a for a in ACTIVATIONS if a != "identity"] + ["identity"])
        self.optimizer_menu = control(w.Dropdown, "optimizer", value=d["optimizer"], options=list(OPTIMIZERS))
        self.seed_box = control(w.BoundedIntText, "seed", value=d["seed"], min=0, max=SEED_MAX)
        self.run_button = w.Button(description="Run", button_style="success", icon="play",
                                   tooltip="train a fresh network from the seed with these settings")
        self.reset_button = w.Button(description="Reset", icon="undo", tooltip="back to the default settings")
        self.status = w.HTML(value="<i>press Run to train</i>")
        self.image = w.Image(format="png", layout=w.Layout(max_width="100%", height="auto", display="none"))
        self.line = w.HTML()
        self.run_button.on_click(self._on_run)
        self.reset_button.on_click(lambda _: self.reset())
        # Two columns of controls, the buttons below them, then the figure at the full width
        # of the notebook (beside the controls it would be shrunk to half its size).
        columns = w.HBox([w.VBox([self.lr_slider, self.batch_slider, self.steps_slider]),
                          w.VBox([self.hidden_text, self.activation_menu, self.optimizer_menu, self.seed_box])])
        buttons = w.HBox([self.run_button, self.reset_button, self.status], layout=w.Layout(align_items="center"))
        self.widget = w.VBox([columns, buttons, self.line, self.image])

    def _controls(self):
        return (self.lr_slider, self.batch_slider, self.steps_slider, self.hidden_text, self.activation_menu,
                self.optimizer_menu, self.seed_box, self.run_button, self.reset_button)

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = "Dashboard: training controls and a Run button (they need a running kernel)"
        return bundle

    def _widths(self, n_in, n_out):
        if n_in is not None and n_out is not None:
            return positive_int("n_in", n_in), positive_int("n_out", n_out)
        if self.data is not None:
            x, y = self.data
            width_in = x.shape[1] if x.ndim == 2 else None
            width_out = (int(y.max()) + 1 if self.loss == "softmax_cross_entropy" and y.ndim == 1
                         else y.shape[1] if y.ndim == 2 else None)
        else:
            xb, yb = self.sample(np.random.default_rng(0), 2)
            width_in, width_out = np.shape(xb)[1], np.shape(yb)[1] if np.ndim(yb) == 2 else None
        n_in = width_in if n_in is None else n_in
        n_out = width_out if n_out is None else n_out
        if n_in is None or n_out is None:
            raise ValueError("Dashboard: could not read the network's input and output widths from the data; "
                             "pass n_in=... and n_out=...")
        return positive_int("n_in", n_in), positive_int("n_out", n_out)

    def settings(self):
        """The controls' current values: dict(lr, batch_size, steps, hidden (list), activation,
        optimizer, seed). A ValueError names a control whose text cannot be read."""
        return dict(lr=float(self.lr_slider.value), batch_size=int(self.batch_slider.value),
                    steps=int(self.steps_slider.value), hidden=_parse_hidden(self.hidden_text.value),
                    activation=self.activation_menu.value, optimizer=self.optimizer_menu.value,
                    seed=int(self.seed_box.value))

    def describe(self, settings):
        """The settings as the status line shows them, e.g. "2-30-30-1 relu, sgd lr 0.3, batch 32, ..."."""
        s = settings
        sizes = "-".join(map(str, [self.n_in, *s["hidden"], self.n_out]))
        return (f"{sizes} {s['activation']}, {s['optimizer']} lr {s['lr']:.4g}, batch {s['batch_size']}, "
                f"{s['steps']} steps, seed {s['seed']}")

    def initial_network(self, settings=None):
        """The network every Run with these settings starts from (a new one each call)."""
        s = self.settings() if settings is None else settings
        return Network.random([self.n_in, *s["hidden"], self.n_out], s["activation"],
                              output_activation=self.output_activation, rng=s["seed"])

    def run(self):
        """Train once with the settings the controls show now, live; returns the `TrainResult` (after an
        interrupt before training started: the previous one)."""
        s = self.settings()  # read once, now: exactly what this run trains with and the status names
        for control in self._controls():
            control.disabled = True
        try:
            self.status.value = html.escape(f"training {self.describe(s)} ...")
            self.live = LiveTraining(self.view, output=WidgetOutput(self.image, self.line), **self._live_options())
            self.result = self._train(s, self.live)
            self.status.value = html.escape(f"{self.result.stopped or 'done'}: {_final_cost(self.result)}; "
                                            f"{self.describe(s)}")
        except KeyboardInterrupt:
            # The stop button outside train() (which handles it itself), e.g. while the network is built:
            # say so instead of leaving "training ..." on screen; the previous result stays. As in train(),
            # an interrupt ends the run, not the caller.
            self.status.value = html.escape(f"interrupted; {self.describe(s)}")
        finally:
            for control in self._controls():
                control.disabled = False
        return self.result

    def show(self):
        """Display the dashboard. Headless (nbconvert, nbval: how the course's notebooks are stored),
        first train once with the settings shown and display the final frame below the controls as a
        plain picture, titled with those settings: what a reader of a static copy (GitHub, an HTML
        export), where widgets do not run, sees of the dashboard. In a live front end: the controls only."""
        from IPython.display import display
        display(self)
        if is_interactive(self.live_options.get("interactive")):
            return
        s = self.settings()
        options = dict(self._live_options(), interactive=False, output=None,
                       title=f"a run of the dashboard: {self.describe(s)}")
        self.result = self._train(s, LiveTraining(self.view, **options))

    def reset(self):
        """Put every control back to its default value."""
        d = self.defaults
        self.lr_slider.value, self.batch_slider.value, self.steps_slider.value = d["lr"], d["batch_size"], d["steps"]
        self.hidden_text.value, self.activation_menu.value = d["hidden"], d["activation"]
        self.optimizer_menu.value, self.seed_box.value = d["optimizer"], d["seed"]

    def _live_options(self):
        options = {"title": None, "metric_name": metric_name(self.metric), **self.live_options}
        return options

    def _train(self, s, callback):
        data = {"sample": self.sample} if self.data is None else dict(zip(("x", "targets"), self.data))
        return train(self.initial_network(s), **data, loss=self.loss, optimizer=s["optimizer"], lr=s["lr"],
                     steps=s["steps"], batch_size=s["batch_size"], validation=self.validation, metric=self.metric,
                     callback=callback, rng=s["seed"])

    def _on_run(self, _button):
        try:
            self.run()
        except ValueError as error:  # a bad setting: say so beside the button, not in a hidden log
            self.status.value = f'<span style="color: #b00">{html.escape(str(error))}</span>'
        except KeyboardInterrupt:
            self.status.value = "interrupted"  # before run() read the settings


def _data(data, sample):
    """(data as (x, targets) arrays or None, sample or None), exactly one of them given."""
    if (data is None) == (sample is None):
        raise ValueError("Dashboard: pass either data=(x, targets) or sample=f(rng, batch_size), exactly one")
    if sample is not None:
        if not callable(sample):
            raise ValueError(f"Dashboard: expected sample=f(rng, batch_size), got {type(sample).__name__}")
        return None, sample
    try:
        x, targets = data
    except (TypeError, ValueError):
        raise ValueError("Dashboard: expected data=(x, targets)") from None
    return (np.asarray(x), np.asarray(targets)), None


def _seed(seed):
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= seed <= SEED_MAX:
        raise ValueError(f"Dashboard: seed: expected a whole number from 0 to {SEED_MAX} (the seed box's range), "
                         f"got {seed!r}")
    return int(seed)


def _hidden_text(hidden):
    return hidden if isinstance(hidden, str) else ",".join(str(int(n)) for n in hidden)


def _parse_hidden(text):
    parts = [p.strip() for p in str(text).replace(";", ",").split(",") if p.strip()]
    try:
        sizes = [int(p) for p in parts]
    except ValueError:
        sizes = None
    if sizes is None or any(n < 1 for n in sizes):
        raise ValueError(f"hidden layers: expected positive whole numbers separated by commas, "
                         f"e.g. '100,100,100', got {text!r}")
    return sizes


def _final_cost(result):
    h = result.history
    return f"final cost {h.train_cost[-1]:.4g}" if len(h) else "no step taken"
