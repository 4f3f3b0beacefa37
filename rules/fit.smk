rule fit_batch:
    """Train replica batch {batch} stacked in one model."""
    input:
        view=str(PATTERN.view("fit")),
        data=str(PATTERN.data_dir),
        simulations=get_simulations,
        scan=get_scan_store,
    output:
        weights=str(PATTERN.batch("{batch}").weights),
        model=str(PATTERN.batch("{batch}").model),
        result=str(PATTERN.batch("{batch}").result),
        history=str(PATTERN.batch("{batch}").history),
    log:
        str(PATTERN.log("fit_batch", "batch{batch}.log")),
    benchmark:
        str(PATTERN.benchmark("fit_batch", "batch{batch}.tsv"))
    conda:
        CONDA_ENV
    threads: get_threads
    resources:
        gpu=config["gpu_fit_batch"],
        mem_mb=get_mem_training,
        runtime=get_runtime_training,
    params:
        runcard=get_runcard,
        replicas=get_batch_replicas,
        best=get_params_option,
        batch_dir=get_batch_dir,
        tensorboard=get_tensorboard_option,
    shell:
        "replifold fit {params.runcard:q} {input.data:q} --replicas {params.replicas:q} {params.best}"
        " {params.tensorboard} -o {params.batch_dir:q} > {log:q} 2>&1"


# One split job per batch: its outputs are that batch's replicas, which a single output
# pattern cannot express, so the rule is stamped out per (fit, batch).
for _fit in FITS.values():
    for _index, _replicas in enumerate(_fit.plan.batches):

        rule:
            name:
                f"split_replicas_{_fit.ident}_batch{_index}"
            input:
                _fit.batch_files(_index),
            output:
                [path for r in _replicas for path in _fit.replica_outputs(r)],
            log:
                str(_fit.layout.log("split_replicas", f"batch{_index}.log")),
            benchmark:
                str(_fit.layout.benchmark("split_replicas", f"batch{_index}.tsv"))
            localrule: LOCAL_SHORT_JOBS
            conda:
                CONDA_ENV
            threads: 1
            resources:
                mem_mb=get_mem_other,
                runtime=get_runtime_other,
            params:
                batch_dir=get_folder_of_input,
                out_dir=get_replicas_root,
            shell:
                "replifold split {params.batch_dir:q} -o {params.out_dir:q} > {log:q} 2>&1"


rule postfit:
    """Select replicas as NNPDF's postfit: no best epoch, positivity, integrability, iterated chi2 and arc-length vetoes."""
    input:
        view=str(PATTERN.view("postfit")),
        fits=get_replica_fits,
        grids=get_replica_grids,
    output:
        selected=str(PATTERN.selected_json),
        veto=str(PATTERN.veto_json),
    log:
        str(PATTERN.log("postfit.log")),
    benchmark:
        str(PATTERN.benchmark("postfit.tsv"))
    localrule: LOCAL_SHORT_JOBS
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=get_mem_other,
        runtime=get_runtime_other,
    params:
        fit_dir=get_fit_dir,
    shell:
        "replifold postfit {params.fit_dir:q} > {log:q} 2>&1"
