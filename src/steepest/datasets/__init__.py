"""Datasets: real images (MNIST, Fashion-MNIST, scikit-learn's 8x8 digits), CSV
tables, the tutorials' toy sets, and the helpers around them.

Every loader returns float32 features with one row per sample and int64 labels.
"""

from .digits import load_digits
from .download import data_home
from .idx import read_idx, write_idx
from .mnist import FASHION_MNIST, MNIST, load_fashion_mnist, load_mnist
from .preprocessing import Standardizer, one_hot, standardize, train_test_split
from .tables import Table, TableSchema, load_csv
from .toy import (
    and_first_last,
    circles,
    gaussian_hills,
    gaussians,
    moons,
    plane,
    quadrants,
    spirals,
    xor,
)

__all__ = [
    "FASHION_MNIST",
    "MNIST",
    "Standardizer",
    "Table",
    "TableSchema",
    "and_first_last",
    "circles",
    "data_home",
    "gaussian_hills",
    "gaussians",
    "load_csv",
    "load_digits",
    "load_fashion_mnist",
    "load_mnist",
    "moons",
    "one_hot",
    "plane",
    "quadrants",
    "read_idx",
    "spirals",
    "standardize",
    "train_test_split",
    "write_idx",
    "xor",
]
