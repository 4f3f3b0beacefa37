"""k-fold hyperparameter optimisation, split into independent jobs.

A scan is ``rounds`` rounds of ``trials_per_round`` trials; trial ``t = r * trials_per_round + s``
(``settings.ScanSettings``). Each trial's replicas are trained once per k-fold partition with
that partition held out (``fold``), the folds are reduced to the trial's hyper-loss
(``hyperloss``, ``evaluation``), and the finished trials make the store tries.json, tries.pkl
and best.json (``store``). How trials get their parameters and reach an evaluator is the job of
one of two engines, ``engines.files`` (synchronous rounds of Snakemake jobs) and
``engines.mongo`` (a driver and asynchronous workers on MongoDB), described in ``engines``.
"""
