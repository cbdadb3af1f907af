"""Smoke test of the built OCR image: its handler, under the Lambda runtime interface emulator,
reads an invented applicant's ID card from a moto server on this machine's loopback.

    python infra/ocr-image/smoke.py IMAGE      (CI: .github/workflows/pr.yml; needs docker)
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid

import boto3
import requests
from moto.server import ThreadedMotoServer

from chalicelib.documents.dynamo import DynamoDocumentRepository
from chalicelib.documents.port import Document, DocumentStatus, object_key
from demo.idcard import fake_person, front_photo
from localcloud.template import table_create_args

RIE_PORT = 8080  # the emulator's port inside the container; the container shares the host's network


def main(image: str) -> int:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    session = boto3.session.Session(
        region_name="us-east-1", aws_access_key_id="smoke", aws_secret_access_key="smoke"
    )
    session.client("dynamodb", endpoint_url=endpoint).create_table(**table_create_args("smoke"))
    session.client("s3", endpoint_url=endpoint).create_bucket(Bucket="smoke-docs")
    person = fake_person(4242)
    doc_id = f"doc_{uuid.uuid4().hex[:26]}"
    table = session.resource("dynamodb", endpoint_url=endpoint).Table("smoke")
    DynamoDocumentRepository(table).create(
        Document(doc_id, "u-1", "image/jpeg", DocumentStatus.AWAITING_UPLOAD, "2026-01-01")
    )
    session.client("s3", endpoint_url=endpoint).put_object(
        Bucket="smoke-docs", Key=object_key(doc_id), Body=front_photo(person, seed=4242)
    )
    env = {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "smoke",
        "AWS_SECRET_ACCESS_KEY": "smoke",
        "AWS_DEFAULT_REGION": "us-east-1",
        "LENDING_TABLE": "smoke",
        "DOCUMENTS_BUCKET": "smoke-docs",
        "ORIGINATION_STATE_MACHINE_ARN": "arn:aws:states:us-east-1:1:stateMachine:o",
        "DISBURSEMENT_STATE_MACHINE_ARN": "arn:aws:states:us-east-1:1:stateMachine:d",
        "REPAYMENT_STATE_MACHINE_ARN": "arn:aws:states:us-east-1:1:stateMachine:r",
        "MODEL_DIR": "chalicelib/model",
        "AUTH_MODE": "cognito",
        "AUTH_JWKS_URL": "https://cognito-idp.us-east-1.amazonaws.com/p/.well-known/jwks.json",
        "AUTH_ISSUER": "https://cognito-idp.us-east-1.amazonaws.com/p",
        "AUTH_AUDIENCE": "client",
        "PII_PEPPER_PARAMETER": "/weili/pii-pepper:1",
    }
    run = ["docker", "run", "-d", "--rm", "--network", "host"]
    run += [a for k, v in env.items() for a in ("-e", f"{k}={v}")]
    run += ["--entrypoint", "/usr/local/bin/aws-lambda-rie", image]
    run += ["/usr/bin/python3.11", "-m", "awslambdaric", "chalicelib.ocr_entry.handler"]
    container = subprocess.run(run, check=True, capture_output=True, text=True).stdout.strip()
    try:
        event = {"Records": [{"s3": {"object": {"key": object_key(doc_id)}}}]}
        url = f"http://127.0.0.1:{RIE_PORT}/2015-03-31/functions/function/invocations"
        for _ in range(60):
            try:
                answer = requests.post(url, json=event, timeout=120).json()
                break
            except requests.ConnectionError:
                time.sleep(1)
        else:
            raise SystemExit("the emulator never answered")
        doc = DynamoDocumentRepository(table).get(doc_id)
        ok = (
            answer == {"documents": {doc_id: "READ"}}
            and doc is not None
            and doc.fields.get("id_number") == person.id_number
        )
        print(json.dumps({"answer": answer, "read_id_number": ok}))
        return 0 if ok else 1
    finally:
        subprocess.run(["docker", "logs", container], check=False)
        subprocess.run(["docker", "stop", container], check=False, capture_output=True)
        server.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
