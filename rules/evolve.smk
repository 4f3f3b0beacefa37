rule evolve:
    """The fit's LHAPDF6 set: the selected replicas evolved from Q0 by an eko operator (theory cache)."""
    input:
        runcard=fit_path("runcard.yml"),
        selected=fit_path("postfit", "selected.json"),
        weights=get_replica_weights,
        models=get_batch_models,
    output:
        lhapdf=directory(fit_path("lhapdf", "{fit}")),
        summary=fit_path("lhapdf", "evolution.json"),
    params:
        fit_dir=fit_dir,
        outdir=lambda wildcards, output: os.path.dirname(output.summary),
        theory_cache=THEORY_CACHE,
        numba=get_numba_env,
    log:
        fit_path("logs", "evolve.log"),
    benchmark:
        fit_path("benchmarks", "evolve.tsv")
    threads: 1
    resources:
        mem_mb=MEM_THEORY,
        runtime=RUNTIME_THEORY,
    conda:
        CONDA_ENV
    shell:
        "{params.numba}replifold evolve {params.fit_dir:q} -o {params.outdir:q} --theory-cache {params.theory_cache:q} > {log:q} 2>&1"
