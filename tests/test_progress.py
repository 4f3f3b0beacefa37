"""Console progress: replicas done, best chi2 and an upper bound on the time left; scan progress."""

from __future__ import annotations

import io
import logging

import numpy as np

from replifold.training.progress import Progress, duration


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_time_left_is_measured_after_the_first_chunk(caplog):
    clock = Clock()
    progress = Progress(1000, stream=io.StringIO(), log_every=100, label="fit 1-4", clock=clock)
    with caplog.at_level(logging.INFO, logger="replifold"):
        clock.now = 30.0  # the first chunk: tracing and compilation
        progress.update(100, 4, 4, np.array([2.0, np.nan, 3.0, 4.0]))
        clock.now = 40.0  # 100 epochs in 10 s after it
        progress.update(200, 3, 4, np.array([1.5, 2.0, 3.0, 4.0]))
        clock.now = 45.0
        progress.close()
    lines = caplog.text.splitlines()
    assert (
        "epoch 100/1000 | done 0/4 | chi2_vl/pt best 2 median 3 | time left: estimating" in lines[0]
    )
    assert (
        "epoch 200/1000 | done 1/4 | chi2_vl/pt best 1.5 median 2.5 | at most 1m20s left"
        in lines[1]
    )
    assert "fit 1-4: stopped at epoch 200 after 45s" in lines[2]


def test_a_terminal_gets_a_bar():
    stream, clock = Tty(), Clock()
    progress = Progress(100, stream=stream, clock=clock)
    progress.update(50, 0, 2, np.array([1.0, 1.2]))
    assert "[###############...............] epoch 50/100 | done 2/2" in stream.getvalue()
    assert "finished" in stream.getvalue()


def test_durations_read_naturally():
    assert [duration(s) for s in (4.4, 61, 3599, 3600 * 3 + 7 * 60)] == [
        "4s",
        "1m01s",
        "59m59s",
        "3h07m",
    ]
