"""Information-maximising neural networks (IMNN): replifold's second problem family.

An IMNN compresses each simulation of a model to a few summaries and is trained so that the
summaries keep the most Fisher information about the model's parameters at a fiducial point.
Here it goes through the same pipeline as a PDF fit: seeded simulations written by a workflow
stage, read back through ``tf.data`` (from memory, npy files or TFRecords) in chunks of
``n_per_device``, many network initialisations trained stacked as replicas, hyperopt folds on
disjoint simulation sets, postfit, report and archive.

Importing this package is cheap: TensorFlow is only imported by the modules that train.
"""
