"""Replica selection after the fit, as NNPDF's postfit: only replicas that trained well, stay
positive and are not outliers of the ensemble reach the report and the archive."""
