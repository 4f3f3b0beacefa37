rule archive:
    """The deterministic tarball of everything reproducible, its manifest and provenance."""
    input:
        runcard=str(PATTERN.runcard),
        sha256=str(PATTERN.runcard_hash),
        data=str(PATTERN.data_dir),
        scan=get_scan_store,
        batches=get_batch_results,
        replicas=get_replica_fits,
        postfit=str(PATTERN.selected_json),
        draws=get_draw_selections,
        closure=get_closure_estimators,
        report=str(PATTERN.report_html),
        lhapdf=get_lhapdf_set,
    output:
        tarball=str(PATTERN.tarball),
        manifest=str(PATTERN.manifest),
        provenance=str(PATTERN.provenance),
    log:
        str(PATTERN.log("archive.log")),
    benchmark:
        str(PATTERN.benchmark("archive.tsv"))
    localrule: LOCAL_SHORT_JOBS
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=get_mem_other,
        runtime=get_runtime_other,
    params:
        fit_dir=get_fit_dir,
        archive_dir=get_archive_dir,
    shell:
        "replifold archive {params.fit_dir:q} -o {params.archive_dir:q} > {log:q} 2>&1"
