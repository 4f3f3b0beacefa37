"""k-fold hyperparameter optimisation, split into independent jobs.

A scan is ``rounds`` rounds of ``trials_per_round`` trials; trial ``t = r * trials_per_round + s``.
``suggest`` proposes a round's parameters, ``train-fold`` trains one (trial, fold), ``reduce``
turns a trial's folds into its hyper-loss and ``collect`` gathers every trial into the trials
store. Every step reads and writes plain files, so any of them can rerun alone.
"""
