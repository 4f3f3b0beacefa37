rule report:
    """The fit's offline HTML report; its figures also go to `snakemake --report`."""
    input:
        runcard=fit_path("runcard.yml"),
        data=fit_path("data"),
        scan=scan_store,
        postfit=fit_path("postfit", "selected.json"),
        veto=fit_path("postfit", "veto.json"),
        replicas=get_replica_outputs,
    output:
        html=fit_path("report", "index.html"),
        figures=report(
            directory(fit_path("report", "figures")),
            patterns=["{name}.png"],
            caption="report/figures.rst",
            category="{fit}",
        ),
    params:
        fit_dir=fit_dir,
        report_dir=lambda wildcards, output: os.path.dirname(output.html),
    log:
        fit_path("logs", "report.log"),
    benchmark:
        fit_path("benchmarks", "report.tsv")
    threads: 1
    resources:
        mem_mb=MEM_OTHER,
        runtime=RUNTIME_OTHER,
    conda:
        CONDA_ENV
    shell:
        "replifold report {params.fit_dir:q} -o {params.report_dir:q} > {log:q} 2>&1"
