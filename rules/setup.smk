rule setup_fit:
    """Expand, validate and hash the runcard; generate the problem's data (closure test, or real data from FK tables)."""
    input:
        runcard=lambda wildcards: FITS[wildcards.fit].runcard,
        fktables=get_fit_fktables,
        t0=get_fit_t0,
    output:
        runcard=fit_path("runcard.yml"),
        sha256=fit_path("runcard.sha256"),
        data=directory(fit_path("data")),
    params:
        fit_dir=fit_dir,
        theory=get_theory_option,
    log:
        fit_path("logs", "setup_fit.log"),
    benchmark:
        fit_path("benchmarks", "setup_fit.tsv")
    threads: 1
    resources:
        mem_mb=MEM_OTHER,
        runtime=RUNTIME_OTHER,
    conda:
        CONDA_ENV
    shell:
        "replifold setup {input.runcard:q} -o {params.fit_dir:q} {params.theory} > {log:q} 2>&1"
