"""The two ways a scan's trials get their parameters and reach an evaluator.

* ``files`` (``engines.files``): synchronous rounds. Round r's trials are proposed at once,
  by ``replifold suggest``, from every trial of rounds < r, and written to ``round{r}.json``;
  each (trial, fold) is its own Snakemake job (``train-fold``), then ``reduce`` and ``collect``.
  The whole scan reproduces bit for bit.
* ``mongo`` (``engines.mongo``): asynchronous. A driver proposes each trial, as soon as a
  worker is free, from the trials finished by then, and queues it as a hyperopt job document
  in MongoDB; workers reserve trials and evaluate all their folds. Each trial's evaluation
  reproduces; which parameters trial t gets depends on completion order.

Both satisfy ``ScanEngine`` and share everything else: trial numbering
(``settings.ScanSettings``), proposing (``proposals.propose``), evaluation
(``evaluation.evaluate_trial``: ``fold.train_fold`` per fold, then ``reduce_trial``), the record
of a finished trial (``records``: ``hyperloss.json``) and the store (``store.write_store``:
tries.json, tries.pkl, best.json).
"""
