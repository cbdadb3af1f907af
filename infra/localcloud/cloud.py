"""The local cloud in one process: moto's server, our resources, our functions, our API.

    with LocalCloud.start() as cloud:
        cloud.api_url  # chalice local on 127.0.0.1:8000 unless told otherwise

Settings the template cannot give a laptop (there is no Cognito or Lambda package here) are
the local_only values below; everything else comes from infra/resources.yaml. The PII pepper
is a SecureString in moto's SSM, read by the functions as on AWS.
"""

from __future__ import annotations

import importlib
import logging
import os
import secrets
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from . import calls, engine, s3_post_policy
from .api_server import ApiServer, GatewayApp
from .event_log import create_sink
from .lambda_pool import LambdaPool
from .lambda_router import InProcessLambda, handler_for
from .limits import ApiLimits
from .provision import (
    REGION,
    LocalNames,
    camel_to_snake,
    chalice_function_ids,
    function_environment,
    image_function_handlers,
    provision,
    render_definition,
)

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS_DIR = ROOT / "functions"
DEFAULT_MODEL_DIR = ROOT / "models" / "german"
STACK = "weili-local"
AUDIENCE = "weili-mobile"
ISSUER = "https://auth.local.weili"
# Values for the template's parameters that have no default (on AWS the deployer gives them).
# The Cognito ones only fill the environment; AUTH_* below are what the local API checks.
LOCAL_PARAMETERS = {
    "CognitoUserPoolId": "us-east-1_local",
    "CognitoAppClientIds": AUDIENCE,
    "PiiPepperVersion": "1",
}


def load_chalice_app() -> Any:
    if str(FUNCTIONS_DIR) not in sys.path:
        sys.path.insert(0, str(FUNCTIONS_DIR))
    return importlib.import_module("app").app


def _put_pepper(session: Any, names: LocalNames) -> None:
    """The PII pepper as a SecureString under the template's parameter name and key, as the
    deploy guide has an operator create it (docs/deploy.md)."""
    ssm = session.client("ssm")
    name = names.parameters["PiiPepperParameter"]
    for _ in range(int(names.parameters["PiiPepperVersion"])):
        ssm.put_parameter(
            Name=name,
            Value=secrets.token_urlsafe(32),
            Type="SecureString",
            KeyId=names.parameters["PiiPepperKeyArn"],
            Overwrite=True,
        )


def _recorder(names: LocalNames) -> calls.Recorder:
    """A recorder that names resources as infra/permissions.yaml does, in local names."""
    from chalicelib.businessclock.records import CLOCK_KEY

    from .provision import ACCOUNT
    from .template import load_permissions

    patterns = {k: str(names.resolve(v)) for k, v in load_permissions()["resources"].items()}
    parameter = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter{names.parameters['PiiPepperParameter']}"
    token_machines = [
        logical
        for logical, res in names.resources.items()
        if res["Type"] == "AWS::Serverless::StateMachine"
        and ".waitForTaskToken" in render_definition(names, res["Properties"])
    ]
    return calls.Recorder(
        patterns=patterns,
        region=REGION,
        account=ACCOUNT,
        parameter_keys={parameter: names.parameters["PiiPepperKeyArn"]},
        token_machines=token_machines,
        local_only_keys=[CLOCK_KEY],
    )


