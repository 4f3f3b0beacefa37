"""The MongoDB engine: asynchronous hyperopt with one driver and any number of workers.

hyperopt's own ``mongoexp`` needs pymongo < 4; this engine writes the same job documents
(``state``, ``tid``, ``spec``, ``result``, ``misc``, ``exp_key``, ``owner``, ``version``,
``book_time``, ``refresh_time``) with the pymongo 4 API, so plain hyperopt tools read them,
and evaluates each trial with the evaluation both engines share (replifold.hyperopt.evaluation).
"""
