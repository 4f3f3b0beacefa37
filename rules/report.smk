rule report:
    """The fit's offline HTML report; its figures also go to `snakemake --report`."""
    input:
        runcard=str(PATTERN.runcard),
        data=str(PATTERN.data_dir),
        scan=get_scan_store,
        postfit=str(PATTERN.selected_json),
        veto=str(PATTERN.veto_json),
        fits=get_replica_fits,
        grids=get_replica_grids,
        closure=get_closure_estimators,
        arrays=get_imnn_replica_arrays,
        lhapdf=get_lhapdf_set,
    output:
        html=str(PATTERN.report_html),
        figures=report(
            directory(str(PATTERN.report_figures)),
            patterns=["{name}.png"],
            caption="report/figures.rst",
            category="{fit}",
        ),
    log:
        str(PATTERN.log("report.log")),
    benchmark:
        str(PATTERN.benchmark("report.tsv"))
    localrule: LOCAL_SHORT_JOBS
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=get_mem_other,
        runtime=get_runtime_other,
    params:
        fit_dir=get_fit_dir,
        report_dir=get_report_dir,
    shell:
        "replifold report {params.fit_dir:q} -o {params.report_dir:q} > {log:q} 2>&1"
