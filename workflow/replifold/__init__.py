"""replifold: reproducible multi-replica neural-network fits driven by Snakemake."""

try:  # written by setuptools-scm at build/install time (see pyproject.toml)
    from replifold._version import __commit__, __version__
except ImportError:  # a source tree that was never installed
    __version__, __commit__ = "0+unknown", ""
