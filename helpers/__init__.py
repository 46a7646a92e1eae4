"""Global-free neural network code for the lecture notebooks.

A network is a value you hold, copy and pass: nothing here keeps state between
calls. The public API (stable, relied on by the notebooks and the tests):

    Network.random, Network.predict, Network.cost_and_gradients, Network.copy
    SGD, Momentum, Adam (opt.step(net, grads) updates net in place)
    train -> TrainResult(net, best_net, history, ...)
    numerical_gradients, relative_error
"""

from .activations import ACTIVATIONS, Activation, get_activation
from .gradcheck import numerical_gradients, relative_error
from .losses import LOSSES, get_loss, log_softmax, quadratic, softmax, softmax_cross_entropy
from .network import Gradients, Network
from .layers import Sequential, Dense, ReLU, Sigmoid, Tanh, BatchNorm, Dropout, Conv2D, MaxPool2D, Flatten
from .optimizers import SGD, Adam, Momentum, Optimizer
from .training import History, Progress, StopTraining, TrainResult, accuracy, train
from .mnist import MNIST_FILES, load_mnist, one_hot, parse_idx, to_float, train_val_split
from .images import ImageReadError, image_sampler, image_values, load_image, pixel_grid
from .targets import TARGET_FUNCTIONS, function_sampler, target_function
from . import autodiff  # helpers.autodiff.Tensor etc.: its own namespace, apart from the Network API
from .digits import DigitSteps, digit_steps, mnist_digit
from . import augment  # helpers.augment.affine, .elastic: pure functions of an image batch and an rng
from .frontend import CellOutput, WidgetOutput, is_interactive
from .views import DigitsView, FunctionView, ImageView
from .live import LiveTraining
from .dashboard import Dashboard
from .style import PROJECTOR_STYLE
