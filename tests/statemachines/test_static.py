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
AWS_ERRORS = re.compile(r"^(States|Lambda|Runtime|Sandbox)\.[A-Za-z]+$")


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


# --- Valid on AWS and on the local engine -------------------------------------------------
# The same file runs in both places, so it is checked against both: AWS's rules as two
# offline validators know them (statelint, a port of awslabs/statelint; cfn-lint's schema of
# a state machine definition, rule E3601), and the local engine's parser with its patches.

# Where statelint is stricter than AWS, or behind it. AWS accepts an integer BackoffRate
# (statelint's own CLI offers to ignore FLOAT problems for this), and ReaderConfig.InputType
# (JSON, JSONL, CSV, MANIFEST, PARQUET) is how AWS's docs read a JSON file from S3, a field
# statelint does not know; test_item_readers_name_an_input_type_aws_knows checks it instead.
STATELINT_GAPS = re.compile(r'^Field "InputType" not allowed in .*\.ItemReader\.ReaderConfig$')
READER_INPUT_TYPES = {"JSON", "JSONL", "CSV", "MANIFEST", "PARQUET"}


def rendered(path: Path) -> str:
    """The file as Step Functions receives it: every token replaced by what infra resolves."""
    from localcloud.provision import LocalNames, substitute
    from localcloud.template import load_parameters

    subs = _substitutions_for(path)
    resources = load_resources()
    functions = {
        v["Fn::GetAtt"][0]
        for v in subs.values()
        if isinstance(v, dict) and "Fn::GetAtt" in v and v["Fn::GetAtt"][0] not in resources
    }
    names = LocalNames(
        stack="weili",
        functions=functions,
        parameters={k: str(v.get("Default", "")) for k, v in load_parameters().items()},
    )
    names.resources = resources
    return substitute(path.read_text(), {k: str(names.resolve(v)) for k, v in subs.items()})


def statelint_problems(definition: str) -> list[str]:
    from statelint.config import Config
    from statelint.linter import Linter
    from statelint.problem import ProblemType

    problems = Linter.validate(definition, Config({ProblemType.FLOAT}))
    return [p for p in problems if not STATELINT_GAPS.match(p)]


def cfn_lint_problems(definition: str) -> list[str]:
    import cfnlint.api

    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "Machine": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "RoleArn": "arn:aws:iam::123456789012:role/machine",
                    "Definition": json.loads(definition),
                },
            }
        },
    }
    return [
        f"{m.rule.id} {m.message}"
        for m in cfnlint.api.lint_all(json.dumps(template))
        if m.rule.id.startswith("E3601")
    ]


def _maps(states: dict[str, dict]) -> list[dict]:
    out = []
    for state in states.values():
        if state["Type"] == "Map":
            out.append(state)
            out += _maps((state.get("ItemProcessor") or state["Iterator"])["States"])
        for branch in state.get("Branches", []):
            out += _maps(branch["States"])
    return out


@pytest.mark.parametrize("path", ASL_FILES, ids=lambda p: p.name)
def test_valid_on_aws_by_statelint(path: Path) -> None:
    assert statelint_problems(rendered(path)) == []


@pytest.mark.parametrize("path", ASL_FILES, ids=lambda p: p.name)
def test_valid_on_aws_by_cfn_lint(path: Path) -> None:
    assert cfn_lint_problems(rendered(path)) == []


@pytest.mark.parametrize("path", ASL_FILES, ids=lambda p: p.name)
def test_valid_on_the_local_engine(path: Path) -> None:
    from localcloud import distributed_map

    distributed_map.parse(rendered(path))  # raises on anything the engine cannot run


@pytest.mark.parametrize("path", ASL_FILES, ids=lambda p: p.name)
def test_item_readers_name_an_input_type_aws_knows(path: Path) -> None:
    for state in _maps(json.loads(path.read_text())["States"]):
        if "ItemReader" in state and state["ItemReader"]["Resource"].endswith("s3:getObject"):
            assert state["ItemReader"]["ReaderConfig"]["InputType"] in READER_INPUT_TYPES


COB = ROOT / "statemachines" / "close-of-business.asl.json"


def test_the_validators_check_the_distributed_map_fields() -> None:
    """What moto alone would need (a decimal percentage) and a misspelt field are refused."""
    doc = json.loads(rendered(COB))
    batches = doc["States"]["Close Loans In Batches"]
    batches["ToleratedFailurePercentage"] = 5.0
    assert any("ToleratedFailurePercentage" in p for p in statelint_problems(json.dumps(doc)))
    batches["ToleratedFailurePercentage"] = 5
    batches["ItemBatcher"]["MaxItemPerBatch"] = 100
    assert any("MaxItemPerBatch" in p for p in statelint_problems(json.dumps(doc)))
    del batches["ItemBatcher"]["MaxItemPerBatch"]
    batches["Batcher"] = batches.pop("ItemBatcher")
    assert any("Batcher" in p for p in cfn_lint_problems(json.dumps(doc)))


def test_moto_alone_still_refuses_what_aws_accepts() -> None:
    """Why localcloud/distributed_map.py exists. If this fails, moto has caught up: drop it."""
    from moto.stepfunctions.parser.asl.parse.asl_parser import (
        AmazonStateLanguageParser,
        ASLParserException,
    )

    with pytest.raises(ASLParserException, match="ItemBatcher"):
        AmazonStateLanguageParser.parse(rendered(COB))


# Found by the chaos run (tests/workflow/test_chaos.py): a busy table or a runtime that died
# mid-step failed the workflow (compensated a draw, left a repayment STUCK with the money taken).
CRASHES = {"Lambda.Unknown", "Runtime.ExitError", "Sandbox.Timedout"}


@pytest.mark.parametrize(
    "name", ["origination.asl.json", "disbursement.asl.json", "repayment.asl.json"]
)
def test_every_function_step_retries_a_busy_table_and_a_crashed_runtime(name: str) -> None:
    doc = json.loads((ROOT / "statemachines" / name).read_text())
    for state_name, state in doc["States"].items():
        if state["Type"] != "Task" or state["Resource"].startswith("arn:aws:states:::"):
            continue
        retried = {e for rule in state.get("Retry", []) for e in rule["ErrorEquals"]}
        assert CRASHES <= retried, f"{state_name} does not retry {CRASHES - retried}"
        if state_name in ("Pay Out", "Collect Repayment"):
            continue  # the bank alone: no table write to be busy
        assert retried & {"StoreBusy", "PostingContention"}, f"{state_name}: StoreBusy"
