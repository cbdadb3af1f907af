"""`lending package`: the deployable artifacts, as CI builds them for CloudFormation.

1. The model artifact is copied into `functions/chalicelib/model/` (Lambda reads MODEL_DIR
   relative to its task root).
2. `chalice package --merge-template infra/resources.yaml` writes `infra/build/sam.yaml` and
   `infra/build/deployment.zip` (the zip functions; the OCR function is a container image
   built from infra/ocr-image/Dockerfile by `sam build`).
3. What every function and state machine gets alike is added to sam.yaml (stack.py): its own
   least-privilege role from infra/permissions.yaml, log group, tracing, alarms, on-failure
   queue.
4. The zip's unzipped size is checked against Lambda's 250 MB limit.

Deploy per stage with `sam build` and `sam deploy --config-env dev|staging|prod`
(samconfig.toml; docs/deploy.md).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ROOT / "functions"
BUILD = ROOT / "infra" / "build"
MODEL_SRC = ROOT / "models" / "german"
MODEL_DST = FUNCTIONS / "chalicelib" / "model"
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024
MODEL_FILES = ("model.joblib", "model_card.json")


@dataclass(frozen=True)
class Package:
    template: Path
    zip_path: Path
    unzipped_bytes: int

    @property
    def fits(self) -> bool:
        return self.unzipped_bytes < LAMBDA_UNZIPPED_LIMIT


def unzipped_size(zip_path: Path) -> int:
    with zipfile.ZipFile(zip_path) as z:
        return sum(i.file_size for i in z.infolist())


def copy_model() -> None:
    MODEL_DST.mkdir(parents=True, exist_ok=True)
    for name in MODEL_FILES:
        shutil.copy2(MODEL_SRC / name, MODEL_DST / name)


def build(out: Path = BUILD, stage: str = "prod", image_tag: str | None = None) -> Package:
    copy_model()
    out.mkdir(parents=True, exist_ok=True)
    chalice = Path(sys.executable).with_name("chalice")
    env = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1")}
    subprocess.run(
        [
            str(chalice),
            "package",
            "--stage",
            stage,
            "--merge-template",
            str(ROOT / "infra" / "resources.yaml"),
            "--template-format",
            "yaml",
            str(out),
        ],
        cwd=FUNCTIONS,
        env=env,
        check=True,
    )
    template_path = out / "sam.yaml"
    finish_template(template_path, image_tag)
    zip_path = out / "deployment.zip"
    return Package(template_path, zip_path, unzipped_size(zip_path))


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def finish_template(path: Path, image_tag: str | None = None) -> None:
    from localcloud.template import _CfnLoader

    from .stack import finish

    template = yaml.load(path.read_text(encoding="utf-8"), Loader=_CfnLoader)
    if image_tag:
        # `sam build` tags the image with this; `sam deploy` pushes it to ECR with it.
        for res in template["Resources"].values():
            if res.get("Properties", {}).get("PackageType") == "Image":
                res["Metadata"]["DockerTag"] = image_tag
    path.write_text(
        yaml.dump(finish(template), Dumper=_NoAliases, sort_keys=False, width=100),
        encoding="utf-8",
    )


def main(argv: list[str] | None = None) -> int:
    args = argv or []
    pkg = build(image_tag=args[1] if args[:1] == ["--image-tag"] else None)
    mb = pkg.unzipped_bytes / 1024 / 1024
    print(f"template  {pkg.template.relative_to(ROOT)}")
    print(f"package   {pkg.zip_path.relative_to(ROOT)}: {mb:.1f} MB unzipped (limit 250 MB)")
    return 0 if pkg.fits else 1
