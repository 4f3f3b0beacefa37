"""Per-replica training of stacked replicas: losses, optimizers, the compiled loop, results, weights."""

from replifold.training.replicas import TrainedBatch, train_replicas
from replifold.training.results import BatchResult, ReplicaResult, TrainingTiming

__all__ = ["BatchResult", "ReplicaResult", "TrainedBatch", "TrainingTiming", "train_replicas"]
