"""Writing simulation sets: one writer per input source's format (see ``replifold.imnn.records``).

The writers write plain files into a folder that ``replifold simulate`` renames into place
when every set is written (``replifold.io.atomic_directory``): one rename instead of one
atomic write per file, which for per-simulation files cost 5 ms each in fsyncs. No format
stores a time, so a rerun writes identical bytes. Each stream's bytes are hashed as they are
written; ``index.json`` records the counts and hashes, and the fits record the index's hash,
so a result names exactly the simulations it was trained on.
"""

from __future__ import annotations

import hashlib
import io
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

import numpy as np

from replifold.imnn import records
from replifold.imnn.sets import SimulationSet, blocks, held_out
from replifold.imnn.settings import ImnnSettings
from replifold.io import jsonable, sha256_bytes, write_json, write_npz

MB = 1 << 20


class StreamWriter(ABC):
    """Receives a stream's simulations in order, ``(m, *shape)`` at a time."""

    def __init__(self) -> None:
        self.digest = hashlib.sha256()
        self.files = 0

    @abstractmethod
    def write(self, block: np.ndarray) -> None: ...

    def close(self) -> None:  # noqa: B027 (a writer with nothing to finish keeps this no-op)
        """Finish the stream's last file."""

    def summary(self, count: int) -> dict[str, Any]:
        return {"simulations": count, "files": self.files, "sha256": self.digest.hexdigest()}


class ArrayWriter(StreamWriter):
    """memory: the stream as one ``.npy`` array, filled through a memory map (no full copy in RAM)."""

    def __init__(self, path: Path, shape: tuple[int, ...]):
        super().__init__()
        self.path = path
        self.array = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=shape)
        self.filled = 0
        self.files = 1

    def write(self, block: np.ndarray) -> None:
        self.array[self.filled : self.filled + len(block)] = block
        self.filled += len(block)

    def close(self) -> None:
        self.array.flush()
        del self.array
        self.digest.update(self.path.read_bytes())


class FileWriter(StreamWriter):
    """files: one ``.npy`` per seed, as the reference's generator loads them."""

    def __init__(self, set_dir: Path, stream: str):
        super().__init__()
        self.set_dir, self.stream, self.next = set_dir, stream, 0
        records.file_path(set_dir, stream, 0).parent.mkdir(parents=True, exist_ok=True)

    def write(self, block: np.ndarray) -> None:
        for simulation in block:
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(simulation), allow_pickle=False)
            data = buffer.getvalue()
            records.file_path(self.set_dir, self.stream, self.next).write_bytes(data)
            self.digest.update(data)
            self.next += 1
            self.files += 1


class RecordWriter(StreamWriter):
    """tfrecords: ``tf.train.Example`` records, a new file once the current one reaches the record size."""

    def __init__(self, set_dir: Path, stream: str, record_size_mb: float, per_seed: int):
        super().__init__()
        from replifold.backend import tf

        self.tf = tf
        self.set_dir, self.stream = set_dir, stream
        self.limit = record_size_mb * MB
        self.per_seed = per_seed  # records per seed index (2 p for numerical derivatives)
        self.writer = None
        self.size = 0
        self.count = 0

    def _open(self) -> None:
        self.path = records.record_path(self.set_dir, self.stream, self.files)
        self.writer = self.tf.io.TFRecordWriter(str(self.path))
        self.size = 0
        self.files += 1

    def _finish(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.digest.update(self.path.read_bytes())
            self.writer = None

    def write(self, block: np.ndarray) -> None:
        tf = self.tf
        flat = block.reshape(len(block) * self.per_seed, -1) if self.per_seed > 1 else block
        for simulation in flat:
            if self.writer is None:
                self._open()
            example = tf.train.Example(
                features=tf.train.Features(
                    feature={
                        records.DATA_KEY: tf.train.Feature(
                            bytes_list=tf.train.BytesList(
                                value=[simulation.astype("<f4").tobytes()]
                            )
                        ),
                        records.INDEX_KEY: tf.train.Feature(
                            int64_list=tf.train.Int64List(value=[self.count // self.per_seed])
                        ),
                    }
                )
            )
            serialised = example.SerializeToString(deterministic=True)
            self.writer.write(serialised)
            self.size += len(serialised) + 16  # TFRecord framing: length, its CRC, the data's CRC
            self.count += 1
            if self.size >= self.limit:
                self._finish()

    def close(self) -> None:
        self._finish()


def _derivative_shape(settings: ImnnSettings) -> tuple[int, ...]:
    n, p = settings.simulator.input_size, settings.n_params
    return (2, p, n) if settings.numerical else (n, p)


def _writer(settings: ImnnSettings, set_dir: Path, stream: str, count: int) -> StreamWriter:
    source = settings.input.source
    shape = (
        (settings.simulator.input_size,)
        if stream == records.FIDUCIAL
        else _derivative_shape(settings)
    )
    if source == "memory":
        return ArrayWriter(records.array_path(set_dir, stream), (count, *shape))
    if source == "files":
        return FileWriter(set_dir, stream)
    per_seed = 2 * settings.n_params if stream == records.DERIVATIVE and settings.numerical else 1
    return RecordWriter(set_dir, stream, settings.input.record_size_mb, per_seed)


def write_set(settings: ImnnSettings, simulation_set: SimulationSet, root: Path) -> dict[str, Any]:
    """Write one set under ``root/<set name>/`` in the runcard's format; its index entry."""
    set_dir = root / simulation_set.name
    set_dir.mkdir(parents=True, exist_ok=True)
    fiducial = _writer(settings, set_dir, records.FIDUCIAL, simulation_set.n_s)
    derivative = _writer(settings, set_dir, records.DERIVATIVE, simulation_set.n_d)
    for block in blocks(settings, simulation_set):
        fiducial.write(block.fiducial)
        if block.derivative is not None:
            derivative.write(block.derivative)
    fiducial.close()
    derivative.close()
    return {
        "n_s": simulation_set.n_s,
        "n_d": simulation_set.n_d,
        records.FIDUCIAL: fiducial.summary(simulation_set.n_s),
        records.DERIVATIVE: derivative.summary(simulation_set.n_d),
    }


def write_simulations(
    settings: ImnnSettings, sets: list[SimulationSet], root: Path
) -> dict[str, Any]:
    """Every set, the held-out draws and ``index.json`` into the (new, empty) folder ``root``; the index."""
    theta, data = held_out(settings)
    write_npz(root / records.HELD_OUT_NAME, {"theta": theta, "data": data})
    index = jsonable(
        {
            "format": settings.input.source,
            "record_size_mb": settings.input.record_size_mb
            if settings.input.source == "tfrecords"
            else None,
            "simulator": settings.simulator.describe(),
            "theta_fid": settings.theta_fid,
            "derivatives": settings.derivatives,
            "dtheta": settings.dtheta,
            "dtype": "float32",
            "sets": {s.name: write_set(settings, s, root) for s in sets},
            "held_out": {
                "points": len(theta),
                "simulations": settings.held_out_simulations,
                "sha256": sha256_bytes((root / records.HELD_OUT_NAME).read_bytes()),
            },
        }
    )
    write_json(root / records.INDEX_NAME, index)
    return index
