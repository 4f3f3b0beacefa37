rule setup_fit:
    """Expand, validate and hash the runcard; generate the problem data."""
    input:
        runcard=get_runcard_source,
    output:
        runcard=str(PATTERN.runcard),
        sha256=str(PATTERN.runcard_hash),
        data=directory(str(PATTERN.data_dir)),
    params:
        fit_dir=get_fit_dir,
    log:
        str(PATTERN.log("setup_fit.log")),
    benchmark:
        str(PATTERN.benchmark("setup_fit.tsv"))
    threads: 1
    resources:
        mem_mb=MEM_OTHER,
        runtime=RUNTIME_OTHER,
    conda:
        CONDA_ENV
    shell:
        "replifold setup {input.runcard:q} -o {params.fit_dir:q} > {log:q} 2>&1"
