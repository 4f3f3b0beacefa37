rule setup_fit:
    """Generate the problem data from the expanded runcard (written, with its views, when the DAG is planned)."""
    input:
        view=str(PATTERN.view("data")),
    output:
        data=directory(str(PATTERN.data_dir)),
    params:
        runcard=get_runcard,
        fit_dir=get_fit_dir,
    log:
        str(PATTERN.log("setup_fit.log")),
    benchmark:
        str(PATTERN.benchmark("setup_fit.tsv"))
    localrule: LOCAL_SHORT_JOBS
    threads: 1
    resources:
        mem_mb=get_mem_other,
        runtime=get_runtime_other,
    conda:
        CONDA_ENV
    shell:
        "replifold setup {params.runcard:q} -o {params.fit_dir:q} > {log:q} 2>&1"
