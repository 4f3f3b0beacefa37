rule archive:
    """The deterministic tarball of everything reproducible, its manifest and provenance."""
    input:
        runcard=fit_path("runcard.yml"),
        sha256=fit_path("runcard.sha256"),
        data=fit_path("data"),
        scan=scan_store,
        batches=lambda wildcards: [
            FITS[wildcards.fit].path("fit", f"batch{batch.index}", "result.json")
            for batch in FITS[wildcards.fit].batches
        ],
        replicas=lambda wildcards: replica_files(FITS[wildcards.fit], "fit.json"),
        postfit=fit_path("postfit", "selected.json"),
        report=fit_path("report", "index.html"),
        lhapdf=get_lhapdf_set,
    output:
        tarball=fit_path("archive", "{fit}.tar.gz"),
        manifest=fit_path("archive", "MANIFEST.sha256"),
        provenance=fit_path("archive", "provenance.json"),
    params:
        fit_dir=fit_dir,
        archive_dir=lambda wildcards, output: os.path.dirname(output.tarball),
    log:
        fit_path("logs", "archive.log"),
    benchmark:
        fit_path("benchmarks", "archive.tsv")
    threads: 1
    resources:
        mem_mb=MEM_OTHER,
        runtime=RUNTIME_OTHER,
    conda:
        CONDA_ENV
    shell:
        "replifold archive {params.fit_dir:q} -o {params.archive_dir:q} > {log:q} 2>&1"
