rule simulate:
    """Write an imnn fit's seeded simulation sets (npy arrays, npy files or TFRecords)."""
    input:
        runcard=fit_path("runcard.yml"),
        data=fit_path("data"),
    output:
        directory(fit_path("simulations")),
    params:
        fit_dir=fit_dir,
    log:
        fit_path("logs", "simulate.log"),
    benchmark:
        fit_path("benchmarks", "simulate.tsv")
    threads: 1
    resources:
        mem_mb=MEM_OTHER,
        runtime=RUNTIME_OTHER,
    conda:
        CONDA_ENV
    shell:
        "replifold simulate {params.fit_dir:q} > {log:q} 2>&1"
