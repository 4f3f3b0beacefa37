# A multi-closure test (closure.level1_draws = N >= 2): the fit itself is draw 0; draws 1..N-1
# are fit folders of their own under results/F/draws/draw<k>/, each set up from the fit's
# runcard with seeds derived for k (and the scan's best parameters), trained in the fit's
# replica batches, split and post-fitted exactly as the fit is, all in one job group per draw.
# `multiclosure` then reads every draw's selected replicas into closure/estimators.json.


rule setup_draw:
    """Set up level-1 draw {draw}: its runcard (derived seeds, the fit's parameters) and data."""
    input:
        # the fit's views, not runcard.yml: an edit of the report's description, the evolution
        # or the number of draws reruns no draw (a draw runcard is the fit's, reseeded)
        data=str(PATTERN.view("data")),
        fit=str(PATTERN.view("fit")),
        postfit=str(PATTERN.view("postfit")),
        scan=get_scan_store,
    output:
        runcard=str(DRAW_PATTERN.runcard),
        sha256=str(DRAW_PATTERN.runcard_hash),
        data=directory(str(DRAW_PATTERN.data_dir)),
    log:
        str(PATTERN.log("draws", "draw{draw}", "setup.log")),
    benchmark:
        str(PATTERN.benchmark("draws", "draw{draw}", "setup.tsv"))
    group:
        DRAW_GROUP
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=get_mem_other,
        runtime=get_runtime_other,
    params:
        fit_dir=get_fit_dir,
    shell:
        "replifold setup-draw {params.fit_dir:q} --draw {wildcards.draw} > {log:q} 2>&1"


rule fit_draw_batch:
    """Train replica batch {batch} of level-1 draw {draw}."""
    input:
        runcard=str(DRAW_PATTERN.runcard),
        data=str(DRAW_PATTERN.data_dir),
    output:
        weights=str(DRAW_PATTERN.batch("{batch}").weights),
        model=str(DRAW_PATTERN.batch("{batch}").model),
        result=str(DRAW_PATTERN.batch("{batch}").result),
        history=str(DRAW_PATTERN.batch("{batch}").history),
    log:
        str(PATTERN.log("draws", "draw{draw}", "fit_batch{batch}.log")),
    benchmark:
        str(PATTERN.benchmark("draws", "draw{draw}", "fit_batch{batch}.tsv"))
    group:
        DRAW_GROUP
    conda:
        CONDA_ENV
    threads: get_threads
    resources:
        gpu=config["gpu_fit_batch"],
        mem_mb=get_mem_training,
        runtime=get_runtime_training,
    params:
        replicas=get_batch_replicas,
        batch_dir=get_draw_batch_dir,
    shell:
        "replifold fit {input.runcard:q} {input.data:q} --replicas {params.replicas:q}"
        " -o {params.batch_dir:q} > {log:q} 2>&1"


# As split_replicas: one rule per (fit, draw, batch), since its outputs are that batch's replicas.
for _fit in FITS.values():
    for _draw in _fit.plan.extra_draws:
        _layout = _fit.layout.draw(_draw)
        for _index, _replicas in enumerate(_fit.plan.batches):

            rule:
                name:
                    f"split_draw_replicas_{_fit.ident}_draw{_draw}_batch{_index}"
                input:
                    [str(path) for path in _layout.batch(_index).reproducible],
                output:
                    [str(path) for r in _replicas for path in _layout.replica(r).reproducible],
                log:
                    str(_fit.layout.log("draws", f"draw{_draw}", f"split_batch{_index}.log")),
                benchmark:
                    str(_fit.layout.benchmark("draws", f"draw{_draw}", f"split_batch{_index}.tsv"))
                group:
                    DRAW_GROUP
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


rule postfit_draw:
    """Select the replicas of level-1 draw {draw} as the fit's own postfit does."""
    input:
        runcard=str(DRAW_PATTERN.runcard),
        fits=get_draw_replica_fits,
        grids=get_draw_replica_grids,
    output:
        selected=str(DRAW_PATTERN.selected_json),
        veto=str(DRAW_PATTERN.veto_json),
    log:
        str(PATTERN.log("draws", "draw{draw}", "postfit.log")),
    benchmark:
        str(PATTERN.benchmark("draws", "draw{draw}", "postfit.tsv"))
    group:
        DRAW_GROUP
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=get_mem_other,
        runtime=get_runtime_other,
    params:
        draw_dir=get_draw_dir,
    shell:
        "replifold postfit {params.draw_dir:q} > {log:q} 2>&1"


rule multiclosure:
    """R_bv, xi_1sigma, replica chi2 and delta chi2 over every draw, with bootstrap errors."""
    input:
        runcard=str(PATTERN.runcard),
        selected=str(PATTERN.selected_json),
        draws=get_draw_selections,
    output:
        str(PATTERN.closure_estimators),
    log:
        str(PATTERN.log("multiclosure.log")),
    benchmark:
        str(PATTERN.benchmark("multiclosure.tsv"))
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
        "replifold multiclosure {params.fit_dir:q} > {log:q} 2>&1"
