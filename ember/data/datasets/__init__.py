"""Datasets: scikit-learn's bundled digits, and readers for MNIST, Fashion-MNIST and
CIFAR-10 (binary) files in a local folder, with sha256 checks and optional download.

>>> from ember.data.datasets import MNIST, CIFAR10, Digits
>>> MNIST.base_folder, CIFAR10.base_folder
('MNIST', 'cifar-10-batches-bin')
"""

from __future__ import annotations

from .cifar import CIFAR10, read_cifar_bin, write_cifar_bin
from .digits import Digits
from .mnist import MNIST, FashionMNIST, read_idx, write_idx

__all__ = ["CIFAR10", "Digits", "MNIST", "FashionMNIST", "read_idx", "write_idx",
           "read_cifar_bin", "write_cifar_bin"]
