"""The on-disk layout of written simulations, shared by the writer and the tf.data readers.

Under ``simulations/<set>/`` (``fit/training``, ``fold0/test``, ...), two streams:

* ``fiducial``: the ``n_s`` fiducial simulations, each ``(n_data,)``;
* ``derivative``: for the first ``n_d`` of them either ``dd/dtheta`` ``(n_data, p)`` (gradient
  mode) or the seed-matched simulations at ``theta_fid -/+ dtheta/2`` (numerical mode), stored
  per seed as ``(2, p, n_data)`` in the npy layouts and as ``2 p`` single simulations in the
  TFRecord layout, in the order (seed, minus/plus, parameter).

Formats, one per input source:

* memory: ``<stream>.npy``, the whole stream as one array;
* files: ``<stream>/<index>.npy``, one file per seed (the layout the reference's generator reads);
* tfrecords: ``<stream>_<k>.tfrecords``, files filled up to the record size, each record a
  ``tf.train.Example`` with the float32 data as raw little-endian bytes (``data``) and its seed
  index (``index``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

FIDUCIAL, DERIVATIVE = "fiducial", "derivative"
INDEX_NAME = "index.json"
HELD_OUT_NAME = "held_out.npz"
FILE_DIGITS = 8
RECORD_DIGITS = 5
DATA_KEY, INDEX_KEY = "data", "index"


def array_path(set_dir: Path, stream: str) -> Path:
    return set_dir / f"{stream}.npy"


def file_path(set_dir: Path, stream: str, index: int) -> Path:
    return set_dir / stream / f"{index:0{FILE_DIGITS}d}.npy"


def record_path(set_dir: Path, stream: str, number: int) -> Path:
    return set_dir / f"{stream}_{number:0{RECORD_DIGITS}d}.tfrecords"


def record_files(set_dir: Path, stream: str) -> list[Path]:
    """A stream's record files in writing order (their numbers are zero-padded, so sorted)."""
    return sorted(set_dir.glob(f"{stream}_{'[0-9]' * RECORD_DIGITS}.tfrecords"))


def npy_data_offset(path: Path) -> int:
    """Where the data of an ``.npy`` file start (after its header); the same for every file of a stream."""
    with open(path, "rb") as handle:
        version = np.lib.format.read_magic(handle)
        read_header = (
            np.lib.format.read_array_header_1_0
            if version == (1, 0)
            else np.lib.format.read_array_header_2_0
        )
        _, fortran, dtype = read_header(handle)
        if fortran or dtype != np.dtype("<f4"):
            raise ValueError(
                f"{path}: expected C-ordered little-endian float32, found {dtype} (fortran order {fortran})"
            )
        return handle.tell()
