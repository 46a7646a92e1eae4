"""The layer API of notebooks 06-08: layers that a network is a list of, and `Sequential`.

Each layer holds its parameters and hyperparameters and nothing else: ``forward`` returns the
output and a cache, ``backward`` takes the cache back (base.py says how). `Sequential` walks a
list of layers and follows the same model protocol as `Network`, so train(), the optimizers,
numerical_gradients and the live figures take either.
"""

from .activation import ReLU, Sigmoid, Tanh
from .base import Layer
from .batchnorm import BatchNorm
from .conv import Conv2D
from .dense import Dense
from .dropout import Dropout
from .im2col import col2im, im2col
from .pooling import MaxPool2D
from .reshape import Flatten
from .sequential import LayerGradients, Sequential
