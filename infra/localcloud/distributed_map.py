"""A Distributed Map as AWS runs it, on moto's Step Functions engine (engine.py, patch 13).

moto 5.2.5 runs a Distributed Map (ItemReader over S3, child workflows on threads), but an
ASL file that is valid on AWS could not run locally, and some of what did run was wrong:

- Its grammar has no `ItemBatcher`, no `ExecutionType: EXPRESS` and only a decimal
  `ToleratedFailurePercentage` (5.0; AWS's own schema, cfn-lint's and statelint's want an
  integer). Before parsing, `rewrite` takes out what the grammar cannot hold and keeps it per
  Map state (`MapSettings`); after parsing, `parse` hangs it on that state's iteration
  component. Express children run like moto's Standard ones: in this process, once each.
- `ToleratedFailureCount`/`ToleratedFailurePercentage` were parsed and ignored, so a Map whose
  every child failed still succeeded. The Map Run now fails with
  `States.ExceedToleratedFailureThreshold` (catchable) once failures exceed the threshold, and
  starts no further children, as on AWS. A failed child counts all the items of its batch.
- Each worker thread ran its next child by recursing, so 1,000 children per worker overflowed
  Python's stack (10,000 items at MaxConcurrency 10: RecursionError). Workers now loop.
  Without a MaxConcurrency moto started one thread per item; here at most LOCAL_WORKERS.
- `ResultWriter` wrote an empty manifest, and read the paths of its Parameters (`Bucket.$`)
  from the children's outputs instead of the Map's input. It now writes SUCCEEDED_0.json,
  FAILED_0.json and PENDING_0.json (each child's input, and its output or error and cause)
  and a manifest listing them, in the shape AWS writes; also when the Map Run fails, so
  failures are recorded.

What a definition says is not changed: tests/workflow/test_distributed_map.py runs a file that
is also checked against AWS's rules offline (tests/statemachines/test_static.py).
"""

from __future__ import annotations

import copy
import datetime as dt
import importlib
import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

# Children run on threads; the engine is CPU-bound Python in one process, so a few threads
# keep it busy and more only contend for the GIL: each child's wall time grows with the threads
# sharing the interpreter, and a child's Task timeout (Close Loans: 240 s) is wall time. At 16
# (MaxConcurrency 10 on the COB's Maps) a 100,000-loan month-end night timed out a batch of 500
# that takes ~8 s of CPU. MaxConcurrency still bounds them, as on AWS, which may run fewer too.
LOCAL_WORKERS = 4
# AWS's limit on one child execution's input.
MAX_BATCH_BYTES = 262_144


class InvalidMapDefinition(ValueError):
    """A Map definition AWS would refuse; create_state_machine answers InvalidDefinition."""


@dataclass(frozen=True)
class Batcher:
    """A Map state's ItemBatcher."""

    max_items: int | None = None
    max_items_path: str | None = None
    max_bytes: int | None = None
    max_bytes_path: str | None = None
    batch_input: Any = None  # a payload template; evaluated by moto as a Pass state's Parameters


@dataclass
class MapSettings:
    """What moto's grammar cannot hold for one Map state, kept beside its parsed form."""

    batcher: Batcher | None = None
    declares_count: bool = False
    declares_percentage: bool = False
    batch_input: Any = None  # moto's Parargs for Batcher.batch_input, set by parse()
    result_writer: Any = None  # the state's ResultWriter component, set by parse()


# --- before and after moto's parser -------------------------------------------------------


def _map_states(states: dict[str, Any], path: tuple[Any, ...] = ()) -> Iterator[Any]:
    """(path, state) of every Map state, nested ones included; a path names the states down."""
    for name, state in states.items():
        here = (*path, name)
        if state.get("Type") == "Map":
            yield here, state
            body = state.get("ItemProcessor") or state.get("Iterator") or {}
            yield from _map_states(body.get("States", {}), here)
        elif state.get("Type") == "Parallel":
            for i, branch in enumerate(state.get("Branches", [])):
                yield from _map_states(branch.get("States", {}), (*here, i))


def _is_distributed(state: dict[str, Any]) -> bool:
    body = state.get("ItemProcessor") or {}
    return body.get("ProcessorConfig", {}).get("Mode") == "DISTRIBUTED"


def _positive_int(container: dict[str, Any], key: str, where: str) -> int | None:
    value = container.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidMapDefinition(f"{where}: {key} must be a positive integer, not {value!r}")
    return value


