"""The fit's archive: a deterministic tarball of every reproducible output, its manifest and
the provenance needed to reproduce it, and the checks that it does."""
