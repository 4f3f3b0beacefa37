rule evolve:
    """The fit's LHAPDF6 set: the selected replicas evolved from Q0 by an eko operator (theory cache)."""
    input:
        view=str(PATTERN.view("evolve")),
        selected=str(PATTERN.selected_json),
        weights=get_replica_weights,
        models=get_batch_models,
    output:
        lhapdf=directory(str(PATTERN.lhapdf_set)),
        summary=str(PATTERN.evolution_json),
    log:
        str(PATTERN.log("evolve.log")),
    benchmark:
        str(PATTERN.benchmark("evolve.tsv"))
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=get_mem_theory,
        runtime=get_runtime_theory,
    params:
        fit_dir=get_fit_dir,
        outdir=get_evolution_dir,
        theory_cache=THEORY_CACHE,
        numba=get_numba_env,
    shell:
        "{params.numba}replifold evolve {params.fit_dir:q} -o {params.outdir:q} --theory-cache {params.theory_cache:q} > {log:q} 2>&1"
