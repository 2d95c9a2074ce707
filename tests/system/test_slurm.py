"""System test: the tiny test config through ``profiles/slurm`` on a real one-node SLURM.

Runs only in ``make test-system`` (marker ``system``, deselected by default), after
``.ci/slurm.sh up`` has started slurmctld, slurmd, slurmdbd (accounting, so ``sacct`` works)
and munge, with partitions ``cpu`` and ``gpu``, the profile's account and one GPU declared as
a GRES (a stand-in device). Nothing is mocked: Snakemake submits every job with
``snakemake-executor-plugin-slurm``; the run uses ``tomtom.engine: meme``, so the real MEME
``tomtom`` (built by ``.ci/build_tomtom.sh``, on PATH) runs inside the SLURM jobs.

Where each job ran is read from three independent records:

1. Snakemake's own log: every job it scheduled, its rule, wildcards and declared resources,
   and the SLURM job id it submitted it as (``Job N has been submitted with SLURM jobid M``);
   a job run outside SLURM appears as ``localrule`` without a submission.
2. SLURM's accounting (``sacct``): for each SLURM job, its partition, allocated TRES
   (``gres/gpu=1`` when it was given the GPU), state, exit code and comment (the executor
   writes ``rule_<rule>_wildcards_<values>`` there), and its job step ``.0``.
3. Each job's own output (``.snakemake/slurm_logs/rule_<rule>/<wildcards>/<id>.log``): the
   cluster's TaskProlog prints, inside every task, ``motifrep-ci-task job=<SLURM_JOB_ID>
   step=<SLURM_STEP_ID> ... cuda_visible_devices=... step_gpus=...`` (what the process that
   runs the rule saw), followed by the job-step Snakemake running the rule
   (``localrule <rule>:`` with its wildcards, ``Finished jobid: 0 (Rule: <rule>)``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import REPO, TEST_CONFIGS

from motifrep.motifs.meme import read_meme
from motifrep.motifs.tomtom import read_tomtom_tsv, run_tomtom

pytestmark = pytest.mark.system

SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
PROFILE = REPO / "profiles" / "slurm"
# README "GPU": training and attribution rules declare resources gpu=1
GPU_RULES = {"train", "attribute"}
# rules with no action, which Snakemake finishes itself (no process, nothing to submit)
TARGET_RULES = {"all"}
TINY = TEST_CONFIGS / "config.yaml"  # the tiny config of the end-to-end test
MEME_ENGINE = "tomtom: {engine: meme}\n"

PROLOG = re.compile(r"^motifrep-ci-task job=(?P<job>\S+) step=(?P<step>\S+) partition=(?P<partition>\S+) "
                    r"cuda_visible_devices=(?P<cuda>\S+) job_gpus=(?P<job_gpus>\S+) step_gpus=(?P<step_gpus>\S+)$")
RULE_HEADER = re.compile(r"^(?P<kind>localrule|rule) (?P<rule>\w+):$")
SUBMITTED = re.compile(r"^Job (?P<jobid>\d+) has been submitted with SLURM jobid (?P<slurm>\d+) \(log: (?P<log>.+)\)\.$")


@dataclass
class Job:
    """One job as Snakemake's log of the main process lists it."""

    rule: str
    local: bool
    fields: dict = field(default_factory=dict)

    @property
    def jobid(self) -> int:
        return int(self.fields["jobid"])

    @property
    def wildcards(self) -> str:
        return self.fields.get("wildcards", "")

    @property
    def declares_gpu(self) -> bool:
        return re.search(r"(^|, )gpu=1(,|$)", self.fields.get("resources", "")) is not None

    def comment(self) -> str:
        """The SLURM comment the executor gives this job."""
        values = [kv.split("=", 1)[1] for kv in self.wildcards.split(", ")] if self.wildcards else []
        return f"rule_{self.rule}" + (f"_wildcards_{'_'.join(values).replace('/', '_')}" if values else "")


def parse_jobs(text: str) -> tuple[list[Job], dict[int, tuple[str, Path]]]:
    """Jobs (rule blocks) and submissions (Snakemake jobid -> SLURM job id, SLURM log)."""
    jobs: list[Job] = []
    submissions: dict[int, list[tuple[str, Path]]] = {}
    current = None
    for line in text.splitlines():
        if m := RULE_HEADER.match(line):
            current = Job(m["rule"], m["kind"] == "localrule")
            jobs.append(current)
            continue
        if current is not None and line.startswith("    ") and ": " in line:
            key, value = line.strip().split(": ", 1)
            current.fields.setdefault(key, value)
            continue
        current = None
        if m := SUBMITTED.match(line):
            submissions.setdefault(int(m["jobid"]), []).append((m["slurm"], Path(m["log"])))
    twice = {k: v for k, v in submissions.items() if len(v) > 1}
    assert not twice, f"jobs submitted more than once (a retry after a failure?): {twice}"
    return jobs, {k: v[0] for k, v in submissions.items()}


