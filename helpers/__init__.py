"""Global-free neural network code for the lecture notebooks.

A network is a value you hold, copy and pass: nothing here keeps state between
calls. ``__all__`` below is the public face, what the notebooks use; everything else
stays reachable from its module (``helpers.mnist.MNIST_FILES``, ``helpers.losses.LOSSES``).

    models       Network (the MLP of notebooks 01-04); Sequential and its layers (06-08)
    optimizers   SGD, Momentum, Nesterov, AdaGrad, RMSprop, Adam, AdamW; schedules cosine, step_decay
                 (opt.step(net, grads) updates net in place: the one mutation, and its name says so)
    training     train -> TrainResult(net, best_net, history, ...); batches
    evaluation   predict, accuracy: many samples in chunks, with train's BLAS thread policy
    checking     numerical_gradients, relative_error
    data         load_mnist and friends, load_image, 2-D target functions, augment (image batches)
    live         LiveTraining with FunctionView / ImageView / DigitsView, Dashboard, PROJECTOR_STYLE
    autodiff     a tiny reverse-mode engine (notebook 05), its own namespace
"""

from . import augment, autodiff, digits, gradcheck  # modules the notebooks reach into by name
from .activations import ACTIVATIONS, get_activation
from .batching import batches
from .dashboard import Dashboard
from .digits import digit_steps, mnist_digit
from .evaluation import accuracy, predict
from .gradcheck import numerical_gradients, relative_error
from .images import image_sampler, image_values, load_image, pixel_grid
from .layers import BatchNorm, Conv2D, Dense, Dropout, Flatten, MaxPool2D, ReLU, Sequential, Sigmoid, Tanh
from .live import LiveTraining
from .losses import get_loss, log_softmax, quadratic, softmax, softmax_cross_entropy
from .mnist import load_mnist, one_hot, to_float, train_val_split
from .network import Gradients, Network
from .optimizers import SGD, AdaGrad, Adam, AdamW, Momentum, Nesterov, RMSprop
from .schedules import cosine, step_decay
from .solutions import folded
from .style import PROJECTOR_STYLE
from .targets import function_sampler, target_function
from .training import StopTraining, TrainResult, train
from .views import DigitsView, FunctionView, ImageView

__all__ = [
    # models
    "Network", "Gradients", "Sequential", "Dense", "ReLU", "Sigmoid", "Tanh", "BatchNorm", "Dropout",
    "Conv2D", "MaxPool2D", "Flatten", "ACTIVATIONS", "get_activation",
    # costs
    "quadratic", "softmax_cross_entropy", "softmax", "log_softmax", "get_loss",
    # optimizers and schedules
    "SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam", "AdamW", "cosine", "step_decay",
    # training and checking
    "train", "TrainResult", "StopTraining", "batches", "predict", "accuracy", "numerical_gradients", "relative_error",
    # data
    "load_mnist", "to_float", "one_hot", "train_val_split", "load_image", "pixel_grid", "image_values",
    "image_sampler", "target_function", "function_sampler", "digit_steps", "mnist_digit",
    # live training
    "LiveTraining", "FunctionView", "ImageView", "DigitsView", "Dashboard", "PROJECTOR_STYLE",
    # worked solutions, folded in every front end
    "folded",
    # modules
    "augment", "autodiff", "digits", "gradcheck",
]
