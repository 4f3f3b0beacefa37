rule suggest:
    """Propose round {round}'s trials from the hyper-losses of every earlier round."""
    input:
        runcard=fit_path("runcard.yml"),
        history=lambda wildcards: hyperloss_files(FITS[wildcards.fit], range(int(wildcards.round))),
    output:
        fit_path("hyperopt", "round{round}.json"),
    params:
        fit_dir=fit_dir,
    log:
        fit_path("logs", "suggest", "round{round}.log"),
    benchmark:
        fit_path("benchmarks", "suggest", "round{round}.tsv")
    threads: 1
    resources:
        mem_mb=MEM_OTHER,
        runtime=RUNTIME_OTHER,
    conda:
        CONDA_ENV
    shell:
        "replifold suggest {params.fit_dir:q} --round {wildcards.round} > {log:q} 2>&1"


rule train_fold:
    """Train trial {trial}'s replicas without partition {fold} and measure them on it."""
    input:
        runcard=fit_path("runcard.yml"),
        data=fit_path("data"),
        simulations=get_simulations,
        round=lambda wildcards: FITS[wildcards.fit].path(
            "hyperopt", f"round{FITS[wildcards.fit].round_of(int(wildcards.trial))}.json"
        ),
    output:
        result=fit_path("hyperopt", "trial{trial}", "fold{fold}", "result.json"),
        weights=fit_path("hyperopt", "trial{trial}", "fold{fold}", "weights.h5"),
        model=fit_path("hyperopt", "trial{trial}", "fold{fold}", "model.json"),
    params:
        fit_dir=fit_dir,
    log:
        fit_path("logs", "train_fold", "trial{trial}_fold{fold}.log"),
    benchmark:
        fit_path("benchmarks", "train_fold", "trial{trial}_fold{fold}.tsv")
    threads: fit_threads
    resources:
        gpu=config["gpu_train_fold"],
        mem_mb=MEM_TRAINING,
        runtime=RUNTIME_TRAINING,
    conda:
        CONDA_ENV
    shell:
        "replifold train-fold {params.fit_dir:q} --trial {wildcards.trial} --fold {wildcards.fold} > {log:q} 2>&1"


rule reduce_trial:
    """Combine trial {trial}'s folds into its hyper-loss (a diverged fold fails the trial)."""
    input:
        lambda wildcards: [
            FITS[wildcards.fit].path("hyperopt", f"trial{wildcards.trial}", f"fold{k}", "result.json")
            for k in range(FITS[wildcards.fit].folds)
        ],
    output:
        fit_path("hyperopt", "trial{trial}", "hyperloss.json"),
    params:
        fit_dir=fit_dir,
    log:
        fit_path("logs", "reduce_trial", "trial{trial}.log"),
    benchmark:
        fit_path("benchmarks", "reduce_trial", "trial{trial}.tsv")
    threads: 1
    resources:
        mem_mb=MEM_OTHER,
        runtime=RUNTIME_OTHER,
    conda:
        CONDA_ENV
    shell:
        "replifold reduce {params.fit_dir:q} --trial {wildcards.trial} > {log:q} 2>&1"


rule collect:
    """Gather every trial into the trials store and pick the best one."""
    input:
        lambda wildcards: hyperloss_files(FITS[wildcards.fit], range(FITS[wildcards.fit].rounds)),
    output:
        tries=fit_path("hyperopt", "tries.json"),
        pickle=fit_path("hyperopt", "tries.pkl"),
        best=fit_path("hyperopt", "best.json"),
    params:
        fit_dir=fit_dir,
    log:
        fit_path("logs", "collect.log"),
    benchmark:
        fit_path("benchmarks", "collect.tsv")
    threads: 1
    resources:
        mem_mb=MEM_OTHER,
        runtime=RUNTIME_OTHER,
    conda:
        CONDA_ENV
    shell:
        "replifold collect {params.fit_dir:q} > {log:q} 2>&1"


# The MongoDB engine (hyperopt.engine: mongo), stamped out per fit: one driver job proposes
# trials against the database and writes the same store as `collect`, while `workers` worker
# jobs evaluate trials as they come. The driver is also the server's service job: it starts
# one when none answers at hyperopt.db and stops it after the scan. (A separate Snakemake
# service() rule would have to share a job group, so a node, with its consumers on a cluster,
# which rules out workers on other nodes.) The driver and workers must run at the same time:
# the driver has the higher priority, so it is started first, and any worker running with it
# makes progress; give --cores/--jobs at least 2.
for _fit in FITS.values():
    if _fit.engine != "mongo":
        continue

    rule:
        name:
            f"mongo_driver_{_fit.ident}"
        input:
            runcard=_fit.path("runcard.yml"),
            data=_fit.path("data"),
        output:
            tries=_fit.path("hyperopt", "tries.json"),
            pickle=_fit.path("hyperopt", "tries.pkl"),
            best=_fit.path("hyperopt", "best.json"),
        params:
            fit_dir=_fit.dir,
        log:
            _fit.path("logs", "mongo", "driver.log"),
        benchmark:
            _fit.path("benchmarks", "mongo", "driver.tsv")
        priority: 10
        threads: 1
        resources:
            mem_mb=MEM_OTHER,
            runtime=RUNTIME_TRAINING,
        conda:
            CONDA_ENV
        shell:
            "replifold mongo-driver {params.fit_dir:q} > {log:q} 2>&1"

    rule:
        name:
            f"mongo_worker_{_fit.ident}"
        input:
            runcard=_fit.path("runcard.yml"),
            data=_fit.path("data"),
        output:
            _fit.path("logs", "mongo", "worker{worker}.json"),
        params:
            fit_dir=_fit.dir,
        log:
            _fit.path("logs", "mongo", "worker{worker}.log"),
        benchmark:
            _fit.path("benchmarks", "mongo", "worker{worker}.tsv")
        threads: _fit.threads
        resources:
            gpu=config["gpu_train_fold"],
            mem_mb=MEM_TRAINING,
            runtime=RUNTIME_TRAINING,
        conda:
            CONDA_ENV
        shell:
            "replifold mongo-worker {params.fit_dir:q} --name worker{wildcards.worker} --record {output:q} > {log:q} 2>&1"

    workflow.ruleorder(f"mongo_driver_{_fit.ident}", "collect")


rule scan:
    """Target: the hyperopt scans alone, up to each fit's trials store and best parameters."""
    input:
        [path for fit in FITS.values() for path in scan_files(fit)],
