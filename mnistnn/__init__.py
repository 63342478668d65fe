"""mnistnn: a two-layer neural network for MNIST, from scratch in NumPy.

Modules, each with one job:
- `data`: load_mnist() gets, checks and caches the dataset; validation_split, random_shift
- `network`: init_params, forward, backward, update, cross_entropy, predict, accuracy
- `optim`: gradient descent, momentum, Adam and learning-rate schedules
- `training`: train() loops over epochs and batches; CONFIGS names the networks we train
- `models`: save_params, load_params, evaluate: trained models on disk
- `gradcheck`: numerical_gradient and rel_error, the referee for backward
- `grading`: check_forward, check_gradients and the other check_* functions, the graders of the assignments
- `checks`: the input checks that every public function runs first
- `stats`: standard_error and compare: two networks (McNemar) or two recipes over seeds (Welch's t-test)
- `plots`: the figures the notebooks show
- `widgets`: DigitPad, a pad to draw digits on in a notebook, and prepare_digit
- `cli`: the command line, `python -m mnistnn COMMAND`
"""

from .data import MNISTDataError, load_mnist, random_shift, validation_split
from .gradcheck import numerical_gradient, rel_error
from .grading import GradingError, check_forward, check_gradients
from .models import evaluate, load_model, load_params, read_metadata, save_params
from .network import (
    accuracy,
    backward,
    cross_entropy,
    forward,
    init_params,
    layer_sizes,
    one_hot,
    predict,
    relu,
    softmax,
    update,
)
from .stats import compare, standard_error
from .training import CONFIGS, train, train_config

__all__ = [
    "CONFIGS",
    "GradingError",
    "MNISTDataError",
    "accuracy",
    "backward",
    "compare",
    "check_forward",
    "check_gradients",
    "cross_entropy",
    "evaluate",
    "forward",
    "init_params",
    "layer_sizes",
    "load_mnist",
    "load_model",
    "load_params",
    "numerical_gradient",
    "one_hot",
    "predict",
    "random_shift",
    "read_metadata",
    "rel_error",
    "relu",
    "save_params",
    "softmax",
    "standard_error",
    "train",
    "train_config",
    "update",
    "validation_split",
]