def _quiet_servers() -> None:
    for name in ("werkzeug", "botocore", "urllib3", "waitress"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # "Task queue depth is N": requests waiting for a worker in a burst, which is the point.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    # The engine logs every execution that ends in a Fail state at ERROR, with the state's whole
    # repr: a debit that found the card empty ends so by design (its status is recorded, the
    # execution's history has it), and a night with a few of them buried the demo's output.
    # Other engine errors still print.
    logging.getLogger("moto.stepfunctions.parser.asl.component.eval_component").addFilter(
        _not_a_fail_state
    )


def _not_a_fail_state(record: logging.LogRecord) -> bool:
    return not str(record.msg % record.args if record.args else record.msg).startswith(
        "Exception=FailureEventException"
    )


FLOOR_FUNCTION = "floor_noop"


def _floor_noop(event: Any, context: Any) -> dict[str, Any]:
    # Satisfies every Choice on the approve path, so the floor walks the same states.
    return {
        "passed": True,
        "decline": False,
        "review": False,
        "outcome": "APPROVE",
        "affordable": True,
    }


def _create_floor_workflow(session: Any, names: LocalNames, router: InProcessLambda) -> str:
    """The origination ASL with every function replaced by a no-op: the engine's floor (bench/)."""
    from .provision import ACCOUNT, render_definition

    router.register(FLOOR_FUNCTION, _floor_noop)
    props = names.resources["OriginationStateMachine"]["Properties"]
    noop_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{STACK}-{FLOOR_FUNCTION}"
    text = render_definition(names, props, function_arn=noop_arn)
    return session.client("stepfunctions").create_state_machine(
        name=f"{STACK}-origination-floor",
        definition=text,
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/floor",
    )["stateMachineArn"]


COB_FLOOR_WORK_LIST = "floor_cob_work_list"


def work_list_location(bucket: str, business_date: str) -> dict[str, str]:
    """Where the COB floor finds its day's work list, and where its results go."""
    prefix = f"close-of-business/floor/{business_date}"
    return {
        "bucket": bucket,
        "key": f"{prefix}/work-list.json",
        "resultsPrefix": f"{prefix}/results",
        "linesKey": f"{prefix}/lines.json",  # empty: the floor's lines Map runs no child
        "linesResultsPrefix": f"{prefix}/line-results",
    }


def _create_close_of_business_floor(
    session: Any, names: LocalNames, router: InProcessLambda
) -> str:
    """The COB ASL with no-op functions: the same Distributed Map over a work list already in S3.

    Its "Write Work List" only points at `work_list_location` (bench/ puts the list there), so
    the floor times the engine: reading the list, batching, children, results. bench/ may
    create variants of it (another batch size) from its definition.
    """
    from .provision import ACCOUNT, render_definition

    bucket = names.ref("DocumentsBucket")

    def floor_work_list(event: Any, context: Any) -> dict[str, str]:
        return work_list_location(bucket, event["businessDate"])

    router.register(FLOOR_FUNCTION, _floor_noop)
    router.register(COB_FLOOR_WORK_LIST, floor_work_list)
    prefix = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{STACK}-"
    props = names.resources["CloseOfBusinessStateMachine"]["Properties"]
    text = render_definition(
        names,
        props,
        function_arn=prefix + FLOOR_FUNCTION,
        overrides={"WriteWorkListFunctionArn": prefix + COB_FLOOR_WORK_LIST},
    )
    return session.client("stepfunctions").create_state_machine(
        name=f"{STACK}-close-of-business-floor",
        definition=text,
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/floor",
    )["stateMachineArn"]


def _start_business_clock(session: Any, table_name: str, day: date | None) -> None:
    """A new local cloud opens on `day`, by default today's business date (Asia/Shanghai)."""
    from chalicelib.businessclock.dynamo import DynamoBusinessClock
    from chalicelib.clock import business_today

    table = session.resource("dynamodb").Table(table_name)
    DynamoBusinessClock(table).set(day or business_today())


def register_handler_modules(router: InProcessLambda, modules: list[str]) -> None:
    """Tests' own Lambda functions: each module's HANDLERS (name -> handler), by name."""
    for name in modules:
        for function, handler in importlib.import_module(name).HANDLERS.items():
            router.register(function, handler)


@dataclass
class LocalCloud:
    endpoint: str
    env: dict[str, str]
    router: InProcessLambda
    physical: dict[str, str]
    app: Any
    _moto: Any = None
    _mock: Any = None
    limits: ApiLimits | None = None
    pool: LambdaPool | None = None
    _api: ApiServer | None = None
    api_url: str | None = None

    @classmethod
    def start(
        cls,
        *,
        moto_port: int = 0,
        review_timeout_seconds: int = 86400,
        model_dir: Path = DEFAULT_MODEL_DIR,
        local_key: str | None = None,
        with_floor: bool = False,
        handler_modules: list[str] | None = None,
        record_calls: bool = False,
        lose_first_responses: bool = False,
        business_date: date | None = None,
        lambda_processes: int = 0,
    ) -> LocalCloud:
        """`lambda_processes` > 0 runs our functions in that many Lambda containers of their
        own (lambda_pool.py) instead of this process's threads: more cores for a long night.
        Recording calls hooks the functions' own process, so it runs them here."""
        from moto import mock_aws
        from moto.server import ThreadedMotoServer

        if lambda_processes and record_calls:
            raise ValueError("recording calls needs the functions in this process: no pool")
        _quiet_servers()
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
        os.environ["AWS_DEFAULT_REGION"] = REGION
        os.environ.pop("AWS_ENDPOINT_URL", None)
        # Two doors onto one set of moto backends: calls made in this process (our functions,
        # the Step Functions engine) are served in-process by moto's botocore stub, with no
        # HTTP hop; everything outside (phones, curl, the CLI, tests) uses the server.
        mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
        mock.start()
        engine.enable_state_machine_execution()
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        # Pre-signed upload URLs are for phones, so S3 alone is addressed through the server.
        os.environ["AWS_ENDPOINT_URL_S3"] = endpoint
        # Python's GIL switch interval stays at its default (5 ms). A 1 ms interval gained
        # nothing in bench/ (200 applications at 4 concurrent: 211.8 ms of CPU per decision at
        # 1 ms, 213.1 at 5 ms) and made the floor slower (p50 124.4 ms against 114.9).

        app = load_chalice_app()
        images = image_function_handlers()
        import boto3

        session = boto3.session.Session(region_name=REGION)
        pepper_key = session.client("kms").create_key(Description="PII pepper (local)")
        names = LocalNames(
            stack=STACK,
            functions=chalice_function_ids(app) | set(images),
            parameters={
                **LOCAL_PARAMETERS,
                "PiiPepperKeyArn": pepper_key["KeyMetadata"]["Arn"],
                "ReviewTimeoutSeconds": str(review_timeout_seconds),
            },
        )
        local_key = local_key or secrets.token_urlsafe(32)
        local_only = {
            "AUTH_MODE": "local",
            "AUTH_LOCAL_KEY": local_key,
            "AUTH_AUDIENCE": AUDIENCE,
            "AUTH_ISSUER": ISSUER,
            "AUTH_JWKS_URL": "",
            "MODEL_DIR": str(model_dir),
            # Quiet by default, as before; a developer sets INFO to see every step's JSON lines.
            "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
            # The business date is the table's, which `lending clock set/advance` moves.
            "BUSINESS_CLOCK": "table",
        }
        router = InProcessLambda.from_chalice(app, name_prefix=f"{STACK}-")
        for config in app.event_sources:  # scheduled jobs (model_drift), invoked by name
            router.register(config.name, handler_for(config.handler_string), config.handler_string)
        for logical, command in images.items():
            router.register(camel_to_snake(logical), handler_for(command), command)
        register_handler_modules(router, handler_modules or [])
        if lose_first_responses:
            router.lose_first_responses()
        engine.install(router)
        s3_post_policy.install()

        physical = provision(session, names)
        _put_pepper(session, names)
        if record_calls:
            calls.install(_recorder(names))
            calls.attribute_api_requests()
        physical["EventLog"] = create_sink(session, names.ref("NotificationsBus"))
        limits = ApiLimits.from_template(names.resources, names.resolve)
        if with_floor:
            physical["OriginationFloor"] = _create_floor_workflow(session, names, router)
            physical["CloseOfBusinessFloor"] = _create_close_of_business_floor(
                session, names, router
            )
        env = {**function_environment(names), **local_only}
        os.environ.update(env)
        _start_business_clock(session, physical["LendingTable"], business_date)
        from chalicelib import wiring

        wiring.use(None)  # read the settings just written
        pool = None
        if lambda_processes:
            pool = LambdaPool(lambda_processes)  # containers start with the env just written
            router.use_pool(pool)
        return cls(
            endpoint=endpoint,
            env=env,
            router=router,
            physical=physical,
            app=app,
            limits=limits,
            _moto=server,
            _mock=mock,
            pool=pool,
        )

    # --- the API: chalice local's gateway, served to take bursts (api_server.py) -------------

    def serve_api(self, host: str = "127.0.0.1", port: int = 8000) -> str:
        from chalice.config import Config
        from chalice.local import LocalGateway

        from .api_semantics import give_each_thread_its_own_request, install_gateway_semantics

        install_gateway_semantics()
        give_each_thread_its_own_request(self.app)
        config = Config.create(
            chalice_stage="local", app_name=self.app.app_name, environment_variables=self.env
        )
        gateway = LocalGateway(self.app, config)
        self._api = ApiServer(GatewayApp(gateway, self.limits), host, port)
        bound_host, bound_port = self._api.address
        self.api_url = f"http://{bound_host}:{bound_port}"
        self._api.start()
        return self.api_url

    def token(self, user_id: str, groups: tuple[str, ...] = ()) -> str:
        from chalicelib import wiring
        from chalicelib.auth import issue_local_token

        return issue_local_token(wiring.container().settings, user_id, groups=groups)

    def stop(self) -> None:
        if self._api is not None:
            self._api.stop()
        if self.pool is not None:
            self.router.use_pool(None)
            self.pool.stop()
        if self._moto is not None:
            self._moto.stop()
        if self._mock is not None:
            self._mock.stop()

    def __enter__(self) -> LocalCloud:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
