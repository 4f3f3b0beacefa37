"""replifold: reproducible multi-replica neural-network fits driven by Snakemake."""

__version__ = "0.1.0"
