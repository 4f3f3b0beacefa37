"""LHAPDF6 sets: the form in which every physics tool reads a PDF fit.

replifold writes the format itself (no LHAPDF library needed): ``<name>/<name>.info`` with the
set's metadata and one ``<name>_NNNN.dat`` grid per member, member 0 being the mean of the
replicas. ``reader`` reads such a set back with LHAPDF's own log-bicubic interpolation, for the
report and ``replifold compare``.
"""
