"""The built-in NNPDF-style closure test: a known truth, pseudo-data and FK tables made from it."""