def rewrite(definition: str) -> tuple[str, dict[tuple[Any, ...], MapSettings]]:
    """The definition in moto's grammar, and the settings it cannot hold, per Map state path."""
    doc = json.loads(definition)
    settings: dict[tuple[Any, ...], MapSettings] = {}
    for path, state in _map_states(doc.get("States", {})):
        where = " / ".join(str(p) for p in path)
        mine = MapSettings(
            declares_count="ToleratedFailureCount" in state or "ToleratedFailureCountPath" in state,
            declares_percentage="ToleratedFailurePercentage" in state
            or "ToleratedFailurePercentagePath" in state,
        )
        batcher = state.pop("ItemBatcher", None)
        if batcher is not None:
            if not _is_distributed(state):
                raise InvalidMapDefinition(f"{where}: ItemBatcher needs a DISTRIBUTED Map")
            mine.batcher = Batcher(
                max_items=_positive_int(batcher, "MaxItemsPerBatch", where),
                max_items_path=batcher.get("MaxItemsPerBatchPath"),
                max_bytes=_positive_int(batcher, "MaxInputBytesPerBatch", where),
                max_bytes_path=batcher.get("MaxInputBytesPerBatchPath"),
                batch_input=batcher.get("BatchInput"),
            )
            if mine.batcher.max_bytes and mine.batcher.max_bytes > MAX_BATCH_BYTES:
                raise InvalidMapDefinition(f"{where}: MaxInputBytesPerBatch is at most 256 KiB")
        config = (state.get("ItemProcessor") or {}).get("ProcessorConfig", {})
        if config.get("ExecutionType") == "EXPRESS":
            config["ExecutionType"] = "STANDARD"  # children run in this process either way
        percentage = state.get("ToleratedFailurePercentage")
        if isinstance(percentage, int) and not isinstance(percentage, bool):
            state["ToleratedFailurePercentage"] = float(percentage)
        settings[path] = mine
    if not settings:
        return definition, settings  # no Map: moto parses the text as it was given
    return json.dumps(doc), settings


def _map_components(states: Any, path: tuple[Any, ...] = ()) -> Iterator[Any]:
    """The parsed counterpart of _map_states: (path, StateMap) for the same paths."""
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.state_map import StateMap
    from moto.stepfunctions.parser.asl.component.state.exec.state_parallel.state_parallel import (
        StateParallel,
    )

    for name, state in states.states.items():
        here = (*path, name)
        if isinstance(state, StateMap):
            yield here, state
            yield from _map_components(state.iteration_component._states, here)
        elif isinstance(state, StateParallel):
            for i, program in enumerate(state.branches.programs):
                yield from _map_components(program.states, (*here, i))


def _payload_template(template: Any) -> Any:
    """moto's evaluator for a payload template (`"key.$": "$.path"`): a Pass state's Parameters."""
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    pass_state = {"Type": "Pass", "Parameters": template, "End": True}
    program: Any = AmazonStateLanguageParser.parse(
        json.dumps({"StartAt": "P", "States": {"P": pass_state}})
    )[0]
    return program.states.states["P"].parameters


def parse(definition: str) -> Any:
    """Parse as moto does, with the Distributed Map fields it lacks (module docstring)."""
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration import (
        distributed_iteration_component as distributed,
    )
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    text, settings = rewrite(definition)
    program: Any = AmazonStateLanguageParser.parse(text)[0]
    for path, state in _map_components(program.states):
        mine = settings[path]
        component: Any = state.iteration_component
        if not isinstance(component, distributed.DistributedIterationComponent):
            continue
        if mine.batcher is not None and isinstance(mine.batcher.batch_input, dict):
            mine.batch_input = _payload_template(mine.batcher.batch_input)
        mine.result_writer = state.result_writer
        component._local_settings = mine
    return program


# --- while it runs ------------------------------------------------------------------------


@dataclass
class Child:
    """One child workflow execution: an item, or a batch of items."""

    index: int
    input: Any
    items: int
    status: str = "PENDING"
    output: Any = None
    error: str | None = None
    cause: str | None = None
    started: dt.datetime | None = None
    stopped: dt.datetime | None = None
    name: str = field(default_factory=lambda: str(uuid.uuid4()))


