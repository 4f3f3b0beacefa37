"""Keras 3 / TensorFlow backend: the only package that imports TensorFlow.

Importing it fixes the process environment TensorFlow reads at start-up: oneDNN's
reordering kernels are switched off (they make CPU results depend on the thread layout) and
start-up chatter is silenced. The model logic (``replifold.model``) talks to TensorFlow only
through the layers and helpers defined here.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras
import tensorflow as tf

__all__ = ["keras", "tf"]
