rule suggest:
    """Propose round {round}'s trials from the hyper-losses of every earlier round."""
    input:
        view=str(PATTERN.view("search")),
        history=get_history,
    output:
        str(PATTERN.round_file("{round}")),
    log:
        str(PATTERN.log("suggest", "round{round}.log")),
    benchmark:
        str(PATTERN.benchmark("suggest", "round{round}.tsv"))
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
        "replifold suggest {params.fit_dir:q} --round {wildcards.round} > {log:q} 2>&1"


rule train_fold:
    """Train trial {trial}'s replicas without partition {fold} and measure them on it."""
    input:
        view=str(PATTERN.view("search")),
        data=str(PATTERN.data_dir),
        simulations=get_simulations,
        round=get_round_of_trial,
    output:
        result=str(PATTERN.fold("{trial}", "{fold}").result),
        weights=str(PATTERN.fold("{trial}", "{fold}").weights),
        model=str(PATTERN.fold("{trial}", "{fold}").model),
    log:
        str(PATTERN.log("train_fold", "trial{trial}_fold{fold}.log")),
    benchmark:
        str(PATTERN.benchmark("train_fold", "trial{trial}_fold{fold}.tsv"))
    conda:
        CONDA_ENV
    threads: get_threads
    resources:
        gpu=config["gpu_train_fold"],
        mem_mb=get_mem_training,
        runtime=get_runtime_training,
    params:
        fit_dir=get_fit_dir,
    shell:
        "replifold train-fold {params.fit_dir:q} --trial {wildcards.trial} --fold {wildcards.fold} > {log:q} 2>&1"


rule reduce_trial:
    """Combine trial {trial}'s folds into its hyper-loss (a diverged fold fails the trial)."""
    input:
        view=str(PATTERN.view("search")),
        folds=get_trial_folds,
    output:
        str(PATTERN.hyperloss("{trial}")),
    log:
        str(PATTERN.log("reduce_trial", "trial{trial}.log")),
    benchmark:
        str(PATTERN.benchmark("reduce_trial", "trial{trial}.tsv"))
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
        "replifold reduce {params.fit_dir:q} --trial {wildcards.trial} > {log:q} 2>&1"


rule collect:
    """Gather every trial into the trials store and pick the best one."""
    input:
        view=str(PATTERN.view("search")),
        hyperlosses=get_all_hyperlosses,
    output:
        tries=str(PATTERN.tries_json),
        pickle=str(PATTERN.tries_pkl),
        best=str(PATTERN.best_json),
    log:
        str(PATTERN.log("collect.log")),
    benchmark:
        str(PATTERN.benchmark("collect.tsv"))
    wildcard_constraints:
        fit=FILES_SCANS,
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
        "replifold collect {params.fit_dir:q} > {log:q} 2>&1"


# The MongoDB engine (hyperopt.engine: mongo): one driver job proposes trials against the
# database and writes the same store as `collect` (which it replaces for these fits), while
# `workers` worker jobs evaluate trials as they come. The driver is also the server's service
# job: it starts one when none answers at hyperopt.db and stops it after the scan. (A separate
# Snakemake service() rule would have to share a job group, so a node, with its consumers on a
# cluster, which rules out workers on other nodes.) The driver and workers must run at the same
# time: the driver has the higher priority, so it is started first, and any worker running with
# it makes progress; give --cores/--jobs at least 2.
rule mongo_driver:
    """Run fit {fit}'s MongoDB scan: queue trials, propose each from the finished ones, write the store."""
    input:
        view=str(PATTERN.view("search")),
        data=str(PATTERN.data_dir),
    output:
        tries=str(PATTERN.tries_json),
        pickle=str(PATTERN.tries_pkl),
        best=str(PATTERN.best_json),
    log:
        str(PATTERN.log("mongo", "driver.log")),
    benchmark:
        str(PATTERN.benchmark("mongo", "driver.tsv"))
    wildcard_constraints:
        fit=MONGO_FITS,
    priority: 10
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=get_mem_other,
        runtime=get_runtime_training,
    params:
        fit_dir=get_fit_dir,
    shell:
        "replifold mongo-driver {params.fit_dir:q} > {log:q} 2>&1"


rule mongo_worker:
    """Evaluate fit {fit}'s queued MongoDB trials until its scan ends."""
    input:
        view=str(PATTERN.view("search")),
        data=str(PATTERN.data_dir),
    output:
        str(PATTERN.mongo_worker_record("{worker}")),
    log:
        str(PATTERN.log("mongo", "worker{worker}.log")),
    benchmark:
        str(PATTERN.benchmark("mongo", "worker{worker}.tsv"))
    wildcard_constraints:
        fit=MONGO_FITS,
        worker=r"\d+",
    conda:
        CONDA_ENV
    threads: get_threads
    resources:
        gpu=config["gpu_train_fold"],
        mem_mb=get_mem_training,
        runtime=get_runtime_training,
    params:
        fit_dir=get_fit_dir,
    shell:
        "replifold mongo-worker {params.fit_dir:q} --name worker{wildcards.worker} --record {output:q} > {log:q} 2>&1"


rule scan:
    """Target: the hyperopt scans alone, up to each fit's trials store and best parameters."""
    input:
        [path for fit in FITS.values() for path in scan_files(fit)],
