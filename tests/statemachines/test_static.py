"""Every ASL file, checked without running it: tokens, transitions, error names, bounded retries."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from chalicelib.errors import WORKFLOW_ERRORS
from localcloud.template import load_resources

ROOT = Path(__file__).resolve().parents[2]
ASL_FILES = sorted((ROOT / "statemachines").glob("*.asl.json"))
TOKEN = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
AWS_ERRORS = re.compile(r"^(States\.[A-Za-z]+|Lambda\.[A-Za-z]+)$")


def _substitutions_for(path: Path) -> dict[str, object]:
    for res in load_resources().values():
        props = res.get("Properties", {})
        if res["Type"] == "AWS::Serverless::StateMachine" and props["DefinitionUri"].endswith(
            "/" + path.name
        ):
            return props.get("DefinitionSubstitutions", {})
    raise AssertionError(f"{path.name} is not deployed by infra/resources.yaml")


def _states(doc: dict) -> dict[str, dict]:
    """All states, including those nested in Map/Parallel branches."""
    out = {}
    for name, state in doc["States"].items():
        out[name] = state
        for branch in state.get("Branches", []):
            out.update(_states(branch))
        if "ItemProcessor" in state:
            out.update(_states(state["ItemProcessor"]))
    return out


def test_there_are_workflows() -> None:
    assert ASL_FILES, "statemachines/ has no *.asl.json"


@pytest.mark.parametrize("path", ASL_FILES, ids=lambda p: p.name)
def test_every_token_has_a_substitution(path: Path) -> None:
    tokens = set(TOKEN.findall(path.read_text()))
    subs = _substitutions_for(path)
    assert tokens - set(subs) == set(), "tokens without DefinitionSubstitutions"
    assert set(subs) - tokens == set(), "DefinitionSubstitutions that the file never uses"


@pytest.mark.parametrize("path", ASL_FILES, ids=lambda p: p.name)
def test_transitions_and_errors(path: Path) -> None:
    doc = json.loads(path.read_text())
    assert doc["StartAt"] in doc["States"]
    states = _states(doc)
    reachable = {doc["StartAt"]}
    for name, state in states.items():
        targets = [state.get("Next"), state.get("Default")]
        targets += [c["Next"] for c in state.get("Choices", [])]
        targets += [c["Next"] for c in state.get("Catch", [])]
        for t in filter(None, targets):
            assert t in states, f"{name} -> {t}: no such state"
            reachable.add(t)
        if state["Type"] not in {"Choice", "Succeed", "Fail"}:
            assert state.get("Next") or state.get("End"), f"{name} neither continues nor ends"
        for rule in state.get("Retry", []) + state.get("Catch", []):
            for err in rule["ErrorEquals"]:
                assert AWS_ERRORS.match(err) or err in WORKFLOW_ERRORS, (
                    f"{name}: {err} is not an exception we raise"
                )
        for rule in state.get("Retry", []):
            # Bound every retry: a backoff that can wait days is a stuck application.
            assert rule.get("MaxAttempts", 3) <= 6, f"{name}: too many attempts"
            assert "MaxDelaySeconds" in rule, f"{name}: retry without MaxDelaySeconds"
        if state["Type"] == "Task":
            assert "TimeoutSeconds" in state or "TimeoutSecondsPath" in state, (
                f"{name}: task without a timeout"
            )
    top_level = set(doc["States"])
    assert top_level - reachable == set(), "unreachable states"


@pytest.mark.parametrize("path", ASL_FILES, ids=lambda p: p.name)
def test_every_failure_is_caught_to_a_recorded_end(path: Path) -> None:
    doc = json.loads(path.read_text())
    for name, state in doc["States"].items():
        if (
            state["Type"] == "Task"
            and not name.startswith("Record Failure")
            and "Compensat" not in state.get("Comment", "")
        ):
            catches = [e for c in state.get("Catch", []) for e in c["ErrorEquals"]]
            assert "States.ALL" in catches, f"{name} can fail without being recorded"


@pytest.mark.parametrize("path", ASL_FILES, ids=lambda p: p.name)
def test_state_names_read_as_words(path: Path) -> None:
    for name in json.loads(path.read_text())["States"]:
        assert re.match(r"^[A-Z][A-Za-z ]+\??$", name), f"{name!r} should read well in the console"
