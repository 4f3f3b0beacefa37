# Theory of real-data fits (problem: dis): entries of the shared theory cache (config theory_cache),
# planned in common.smk. One job per yadism grid (data set), per eko operator (group of a data
# set's scales) and per FK table; an entry already built is never rebuilt, whichever fit asks.


rule theory_grid:
    """yadism DIS grid of one data set after cuts (theory-cache entry grid/{digest})."""
    input:
        ancient(theory_entry("grid", "key.json")),
    output:
        theory_entry("grid", GRID_FILE),
    log:
        theory_log("grid", ".log"),
    benchmark:
        theory_log("grid", ".benchmark.tsv")
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=get_mem_theory,
        runtime=get_runtime_theory,
    params:
        cache=get_theory_cache_root,
        numba=get_numba_env,
    shell:
        "{params.numba}replifold theory-grid {wildcards.digest} --theory-cache {params.cache:q} > {log:q} 2>&1"


rule theory_operator:
    """eko evolution operator from Q0 to a group of scales (theory-cache entry operator/{digest})."""
    input:
        ancient(theory_entry("operator", "key.json")),
    output:
        theory_entry("operator", OPERATOR_FILE),
    log:
        theory_log("operator", ".log"),
    benchmark:
        theory_log("operator", ".benchmark.tsv")
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=get_mem_theory,
        runtime=get_runtime_theory,
    params:
        cache=get_theory_cache_root,
        numba=get_numba_env,
    shell:
        "{params.numba}replifold theory-operator {wildcards.digest} --theory-cache {params.cache:q} > {log:q} 2>&1"


rule fktable:
    """FK table of one data set: its grid evolved with its operators (theory-cache entry fktable/{digest})."""
    input:
        record=ancient(theory_entry("fktable", "key.json")),
        parts=get_fktable_inputs,
    output:
        theory_entry("fktable", FKTABLE_FILE),
    log:
        theory_log("fktable", ".log"),
    benchmark:
        theory_log("fktable", ".benchmark.tsv")
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=get_mem_theory,
        runtime=get_runtime_theory,
    params:
        cache=get_theory_cache_root,
        operators=get_fktable_operators,
    shell:
        "replifold fktable {wildcards.digest} --operator {params.operators} --theory-cache {params.cache:q} > {log:q} 2>&1"
