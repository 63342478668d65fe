"""mnistnn: a two-layer neural network for MNIST, from scratch in NumPy.

Modules, each with one job:
- `data`: load_mnist() gets, checks and caches the dataset
- `network`: init_params, forward, backward, update, cross_entropy, predict, accuracy
- `optim`: gradient descent, momentum, Adam and learning-rate schedules
- `training`: train() loops over epochs and batches; save_params / load_params
- `gradcheck`: numerical_gradient and rel_error, to check backward()
- `plots`: the figures the notebooks show
"""

from .gradcheck import numerical_gradient, rel_error
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
from .training import (
    CONFIGS,
    evaluate,
    load_params,
    random_shift,
    read_metadata,
    save_params,
    train,
    train_config,
    validation_split,
)


def __getattr__(name: str):
    # load_mnist is imported on first use rather than above, so that
    # `python -m mnistnn.data` can run that module without importing it twice.
    if name in ("load_mnist", "MNISTDataError"):
        from . import data

        return getattr(data, name)
    raise AttributeError(f"module 'mnistnn' has no attribute {name!r}")


__all__ = [
    "CONFIGS",
    "MNISTDataError",
    "accuracy",
    "backward",
    "cross_entropy",
    "evaluate",
    "forward",
    "init_params",
    "layer_sizes",
    "load_mnist",
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
    "train",
    "train_config",
    "update",
    "validation_split",
]