def sacct(since: str, workdir: Path) -> pd.DataFrame:
    """SLURM's accounting records (allocations and their steps) of the jobs run from workdir."""
    cols = ["JobIDRaw", "JobName", "Partition", "AllocTRES", "State", "ExitCode", "Comment", "WorkDir"]
    out = subprocess.run(["sacct", "-a", "-P", "-n", "-S", since, "--format=" + ",".join(cols)],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    rows = [line.split("|", len(cols) - 1) for line in out.splitlines() if line.strip()]
    frame = pd.DataFrame(rows, columns=cols)
    frame["alloc"] = frame.JobIDRaw.str.split(".").str[0]
    mine = set(frame.alloc[(~frame.JobIDRaw.str.contains(r"\.")) & (frame.WorkDir == str(workdir))])
    return frame[frame.alloc.isin(mine)].reset_index(drop=True)


def clean_env() -> dict:
    """The environment for Snakemake: no SLURM or GPU settings of the calling shell leak into
    the jobs (sbatch --export=ALL passes the submitting environment on)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLURM_", "SBATCH_", "SRUN_")) and k not in ("CUDA_VISIBLE_DEVICES", "PYTEST_CURRENT_TEST")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in [str(REPO / "src"), env.get("PYTHONPATH", "")] if p)
    return env


@dataclass
class SlurmRun:
    workdir: Path
    jobs: list[Job]
    submissions: dict[int, tuple[str, Path]]
    accounting: pd.DataFrame
    planned: Counter

    def remote_jobs(self) -> list[Job]:
        return [j for j in self.jobs if j.rule not in TARGET_RULES]

    def record(self, job: Job) -> pd.Series:
        slurm_id = self.submissions[job.jobid][0]
        rows = self.accounting[self.accounting.JobIDRaw == slurm_id]
        assert len(rows) == 1, f"{job.rule} ({job.wildcards}): no sacct record of SLURM job {slurm_id}"
        return rows.iloc[0]

    def step(self, job: Job) -> pd.Series:
        slurm_id = self.submissions[job.jobid][0]
        rows = self.accounting[self.accounting.JobIDRaw == f"{slurm_id}.0"]
        assert len(rows) == 1, f"{job.rule} ({job.wildcards}): SLURM job {slurm_id} has no job step 0"
        return rows.iloc[0]

    def prolog(self, job: Job) -> dict[str, dict]:
        """The TaskProlog lines of this job's SLURM log, by step ('unset' = the batch step)."""
        slurm_id, log = self.submissions[job.jobid]
        lines = [m.groupdict() for m in map(PROLOG.match, log.read_text().splitlines()) if m]
        assert all(line["job"] == slurm_id for line in lines), (log, lines)
        return {line["step"]: line for line in lines}


def snakemake(workdir: Path, *args: str, timeout: int) -> subprocess.CompletedProcess:
    cmd = [SNAKEMAKE, "--profile", str(PROFILE), "-s", str(REPO / "Snakefile"), "-d", str(workdir), *args,
           "--configfile", str(REPO / "config" / "config.yaml"), str(TINY), str(workdir / "meme.yaml")]
    return subprocess.run(cmd, cwd=workdir, env=clean_env(), capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def slurm_run(tmp_path_factory) -> SlurmRun:
    for tool in ("sbatch", "squeue", "sacct", "scontrol", "tomtom"):
        assert shutil.which(tool), f"'{tool}' not on PATH: run `make test-system` (it starts SLURM and builds tomtom)"
    ping = subprocess.run(["scontrol", "ping"], capture_output=True, text=True, timeout=30)
    assert "UP" in ping.stdout, f"no slurmctld answers ({ping.stdout.strip()} {ping.stderr.strip()}): run `make test-system`"

    workdir = tmp_path_factory.mktemp("slurm_run").resolve()
    (workdir / "meme.yaml").write_text(MEME_ENGINE)
    dry = snakemake(workdir, "-n", "--quiet", "rules", timeout=300)
    assert dry.returncode == 0, dry.stderr[-3000:]
    planned = Counter({r[0]: int(r[1]) for r in (line.split() for line in dry.stdout.splitlines())
                       if len(r) == 2 and r[1].isdigit() and r[0] != "total"})
    assert planned["train"] >= 2 and planned["tomtom"] >= 2, dry.stdout

    since = (datetime.now() - timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%S")
    # the profile as it is; only: keep the job logs (read below), check status sooner
    result = snakemake(workdir, "--slurm-keep-successful-logs", "--slurm-init-seconds-before-status-checks", "2",
                       timeout=2700)
    (workdir / "snakemake.stderr").write_text(result.stderr)
    assert result.returncode == 0, f"snakemake failed (log: {workdir / 'snakemake.stderr'}):\n{result.stderr[-4000:]}"
    jobs, submissions = parse_jobs(result.stderr)
    submitted = {s for s, _ in submissions.values()}
    for _ in range(30):  # the accounting of the last jobs may arrive a moment later
        accounting = sacct(since, workdir)
        done = accounting[accounting.JobIDRaw.isin(submitted | {f"{s}.0" for s in submitted})]
        if len(done) == 2 * len(submitted) and (done.State == "COMPLETED").all():
            break
        time.sleep(2)
    return SlurmRun(workdir, jobs, submissions, accounting, planned)


def test_every_job_ran_as_a_slurm_job(slurm_run):
    run = slurm_run
    local = [j.rule for j in run.jobs if j.local]
    assert local == ["all"], f"jobs run outside SLURM (localrule): {local}"
    remote = run.remote_jobs()
    assert Counter(j.rule for j in remote) == run.planned - Counter({r: run.planned[r] for r in TARGET_RULES}), \
        "the jobs Snakemake ran are not the jobs the dry run planned"
    assert not [j for j in remote if j.local]
    missing = [(j.rule, j.wildcards) for j in remote if j.jobid not in run.submissions]
    assert not missing, f"jobs never submitted to SLURM: {missing}"
    assert set(run.submissions) == {j.jobid for j in remote}

    allocations = run.accounting[~run.accounting.JobIDRaw.str.contains(r"\.")]
    assert set(allocations.JobIDRaw) == {s for s, _ in run.submissions.values()}, \
        "SLURM ran other jobs from this working directory than Snakemake submitted"
    for job in remote:
        where = f"{job.rule} ({job.wildcards or 'no wildcards'})"
        record, step = run.record(job), run.step(job)
        assert (record.State, record.ExitCode) == ("COMPLETED", "0:0"), (where, record.to_dict())
        assert (step.State, step.ExitCode) == ("COMPLETED", "0:0"), (where, step.to_dict())
        assert record.Comment == job.comment(), where
        # the job's own output: the task that ran the rule is step 0 of this SLURM job
        slurm_id, log = run.submissions[job.jobid]
        assert log.parent == run.workdir / ".snakemake/slurm_logs" / f"rule_{job.rule}" / \
            (job.comment().split("_wildcards_", 1)[1] if job.wildcards else "") and log.name == f"{slurm_id}.log"
        text = log.read_text()
        prolog = run.prolog(job)
        assert set(prolog) == {"unset", "0"}, f"{where}: task records {sorted(prolog)} in {log}"
        step0 = text[text.index(f"motifrep-ci-task job={slurm_id} step=0 "):]
        start = step0.index(f"\nlocalrule {job.rule}:\n")
        block = step0[start:step0.index(f"Finished jobid: 0 (Rule: {job.rule})", start)]
        wildcards = [line.strip() for line in block.splitlines() if line.startswith("    wildcards: ")]
        assert wildcards == ([f"wildcards: {job.wildcards}"] if job.wildcards else []), f"{where}: {log}"


def gpu_tres(tres: str) -> str | None:
    """The GPU entry of an AllocTRES string (``gres/gpu=1``), or None."""
    found = [t for t in tres.split(",") if t.startswith("gres/gpu")]
    return ",".join(found) or None


def test_gpu_gres_exactly_for_the_gpu_rules(slurm_run):
    """Training (and attribution) jobs were given the GPU GRES and saw it; no other job was."""
    run = slurm_run
    remote = run.remote_jobs()
    problems = []
    declared = {j.rule for j in remote if j.declares_gpu}
    if declared != GPU_RULES:
        problems.append(f"rules that declare gpu=1: {sorted(declared)}, expected {sorted(GPU_RULES)}")
    if not sum(j.rule == "train" for j in remote) == run.planned["train"] >= 2:
        problems.append(f"training jobs: {sum(j.rule == 'train' for j in remote)} of {run.planned['train']} planned")
    for job in remote:
        if job.jobid not in run.submissions:
            problems.append(f"{job.rule} ({job.wildcards}): not run as a SLURM job")
            continue
        record, step, prolog = run.record(job), run.step(job), run.prolog(job)
        seen = {"job TRES": gpu_tres(record.AllocTRES), "step TRES": gpu_tres(step.AllocTRES),
                "CUDA_VISIBLE_DEVICES": prolog["0"]["cuda"], "SLURM_STEP_GPUS": prolog["0"]["step_gpus"],
                "SLURM_JOB_GPUS (batch)": prolog["unset"]["job_gpus"]}
        if job.rule in GPU_RULES:
            expected = {"job TRES": "gres/gpu=1", "step TRES": "gres/gpu=1", "CUDA_VISIBLE_DEVICES": "0",
                        "SLURM_STEP_GPUS": "0", "SLURM_JOB_GPUS (batch)": "0"}
        else:
            expected = {"job TRES": None, "step TRES": None, "CUDA_VISIBLE_DEVICES": "unset", "SLURM_STEP_GPUS": "unset",
                        "SLURM_JOB_GPUS (batch)": "unset"}
        if seen != expected:
            problems.append(f"{job.rule} ({job.wildcards}), SLURM job {run.submissions[job.jobid][0]}: {seen}")
    assert not problems, "GPU allocation differs from the rules' gpu=1:\n" + "\n".join(problems)


def test_partitions_follow_the_profile(slurm_run):
    profile = yaml.safe_load((PROFILE / "config.yaml").read_text())
    default = profile["default-resources"]["slurm_partition"]
    per_rule = {rule: res["slurm_partition"] for rule, res in profile.get("set-resources", {}).items()
                if "slurm_partition" in res}
    assert {per_rule.get(r, default) for r in GPU_RULES} == {"gpu"} and default == "cpu"
    wrong = []
    for job in slurm_run.remote_jobs():
        want = per_rule.get(job.rule, default)
        if job.jobid not in slurm_run.submissions:
            wrong.append((job.rule, job.wildcards, "not a SLURM job"))
        elif {slurm_run.record(job).Partition, slurm_run.prolog(job)["0"]["partition"]} != {want}:
            wrong.append((job.rule, job.wildcards, slurm_run.record(job).Partition))
    assert not wrong, f"jobs in another partition than profiles/slurm asks for: {wrong}"


def test_meme_engine_end_to_end(slurm_run):
    """The Tomtom jobs ran MEME's tomtom, and its tables equal memelite's on the same filters."""
    run = slurm_run
    engine = pd.read_csv(run.workdir / "results/tomtom_engine.tsv", sep="\t", header=None, index_col=0)[1]
    assert engine["engine"] == "meme"
    jaspar = read_meme(run.workdir / "results/jaspar/motifs.meme")
    tables = sorted(run.workdir.glob("results/*/models/*/*/trial_*/tomtom/layer1.tsv"))
    assert len(tables) == run.planned["tomtom"]
    workflow, lite = set(), set()
    best_same = best_total = 0
    for table in tables:
        run_dir = table.parent.parent
        ours = read_tomtom_tsv(table)
        assert (ours["E-value"] <= 0.1).all()
        mine = run_tomtom(read_meme(run_dir / "filters/layer1.meme"), jaspar, engine="memelite", thresh=0.1)
        tag = str(run_dir)
        workflow |= {(tag, q, t) for q, t in zip(ours.Query_ID, ours.Target_ID)}
        lite |= {(tag, q, t) for q, t in zip(mine.Query_ID, mine.Target_ID)}
        b1 = ours.loc[ours.groupby("Query_ID")["E-value"].idxmin()].set_index("Query_ID").Target_ID
        b2 = mine.loc[mine.groupby("Query_ID")["E-value"].idxmin()].set_index("Query_ID").Target_ID
        best_total += len(set(b1.index) | set(b2.index))
        best_same += sum(b1.get(f) == b2.get(f) for f in set(b1.index) | set(b2.index))
    logs = list((run.workdir / "logs/tomtom").rglob("*_layer1.log"))
    assert len(logs) == len(tables) and all(re.search(r" INFO meme: \d+ hits", p.read_text()) for p in logs)
    jac = len(workflow & lite) / len(workflow | lite)
    assert len(lite) >= 20, f"too few memelite hits ({len(lite)}) for a comparison"
    assert jac >= 0.98, f"meme (workflow) vs memelite pairs: Jaccard {jac:.3f} ({len(workflow)} vs {len(lite)} pairs)"
    assert best_same / best_total >= 0.95, f"best target agrees for {best_same}/{best_total} filters"