class MapRun:
    """The children of one Map Run, handed to workers until done or the threshold is passed."""

    def __init__(self, children: list[Child], settings: MapSettings, record: Any) -> None:
        self.children = children
        self.total_items = sum(c.items for c in children)
        self._settings = settings
        self._record = record
        self._next = 0
        self._failed_items = 0
        self._stopped = False
        self._lock = threading.Lock()
        self.unexpected: BaseException | None = None

    def next(self) -> Child | None:
        with self._lock:
            if self._stopped or self._next >= len(self.children):
                return None
            child = self.children[self._next]
            self._next += 1
            return child

    def finished(self, child: Child) -> None:
        with self._lock:
            if child.status != "SUCCEEDED":
                self._failed_items += child.items
                if self.threshold_passed():
                    self._stopped = True  # as on AWS: no further children are started

    def stop(self, exc: BaseException) -> None:
        with self._lock:
            self.unexpected = self.unexpected or exc
            self._stopped = True

    def threshold_passed(self) -> bool:
        """AWS: with no tolerance declared, one failed item fails the Map Run; else either limit."""
        failed = self._failed_items
        s, record = self._settings, self._record
        if not (s.declares_count or s.declares_percentage):
            return failed > 0
        if s.declares_count and failed > record.tolerated_failure_count:
            return True
        return bool(
            s.declares_percentage
            and self.total_items
            and failed * 100 / self.total_items > record.tolerated_failure_percentage
        )

    @property
    def failed_items(self) -> int:
        return self._failed_items


def _evaluate(template: Any, env: Any, map_input: Any, item: Any = None, index: int = 0) -> Any:
    """Evaluate an ItemSelector/Parameters/BatchInput component against the Map's input."""
    from moto.stepfunctions.parser.asl.eval.states import ItemData, MapData

    frame = env.open_inner_frame()
    try:
        if item is not None:
            frame.states.context_object.context_object_data["Map"] = MapData(
                Item=ItemData(Index=index, Value=item)
            )
        frame.states.reset(input_value=map_input)
        frame.stack.append(map_input)
        template.eval(frame)
        return frame.stack.pop()
    finally:
        env.delete_frame(frame)


def _limit(value: int | None, path: str | None, map_input: Any, what: str) -> int | None:
    if path is None:
        return value
    from moto.stepfunctions.parser.asl.utils.json_path import extract_json

    found = extract_json(path, map_input)
    if isinstance(found, bool) or not isinstance(found, int) or found <= 0:
        raise ValueError(f"{what} at {path} is {found!r}, not a positive integer")
    return found


def _size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def batches(
    items: list[Any], max_items: int | None, max_bytes: int | None, batch_input: Any
) -> list[dict[str, Any]]:
    """Items grouped as AWS's ItemBatcher does: {"BatchInput": ..., "Items": [...]}.

    A batch closes when it holds max_items, or when the next item would take the batch's JSON
    (BatchInput included) over max_bytes; an item that alone is over max_bytes goes alone.
    """
    head = {} if batch_input is None else {"BatchInput": batch_input}
    if max_items is None and max_bytes is None:
        max_bytes = MAX_BATCH_BYTES
    out: list[dict[str, Any]] = []
    current: list[Any] = []
    empty = _size({**head, "Items": []})
    size = empty  # of the batch's compact JSON: each item after the first adds a comma too
    for item in items:
        item_size = _size(item) if max_bytes is not None else 0
        full = (max_items is not None and len(current) >= max_items) or (
            max_bytes is not None and current and size + 1 + item_size > max_bytes
        )
        if full:
            out.append({**head, "Items": current})
            current, size = [], empty
        size += item_size + (1 if current else 0)
        current.append(item)
    if current:
        out.append({**head, "Items": current})
    return out


def _run_child(env: Any, program: Any, child: Child, selector: Any, map_input: Any) -> None:
    """Evaluate one child workflow in a frame of the Map's environment; record how it ended."""
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import EvalTimeoutError
    from moto.stepfunctions.parser.asl.eval.program_state import ProgramError, ProgramStopped
    from moto.stepfunctions.parser.asl.eval.states import ItemData, MapData

    child.started = dt.datetime.now(dt.UTC)
    frame = env.open_inner_frame()
    try:
        value = child.input
        if selector is not None:  # unbatched: the ItemSelector (or Parameters) builds the input
            value = _evaluate(selector, env, map_input, child.input, child.index)
        frame.states.context_object.context_object_data["Map"] = MapData(
            Item=ItemData(Index=child.index, Value=child.input)
        )
        frame.states.reset(input_value=value)
        child.input = value
        program.eval(frame)
        state = frame._program_state  # read, not deep-copied: the frame is ours alone
        if isinstance(state, ProgramError):
            child.status = "FAILED"
            child.error = (state.error or {}).get("error")
            child.cause = (state.error or {}).get("cause")
        elif isinstance(state, ProgramStopped):
            child.status = "ABORTED"
        else:
            child.status = "SUCCEEDED"
            child.output = frame.states.get_input()
    except EvalTimeoutError:
        child.status, child.error = "TIMED_OUT", "States.Timeout"
    except FailureEventException as exc:
        child.status = "FAILED"
        child.error, child.cause = exc.extract_error_cause_pair() or (None, None)
    finally:
        child.stopped = dt.datetime.now(dt.UTC)
        env.delete_frame(frame)


