rule fit_batch:
    """Train replica batch {batch} stacked in one model."""
    input:
        runcard=fit_path("runcard.yml"),
        data=fit_path("data"),
        simulations=get_simulations,
        scan=scan_store,
    output:
        weights=fit_path("fit", "batch{batch}", "weights.h5"),
        model=fit_path("fit", "batch{batch}", "model.json"),
        result=fit_path("fit", "batch{batch}", "result.json"),
    params:
        replicas=batch_replicas,
        best=params_option,
        batch_dir=lambda wildcards, output: os.path.dirname(output.result),
    log:
        fit_path("logs", "fit_batch", "batch{batch}.log"),
    benchmark:
        fit_path("benchmarks", "fit_batch", "batch{batch}.tsv")
    threads: fit_threads
    resources:
        gpu=config["gpu_fit_batch"],
        mem_mb=MEM_TRAINING,
        runtime=RUNTIME_TRAINING,
    conda:
        CONDA_ENV
    shell:
        "replifold fit {input.runcard:q} {input.data:q} --replicas {params.replicas} {params.best}"
        " -o {params.batch_dir:q} > {log:q} 2>&1"


# One split job per batch: its outputs are that batch's replicas, which a single output
# pattern cannot express, so the rule is stamped out per (fit, batch).
for _fit in FITS.values():
    for _batch in _fit.batches:

        rule:
            name:
                f"split_replicas_{_fit.ident}_batch{_batch.index}"
            input:
                _fit.path("fit", f"batch{_batch.index}", "weights.h5"),
                _fit.path("fit", f"batch{_batch.index}", "model.json"),
                _fit.path("fit", f"batch{_batch.index}", "result.json"),
            output:
                [_fit.path("fit", f"replica_{r}", name) for r in _batch.replicas for name in _fit.replica_outputs],
            params:
                batch_dir=lambda wildcards, input: os.path.dirname(input[0]),
                out_dir=lambda wildcards, output: os.path.dirname(os.path.dirname(output[0])),
            log:
                _fit.path("logs", "split_replicas", f"batch{_batch.index}.log"),
            benchmark:
                _fit.path("benchmarks", "split_replicas", f"batch{_batch.index}.tsv")
            threads: 1
            resources:
                mem_mb=MEM_OTHER,
                runtime=RUNTIME_OTHER,
            conda:
                CONDA_ENV
            shell:
                "replifold split {params.batch_dir:q} -o {params.out_dir:q} > {log:q} 2>&1"


rule postfit:
    """Select replicas: veto chi2 above threshold, positivity violations and outliers."""
    input:
        runcard=fit_path("runcard.yml"),
        replicas=get_replica_outputs,
    output:
        selected=fit_path("postfit", "selected.json"),
        veto=fit_path("postfit", "veto.json"),
    params:
        fit_dir=fit_dir,
    log:
        fit_path("logs", "postfit.log"),
    benchmark:
        fit_path("benchmarks", "postfit.tsv")
    threads: 1
    resources:
        mem_mb=MEM_OTHER,
        runtime=RUNTIME_OTHER,
    conda:
        CONDA_ENV
    shell:
        "replifold postfit {params.fit_dir:q} > {log:q} 2>&1"
