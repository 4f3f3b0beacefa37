"""From the fitted replicas at Q0 to an LHAPDF6 set: n3fit's evolven3fit, done with replifold's
theory cards and theory cache.

Modules (eko and TensorFlow are imported inside functions, so importing this package is cheap):

* ``settings``  the runcard's ``evolution`` section and the theory a fit is evolved with;
* ``grids``     the export x-grid (down to x = 1e-9) and the LHAPDF Q-grid split at thresholds;
* ``operator``  the eko operator from Q0 to the Q-grid, computed once into the theory cache;
* ``replicas``  the selected replicas' x f at Q0 on the export grid, from their weights;
* ``evolve``    operator x replicas -> the LHAPDF set with its metadata and alpha_s;
* ``sum_rules`` momentum and valence integrals of evolved grids.
"""
