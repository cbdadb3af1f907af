"""The OCR image runs what it builds: an environment made from exactly its requirements file
imports its handler and reads an ID card, talking to a moto server as it would to AWS.

Every pin must have a wheel for the image's platform (CPython 3.11, glibc 2.34): the wheels are
downloaded for that platform, then installed, without dependency resolution, into a fresh venv
that sees nothing of the project's. The handler module is copied as the Dockerfile copies it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import boto3
import pytest

from chalicelib.documents.dynamo import DynamoDocumentRepository
from chalicelib.documents.port import Document, DocumentStatus, object_key
from demo.idcard import fake_person, front_photo
from localcloud.template import load_globals, table_create_args

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
IMAGE = ROOT / "infra" / "ocr-image"
# Amazon Linux 2023's glibc is 2.34: any manylinux wheel up to that runs there.
PLATFORMS = [f"manylinux_2_{v}_x86_64" for v in (5, 12, 17, 24, 26, 27, 28, 31, 34)] + [
    "manylinux2014_x86_64",
    "manylinux2010_x86_64",
    "manylinux1_x86_64",
]


def test_the_dockerfile_installs_exactly_its_pinned_requirements() -> None:
    dockerfile = (IMAGE / "Dockerfile").read_text()
    assert "--no-deps" in dockerfile and "-r /tmp/requirements.txt" in dockerfile
    assert 'CMD ["chalicelib.ocr_entry.handler"]' in dockerfile
    pins = [
        line
        for line in (IMAGE / "requirements.txt").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert pins and all("==" in p and ";" not in p for p in pins), "every package pinned"


@pytest.fixture(scope="module")
def image_env(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("ocr-image")
    wheels = where / "wheels"
    platform_args = [a for p in PLATFORMS for a in ("--platform", p)]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--only-binary=:all:",
            "--python-version",
            "3.11",
            "--implementation",
            "cp",
            *platform_args,
            "-d",
            str(wheels),
            "-r",
            str(IMAGE / "requirements.txt"),
        ],
        check=True,
        timeout=900,
    )
    # A bare venv (no pip of its own: the image has none of ours either), its site-packages
    # filled by our pip with exactly those wheels; no byte-compiling, which only saves time later.
    venv = where / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import sysconfig; print(sysconfig.get_path('purelib'))",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        + ["--no-index", "--no-deps", "--no-compile", "--target", site]
        + [str(w) for w in sorted(wheels.glob("*.whl"))],
        check=True,
        timeout=900,
    )
    task_root = where / "task"
    shutil.copytree(ROOT / "functions" / "chalicelib", task_root / "chalicelib")
    return where


def _run(image_env: Path, code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(image_env / "venv" / "bin" / "python"), "-c", code],
        cwd=image_env / "task",
        env={"PATH": os.environ["PATH"], "PYTHONPATH": str(image_env / "task"), **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_image_has_no_chalice_and_its_handler_imports(image_env: Path) -> None:
    out = _run(image_env, "import chalice", {})
    assert out.returncode != 0 and "No module named 'chalice'" in out.stderr
    out = _run(image_env, "import chalicelib.ocr_entry", {})
    assert out.returncode == 0, out.stderr


def test_the_image_reads_a_card_uploaded_to_s3(image_env: Path) -> None:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    aws = {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    try:
        session = boto3.session.Session(
            region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
        )
        session.client("dynamodb", endpoint_url=endpoint).create_table(
            **table_create_args("ocr-image")
        )
        session.client("s3", endpoint_url=endpoint).create_bucket(Bucket="ocr-image-docs")
        # GIVEN a document slot and the photo of a card, uploaded
        person = fake_person(4242)
        doc_id = f"doc_{uuid.uuid4().hex[:26]}"
        table = session.resource("dynamodb", endpoint_url=endpoint).Table("ocr-image")
        DynamoDocumentRepository(table).create(
            Document(doc_id, "u-1", "image/jpeg", DocumentStatus.AWAITING_UPLOAD, "2026-01-01")
        )
        session.client("s3", endpoint_url=endpoint).put_object(
            Bucket="ocr-image-docs", Key=object_key(doc_id), Body=front_photo(person, seed=4242)
        )
        event = {
            "Records": [
                {
                    "s3": {
                        "bucket": {"name": "ocr-image-docs"},
                        "object": {"key": object_key(doc_id)},
                    }
                }
            ]
        }
        settings = {
            "LENDING_TABLE": "ocr-image",
            "DOCUMENTS_BUCKET": "ocr-image-docs",
            "ORIGINATION_STATE_MACHINE_ARN": "arn:aws:states:us-east-1:1:stateMachine:o",
            "DISBURSEMENT_STATE_MACHINE_ARN": "arn:aws:states:us-east-1:1:stateMachine:d",
            "REPAYMENT_STATE_MACHINE_ARN": "arn:aws:states:us-east-1:1:stateMachine:r",
            "MODEL_DIR": "chalicelib/model",
            "AUTH_MODE": "cognito",
            "AUTH_JWKS_URL": "https://cognito-idp.us-east-1.amazonaws.com/p/.well-known/jwks.json",
            "AUTH_ISSUER": "https://cognito-idp.us-east-1.amazonaws.com/p",
            "AUTH_AUDIENCE": "client",
            "PII_PEPPER_PARAMETER": "/weili/pii-pepper:1",
            "BUSINESS_CLOCK": "wall",
            "EVENT_BUS_NAME": "ocr-image-notifications",
            "CLOSE_OF_BUSINESS_STATE_MACHINE_ARN": "arn:aws:states:us-east-1:1:stateMachine:c",
            "CLOSE_OF_BUSINESS_PREFIX": "close-of-business/",
        }
        # What Lambda gives it: every variable the template sets for every function (a new
        # one missing here would fail below with MissingSetting, less clearly).
        globals_ = load_globals()["Function"]["Environment"]["Variables"]
        assert set(globals_) - set(settings) <= {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_LOG_LEVEL"}
        # WHEN the image's handler is invoked with the S3 event, as Lambda invokes it
        code = (
            "import json, os; from chalicelib.ocr_entry import handler;"
            "print(json.dumps(handler(json.loads(os.environ['OCR_EVENT']), None)))"
        )
        env = {**aws, **settings, "OCR_EVENT": json.dumps(event), "POWERTOOLS_LOG_LEVEL": "WARNING"}
        out = _run(image_env, code, env)
        assert out.returncode == 0, out.stderr
        # THEN it read the card: the document holds the name and ID number on it
        assert json.loads(out.stdout.strip().splitlines()[-1]) == {"documents": {doc_id: "READ"}}
        doc = DynamoDocumentRepository(table).get(doc_id)
        assert doc is not None and doc.status is DocumentStatus.READ
        assert (doc.fields.get("name"), doc.fields.get("id_number")) == (
            person.name,
            person.id_number,
        )
    finally:
        server.stop()
