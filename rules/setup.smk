rule setup_fit:
    """Generate the problem's data (closure test, or real data from FK tables) from the expanded
    runcard, which is written with its views when the DAG is planned."""
    input:
        view=str(PATTERN.view("data")),
        fktables=get_fit_fktables,
        t0=get_fit_t0,
    output:
        data=directory(str(PATTERN.data_dir)),
    log:
        str(PATTERN.log("setup_fit.log")),
    benchmark:
        str(PATTERN.benchmark("setup_fit.tsv"))
    localrule: LOCAL_SHORT_JOBS
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=get_mem_other,
        runtime=get_runtime_other,
    params:
        runcard=get_runcard,
        fit_dir=get_fit_dir,
        theory=get_theory_option,
    shell:
        "replifold setup {params.runcard:q} -o {params.fit_dir:q} {params.theory} > {log:q} 2>&1"