def _count(record: Any, child: Child) -> None:
    items, executions = record.item_counter, record.execution_counter
    items.running.offset(-child.items)
    executions.running.offset(-1)
    if child.status == "SUCCEEDED":
        items.succeeded.count(child.items)
        executions.succeeded.count()
    elif child.status == "TIMED_OUT":
        items.timed_out.count(child.items)
        executions.timed_out.count()
    elif child.status == "ABORTED":
        items.aborted.count(child.items)
        executions.aborted.count()
    else:
        items.failed.count(child.items)
        executions.failed.count()


def _work(env: Any, program: Any, run: MapRun, selector: Any, map_input: Any) -> None:
    record = run._record
    try:
        while (child := run.next()) is not None:
            record.item_counter.running.count(child.items)
            record.execution_counter.running.count()
            _run_child(env, program, child, selector, map_input)
            _count(record, child)
            run.finished(child)
    except BaseException as exc:  # an engine fault, not a child's failure: fail the Map Run
        run.stop(exc)


def _map_run(self: Any, env: Any, eval_input: Any) -> None:
    """DistributedIterationComponent._map_run: batch, run children, enforce the threshold."""
    items: list[Any] = env.stack.pop()
    settings: MapSettings = getattr(self, "_local_settings", None) or MapSettings()
    record = eval_input.map_run_record
    map_input = env.stack[-1] if env.stack else env.states.get_input()
    selector = eval_input.item_selector or eval_input.parameters
    if settings.batcher is not None:
        b = settings.batcher
        if selector is not None:  # AWS applies the ItemSelector to each item, then batches
            items = [_evaluate(selector, env, map_input, v, i) for i, v in enumerate(items)]
        head = None
        if settings.batch_input is not None:
            head = _evaluate(settings.batch_input, env, map_input)
        elif b.batch_input is not None:
            head = b.batch_input
        grouped = batches(
            items,
            _limit(b.max_items, b.max_items_path, map_input, "MaxItemsPerBatchPath"),
            _limit(b.max_bytes, b.max_bytes_path, map_input, "MaxInputBytesPerBatchPath"),
            head,
        )
        children = [Child(i, g, len(g["Items"])) for i, g in enumerate(grouped)]
        selector = None
    else:
        children = [Child(i, v, 1) for i, v in enumerate(items)]
    run = MapRun(children, settings, record)
    record.item_counter.total.count(run.total_items)
    record.execution_counter.total.count(len(children))
    record._local_run = run
    env._local_map_run_record = record
    env._local_map_input = map_input

    program = self._get_iteration_program()
    limit = record.max_concurrency or LOCAL_WORKERS
    workers = [
        threading.Thread(
            target=_work, args=(env, program, run, selector, map_input), name="map-run", daemon=True
        )
        for _ in range(max(1, min(limit, LOCAL_WORKERS, len(children))))
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if run.unexpected is not None:
        raise run.unexpected
    never_started = [c for c in children if c.status == "PENDING"]
    record.item_counter.pending.count(sum(c.items for c in never_started))
    record.execution_counter.pending.count(len(never_started))
    outputs = [c.output for c in children]
    if run.threshold_passed():
        if settings.result_writer is not None:  # failures are written down before failing
            env.stack.append(outputs)
            settings.result_writer.eval(env)
            env.stack.pop()
        raise _threshold_failure(env, run, record)
    env.stack.append(outputs)


def _threshold_failure(env: Any, run: MapRun, record: Any) -> Exception:
    from moto.stepfunctions.parser.api import ExecutionFailedEventDetails, HistoryEventType
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import (
        StatesErrorName,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    name = StatesErrorName(typ=StatesErrorNameType.StatesExceedToleratedFailureThreshold)
    cause = (
        f"The Map Run {record.map_run_arn} failed: {run.failed_items} of {run.total_items} "
        "items failed, more than its tolerated failure threshold."
    )
    return FailureEventException(
        failure_event=FailureEvent(
            env=env,
            error_name=name,
            event_type=HistoryEventType.ExecutionFailed,
            event_details=EventDetails(
                executionFailedEventDetails=ExecutionFailedEventDetails(
                    error=name.error_name, cause=cause
                )
            ),
        )
    )


# --- ResultWriter ---------------------------------------------------------------------------

_RESULT_WRITER_S3 = (
    "moto.stepfunctions.parser.asl.component.state.exec.state_map"
    ".result_writer.resource_eval.resource_eval_s3"
)


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat(timespec="milliseconds") if value else None


def result_entries(run: MapRun, record: Any) -> dict[str, list[dict[str, Any]]]:
    """Each child as AWS's result files list it, by file: SUCCEEDED, FAILED (also timed out and
    aborted), PENDING (never started because the Map Run failed first)."""
    files: dict[str, list[dict[str, Any]]] = {"SUCCEEDED": [], "FAILED": [], "PENDING": []}
    machine = record.map_state_machine_arn
    for c in run.children:
        entry: dict[str, Any] = {
            "ExecutionArn": f"{machine.replace(':stateMachine:', ':execution:')}:{c.name}",
            "Input": json.dumps(c.input, separators=(",", ":")),
            "InputDetails": {"Included": True},
            "Name": c.name,
            "StartDate": _iso(c.started),
            "StateMachineArn": machine,
            "Status": c.status,
            "StopDate": _iso(c.stopped),
        }
        if c.status == "SUCCEEDED":
            entry["Output"] = json.dumps(c.output, separators=(",", ":"))
            entry["OutputDetails"] = {"Included": True}
            files["SUCCEEDED"].append(entry)
        elif c.status == "PENDING":
            files["PENDING"].append(entry)
        else:
            entry["Error"] = c.error
            entry["Cause"] = c.cause
            files["FAILED"].append(entry)
    return files


def _put_results(env: Any, resource_runtime_part: Any, state_credentials: Any) -> None:
    """ResultWriter's s3:putObject: the result files and their manifest (module docstring)."""
    s3_writer = importlib.import_module(_RESULT_WRITER_S3)

    parameters = copy.deepcopy(env.stack.pop())
    env.stack.pop()  # the children's outputs: the run's record has them with their inputs
    s3 = s3_writer.ResourceEvalS3._get_s3_client(
        resource_runtime_part=resource_runtime_part, state_credentials=state_credentials
    )
    record = getattr(env, "_local_map_run_record", None)
    if record is None:
        record = env.map_run_record_pool_manager.get_all().pop()
    bucket, prefix = parameters["Bucket"], parameters.get("Prefix", "")
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    base = f"{prefix}{record.map_run_arn.split(':')[-1]}/"
    run: MapRun | None = getattr(record, "_local_run", None)
    listed: dict[str, list[dict[str, Any]]] = {"FAILED": [], "PENDING": [], "SUCCEEDED": []}
    if run is not None:
        for status, entries in result_entries(run, record).items():
            if entries:
                body = json.dumps(entries, separators=(",", ":")).encode()
                key = f"{base}{status}_0.json"
                s3.put_object(Bucket=bucket, Key=key, Body=body)
                listed[status].append({"Key": key, "Size": len(body)})
        written = [c for c in run.children if c.status != "PENDING"]
        record.item_counter.results_written.count(sum(c.items for c in written))
        record.execution_counter.results_written.count(len(written))
    manifest = {
        "DestinationBucket": bucket,
        "MapRunArn": record.map_run_arn,
        "ResultFiles": listed,
    }
    key = f"{base}manifest.json"
    s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(manifest, indent=2).encode())
    env.stack.append(
        {"MapRunArn": record.map_run_arn, "ResultWriterDetails": {"Bucket": bucket, "Key": key}}
    )


def _write_results(self: Any, env: Any) -> None:
    """ResultWriter._eval_body: its Parameters' paths read the Map state's input, as on AWS
    (moto read them from the children's outputs: "$.bucket could not be found")."""
    outputs = env.stack[-1]
    env.stack.append(getattr(env, "_local_map_input", outputs))
    self.parargs.eval(env=env)
    parameters = env.stack.pop()
    env.stack.pop()
    env.stack.append(parameters)
    self.resource_eval.eval_resource(env=env)


def install() -> None:
    """Patch moto's Distributed Map at run time (parsing goes through `parse`, see engine.py)."""
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration import (
        distributed_iteration_component as distributed,
    )

    s3_writer = importlib.import_module(_RESULT_WRITER_S3)

    from moto.stepfunctions.parser.asl.component.state.exec.state_map.result_writer import (
        result_writer_decl,
    )

    distributed.DistributedIterationComponent._map_run = _map_run
    result_writer_decl.ResultWriter._eval_body = _write_results
    s3_writer.ResourceEvalS3._handle_put_object = staticmethod(_put_results)
