"""The CI examples in docs/ci/ (for forges without server hooks): whole history, the
signed head of a pull request, and a job that fails when verify finds something."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import git

CI = Path(__file__).resolve().parents[1] / "docs" / "ci"


def load(name: str) -> dict[str, Any]:
    data = yaml.safe_load((CI / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def github_steps() -> list[dict[str, Any]]:
    steps = load("github-actions.yml")["jobs"]["verify"]["steps"]
    assert isinstance(steps, list)
    return steps


def verify_commands() -> dict[str, str]:
    """The shell text that runs verify, per example."""
    github = next(s["run"] for s in github_steps() if "techxfer verify" in s.get("run", ""))
    gitlab = next(line for line in load("gitlab-ci.yml")["techxfer-verify"]["script"]
                  if "techxfer verify" in line)
    return {"github": github, "gitlab": gitlab}


def test_github_checks_out_the_whole_history_at_the_signed_head() -> None:
    checkout = next(s for s in github_steps() if s.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0
    assert "github.event.pull_request.head.sha" in checkout["with"]["ref"]
    assert any(s.get("if") == "always()" and "upload-artifact" in s.get("uses", "") for s in github_steps())


def test_gitlab_fetches_the_whole_history() -> None:
    job = load("gitlab-ci.yml")["techxfer-verify"]
    assert job["variables"]["GIT_DEPTH"] == "0" and job["artifacts"]["when"] == "always"


@pytest.mark.parametrize("forge", ["github", "gitlab"])
def test_the_job_passes_a_clean_history_and_fails_on_a_finding(forge: str, repo: Path) -> None:
    command = verify_commands()[forge]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}

    def job() -> tuple[int, dict[str, Any]]:
        proc = subprocess.run(["bash", "-c", command], cwd=repo, env=env, capture_output=True, text=True)
        return proc.returncode, json.loads((repo / "techxfer-verify.json").read_text(encoding="utf-8"))

    rc, result = job()
    assert rc == 0 and result["ok"] is True
    git(repo, "commit", "-q", "--allow-empty", "-m", "unsigned")
    rc, result = job()
    assert rc == 1 and {f["code"] for f in result["findings"]} == {"UNSIGNED_COMMIT"}
