"""The workflow's DAG, lint and profiles, planned by real `snakemake -n` (seconds each)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
QUICK = REPO_ROOT / "config" / "runcards" / "closure-quick.yml"
TRAINING_RULES = {"train_fold", "fit_batch"}


def test_lint_reports_nothing(snakemake, tmp_path):
    run = snakemake(REPO_ROOT, "--lint")
    assert run.returncode == 0, run.output
    assert "Lints for" not in run.output
    assert "Congratulations" in run.output


def test_quick_runcard_plans_every_stage(snakemake, tmp_path):
    run = snakemake(
        tmp_path, "-n", "--cores", "2", "--config", f"runcards=[{QUICK}]", "results=results"
    )
    assert run.returncode == 0, run.output
    # 2 rounds x 2 trials x 2 folds; 8 replicas in one batch of replicas_per_job = 8
    assert run.job_counts() == {
        "setup_fit": 1,
        "suggest": 2,
        "train_fold": 8,
        "reduce_trial": 4,
        "collect": 1,
        "fit_batch": 1,
        "split_replicas_closure_quick_batch0": 1,
        "postfit": 1,
        "evolve": 1,
        "report": 1,
        "archive": 1,
        "all": 1,
        "total": 23,
    }
    assert "replifold fit results/closure-quick/runcard.yml" in run.output
    assert "--params results/closure-quick/hyperopt/best.json" in run.output
    assert "replifold train-fold results/closure-quick --trial 3 --fold 1" in run.output


def test_round_r_suggests_from_earlier_rounds_only(snakemake, tmp_path):
    run = snakemake(
        tmp_path, "-n", "--cores", "2", "--config", f"runcards=[{QUICK}]", "results=results"
    )
    block = run.output.split("rule suggest:")
    inputs = [part.split("output:")[0] for part in block[1:]]
    round0 = next(i for i in inputs if "hyperloss" not in i)
    round1 = next(i for i in inputs if "hyperloss" in i)
    assert "views/search.json" in round0
    assert "trial0/hyperloss.json" in round1 and "trial1/hyperloss.json" in round1
    assert "trial2/" not in round1


def test_runcard_without_hyperopt_starts_at_fit_batch(
    snakemake, tmp_path, quick_runcard, write_yaml
):
    for key in ("hyperopt", "hyperscan_config", "kfold"):
        quick_runcard.pop(key)
    quick_runcard["replicas_per_job"] = 3
    card = write_yaml(tmp_path / "noscan.yml", quick_runcard)
    run = snakemake(tmp_path, "-n", "--cores", "2", "--config", f"runcards=[{card}]")
    assert run.returncode == 0, run.output
    counts = run.job_counts()
    assert not {"suggest", "train_fold", "reduce_trial", "collect"} & set(counts)
    assert counts["fit_batch"] == 3  # replicas 1-3, 4-6, 7-8
    assert "--replicas 7-8" in run.output
    assert "--params" not in run.output


def test_several_runcards_give_one_results_folder_each(
    snakemake, tmp_path, quick_runcard, write_yaml
):
    other = write_yaml(tmp_path / "other.yml", quick_runcard)
    run = snakemake(tmp_path, "-n", "--cores", "2", "--config", f"runcards=[{QUICK},{other}]")
    assert run.returncode == 0, run.output
    assert run.job_counts()["archive"] == 2
    assert "results/closure-quick/archive/closure-quick.tar.gz" in run.output
    assert "results/other/archive/other.tar.gz" in run.output


def test_mongo_engine_plans_a_driver_and_gpu_tagged_workers(
    snakemake, tmp_path, quick_runcard, write_yaml
):
    quick_runcard["hyperopt"].update(engine="mongo", workers=3)
    card = write_yaml(tmp_path / "mongoscan.yml", quick_runcard)
    run = snakemake(
        tmp_path, "-n", "--cores", "4", "--config", f"runcards=[{card}]", "gpu_train_fold=1"
    )
    assert run.returncode == 0, run.output
    counts = run.job_counts()
    assert counts["mongo_driver"] == 1 and counts["mongo_worker"] == 3
    assert not {"suggest", "train_fold", "reduce_trial", "collect"} & set(counts)
    plan = run.planned_resources()
    assert all(job["gpu"] == "1" for job in plan["mongo_worker"])
    assert plan["mongo_driver"][0].get("gpu", "0") == "0"
    assert "replifold mongo-driver results/mongoscan" in run.output
    # whatever needs the scan brings the workers along: the driver alone would wait for them forever
    for target in ("scan", "results/mongoscan/fit/batch0/result.json"):
        partial = snakemake(
            tmp_path, "-n", "--cores", "4", target, "--config", f"runcards=[{card}]"
        ).job_counts()
        assert partial["mongo_driver"] == 1 and partial["mongo_worker"] == 3, (target, partial)
    slurm = snakemake(
        tmp_path,
        "-n",
        "--profile",
        str(REPO_ROOT / "profiles" / "slurm"),
        "--config",
        f"runcards=[{card}]",
    ).planned_resources()
    assert all(
        job["gpu"] == "1" and job["slurm_partition"] == "gpu" for job in slurm["mongo_worker"]
    )
    assert (
        slurm["mongo_driver"][0]["slurm_partition"] == "cpu"
        and slurm["mongo_driver"][0].get("gpu", "0") == "0"
    )


def test_scan_target_stops_at_the_trials_store(snakemake, tmp_path):
    run = snakemake(
        tmp_path, "-n", "--cores", "2", "scan", "--config", f"runcards=[{QUICK}]", "results=results"
    )
    assert run.returncode == 0, run.output
    assert run.job_counts() == {
        "setup_fit": 1,
        "suggest": 2,
        "train_fold": 8,
        "reduce_trial": 4,
        "collect": 1,
        "scan": 1,
        "total": 17,
    }


def test_invalid_config_is_refused(snakemake, tmp_path):
    run = snakemake(tmp_path, "-n", "--cores", "2", "--config", "gpu_train_fold=-1")
    assert run.returncode != 0
    assert "gpu_train_fold" in run.output


def test_local_plan_requests_no_gpu_unless_configured(snakemake, tmp_path):
    plain = snakemake(tmp_path, "-n", "--cores", "2").planned_resources()
    assert all(jobs[0].get("gpu", "0") == "0" for jobs in plain.values())
    tagged = snakemake(
        tmp_path,
        "-n",
        "--cores",
        "2",
        "--resources",
        "gpu=1",
        "--config",
        "gpu_train_fold=1",
        "gpu_fit_batch=1",
    ).planned_resources()
    assert {rule for rule, jobs in tagged.items() if jobs[0].get("gpu") == "1"} == TRAINING_RULES


def _assert_gpu_on_training_rules_only(plan: dict[str, list[dict[str, str]]]) -> None:
    with_gpu = {
        rule for rule, jobs in plan.items() if any(int(job.get("gpu", "0")) > 0 for job in jobs)
    }
    assert with_gpu == TRAINING_RULES
    for rule in TRAINING_RULES:
        assert all(job["gpu"] == "1" and job["slurm_partition"] == "gpu" for job in plan[rule])
    assert plan["setup_fit"][0]["slurm_partition"] == "cpu"


def test_slurm_profile_requests_gpus_for_training_rules_only(snakemake, tmp_path):
    run = snakemake(tmp_path, "-n", "--profile", str(REPO_ROOT / "profiles" / "slurm"))
    assert run.returncode == 0, run.output
    _assert_gpu_on_training_rules_only(run.planned_resources())


def test_installed_profile_resolves_by_name(snakemake, tmp_path):
    config_home = tmp_path / "xdg"
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "replifold.cli",
            "install-profile",
            "slurm",
            "--dest",
            str(config_home / "snakemake"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert install.returncode == 0, install.stderr
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    run = snakemake(workdir, "-n", "--profile", "slurm", env={"XDG_CONFIG_HOME": str(config_home)})
    assert run.returncode == 0, run.output
    _assert_gpu_on_training_rules_only(run.planned_resources())


def test_runcard_names_with_spaces_or_shell_characters_are_refused(
    snakemake, tmp_path, quick_runcard, write_yaml
):
    for name in ("my fit", "q$(touch PWNED)", "semi;colon"):
        card = write_yaml(tmp_path / f"{name}.yml", quick_runcard)
        run = snakemake(tmp_path, "-n", "--cores", "2", "--config", f"runcards=['{card}']")
        assert run.returncode != 0 and "not a valid fit name" in run.output, run.output
        assert "Traceback" not in run.output.split("not a valid fit name")[0][-2000:]
    assert not (tmp_path / "PWNED").exists()


def test_runcard_names_with_dots_and_dashes_plan_and_every_path_is_quoted(
    snakemake, tmp_path, quick_runcard, write_yaml
):
    card = write_yaml(tmp_path / "NNPDF4.0_closure-v2.yml", quick_runcard)
    run = snakemake(
        tmp_path, "-n", "--cores", "2", "-p", "--config", f"runcards=[{card}]", "results=my results"
    )
    assert run.returncode == 0, run.output
    assert run.job_counts()["archive"] == 1
    assert "replifold setup" in run.output and "-o 'my results/NNPDF4.0_closure-v2'" in run.output
    assert "--params 'my results/NNPDF4.0_closure-v2/hyperopt/best.json'" in run.output
    assert "replifold train-fold 'my results/NNPDF4.0_closure-v2' --trial 3 --fold 1" in run.output


MULTI = REPO_ROOT / "config" / "runcards" / "closure-multi.yml"


def test_multiclosure_plans_one_job_group_per_level1_draw(snakemake, tmp_path):
    run = snakemake(
        tmp_path, "-n", "--cores", "2", "--config", f"runcards=[{MULTI}]", "results=results"
    )
    assert run.returncode == 0, run.output
    counts = run.job_counts()
    draws = 9  # level1_draws: 10, the fit itself being draw 0
    assert counts["setup_fit"] == counts["fit_batch"] == counts["postfit"] == 1
    assert counts["setup_draw"] == counts["fit_draw_batch"] == counts["postfit_draw"] == draws
    assert (
        sum(
            n
            for rule, n in counts.items()
            if rule.startswith("split_draw_replicas_closure_multi_draw")
        )
        == draws
    )
    assert counts["multiclosure"] == counts["report"] == counts["archive"] == 1
    assert run.output.count("Group job level1_draw") == draws
    assert "replifold setup-draw results/closure-multi --draw 9" in run.output
    assert "results/closure-multi/draws/draw3/fit/batch0/history.npz" in run.output
    assert "replifold multiclosure results/closure-multi" in run.output


def test_a_draw_of_a_scanned_fit_waits_for_the_scan(snakemake, tmp_path, quick_runcard, write_yaml):
    quick_runcard["closure"]["level1_draws"] = 2
    card = write_yaml(tmp_path / "scanned.yml", quick_runcard)
    target = "results/scanned/draws/draw1/runcard.yml"
    run = snakemake(tmp_path, "-n", "--cores", "2", target, "--config", f"runcards=[{card}]")
    assert run.returncode == 0, run.output
    assert run.job_counts()["collect"] == 1 and run.job_counts()["setup_draw"] == 1
