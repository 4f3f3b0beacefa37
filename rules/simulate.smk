rule simulate:
    """Write an imnn fit's seeded simulation sets (npy arrays, npy files or TFRecords)."""
    input:
        view=str(PATTERN.view("data")),
        data=str(PATTERN.data_dir),
    output:
        directory(str(PATTERN.simulations_dir)),
    log:
        str(PATTERN.log("simulate.log")),
    benchmark:
        str(PATTERN.benchmark("simulate.tsv"))
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=get_mem_other,
        runtime=get_runtime_other,
    params:
        fit_dir=get_fit_dir,
    shell:
        "replifold simulate {params.fit_dir:q} > {log:q} 2>&1"
