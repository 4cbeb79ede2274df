"""Which model server `modelci serve` is built on: KServe's Python ModelServer or Seldon MLServer,
measured the same way in one run.

Each server gets its own venv (uv, cached under ~/.cache/modelci-bench/servers) beside
pandas >= 3, modelci's own: what the resolver picks tells what the server pins. Then each serves
the same trivial model (it decodes the request's columns into a DataFrame and answers zeros), so
what is timed is the server: cold start (process start to `/v2/models/m/ready` 200) and a
bounded loop of OIP v2 requests on loopback (1,500 per size, the first 100 dropped as warm-up),
single-row and 100-row. Prints install size, resolved versions, requests/s, p50 and p99.

  python benchmarks/bench_model_servers.py          # needs PyPI for the first run

The decision it informed (2026-12-04): a tie on speed; MLServer, because kserve 0.21 pins
pandas < 3 (with pandas 3 the resolver falls back to kserve 0.13.1 of 2024), its venv is larger
(it pulls the kubernetes client), and MLServer has custom REST handlers for /invocations.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

CACHE = Path.home() / ".cache" / "modelci-bench" / "servers"
SERVERS = {
    # name: (requirements, server script)
    "kserve": (
        ["kserve==0.21.*"],
        """
        import sys
        import kserve
        from kserve import InferOutput, InferResponse

        class M(kserve.Model):
            def __init__(self):
                super().__init__("m")
                self.ready = True

            async def predict(self, payload, headers=None, response_headers=None):
                n = len(payload.as_dataframe())
                out = InferOutput(name="predict", shape=[n], datatype="FP64", data=[0.0] * n)
                return InferResponse(model_name="m", infer_outputs=[out],
                                     response_id=payload.id or "r")

        port = int(sys.argv[1])
        kserve.ModelServer(http_port=port, grpc_port=port + 1, enable_grpc=False,
                           workers=1).start([M()])
        """,
    ),
    "mlserver": (
        ["mlserver==1.7.*"],
        """
        import asyncio, sys
        from mlserver import MLModel, MLServer, ModelSettings, Settings
        from mlserver.codecs import PandasCodec
        from mlserver.types import InferenceResponse, ResponseOutput

        class M(MLModel):
            async def load(self):
                return True

            async def predict(self, payload):
                n = len(PandasCodec.decode_request(payload))
                out = ResponseOutput(name="predict", shape=[n], datatype="FP64", data=[0.0] * n)
                return InferenceResponse(model_name=self.name, outputs=[out])

        port = int(sys.argv[1])
        settings = Settings(http_port=port, grpc_port=port + 1, metrics_port=port + 2,
                            parallel_workers=0, host="127.0.0.1", debug=False, _env_file=None)
        asyncio.run(MLServer(settings).start([ModelSettings(name="m", implementation=M)]))
        """,
    ),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def venv_for(name: str, requirements: list[str]) -> Path:
    folder = CACHE / name
    python = folder / "bin" / "python"
    if not python.exists():
        subprocess.run(["uv", "venv", "-q", "--python", sys.executable, str(folder)], check=True)
        subprocess.run(
            [
                "uv",
                "pip",
                "install",
                "-q",
                "--python",
                str(python),
                *requirements,
                "pandas>=3" if name != "kserve" else "pandas",
                "requests",
            ],
            check=True,
        )
    return python


def versions(python: Path) -> str:
    code = textwrap.dedent(
        """
        import importlib.metadata as m
        found = []
        for name in ("kserve", "mlserver", "pandas", "numpy", "fastapi", "uvicorn"):
            try:
                found.append(f"{name} {m.version(name)}")
            except m.PackageNotFoundError:
                pass
        print(", ".join(found))
        """
    )
    return subprocess.run([str(python), "-c", code], capture_output=True, text=True).stdout.strip()


def beside_pandas_3(name: str) -> str:
    """The version of `name` the resolver picks when pandas >= 3 must be installed with it."""
    resolved = subprocess.run(
        ["uv", "pip", "compile", "-q", "--no-header", "-"],
        input=f"{name}\npandas>=3\n",
        capture_output=True,
        text=True,
    )
    for line in resolved.stdout.splitlines():
        if line.startswith(f"{name}=="):
            return line.split("==", 1)[1]
    return "none: " + (resolved.stderr.strip().splitlines() or ["no resolution"])[-1]


def size_mb(folder: Path) -> float:
    total = 0
    for root, _, files in os.walk(folder):
        for file in files:
            path = Path(root) / file
            if not path.is_symlink():
                total += path.stat().st_size
    return total / 1e6


def measure(python: Path, script: Path) -> dict[str, float]:
    import requests

    port = free_port()
    began = time.perf_counter()
    server = subprocess.Popen(
        [str(python), str(script), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    session = requests.Session()
    try:
        deadline = began + 120
        while time.perf_counter() < deadline:
            try:
                url = f"http://127.0.0.1:{port}/v2/models/m/ready"
                if session.get(url, timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.02)
        out = {"cold_s": time.perf_counter() - began}
        for rows in (1, 100):
            body = json.dumps(
                {
                    "inputs": [
                        {"name": "a", "shape": [rows], "datatype": "FP64", "data": [1.0] * rows},
                        {"name": "b", "shape": [rows], "datatype": "BYTES", "data": ["x"] * rows},
                    ]
                }
            )
            latencies = []
            for _ in range(1500):
                sent = time.perf_counter()
                reply = session.post(
                    f"http://127.0.0.1:{port}/v2/models/m/infer",
                    data=body,
                    headers={"content-type": "application/json"},
                    timeout=5,
                )
                latencies.append(time.perf_counter() - sent)
                reply.raise_for_status()
            kept = sorted(latencies[100:])
            out[f"rps_{rows}"] = len(kept) / sum(kept)
            out[f"p50_{rows}_ms"] = kept[len(kept) // 2] * 1000
            out[f"p99_{rows}_ms"] = kept[int(len(kept) * 0.99)] * 1000
        return out
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        for name, (requirements, code) in SERVERS.items():
            python = venv_for(name, requirements)
            script = Path(folder) / f"serve_{name}.py"
            script.write_text(textwrap.dedent(code))
            figures = measure(python, script)
            print(
                f"{name:9s} with pandas>=3: {name} {beside_pandas_3(name)}; venv {size_mb(python.parents[1]):.0f} MB ({versions(python)}); "
                f"cold start {figures['cold_s']:.2f} s; "
                f"1 row: {figures['rps_1']:.0f} req/s, p50 {figures['p50_1_ms']:.2f} ms, "
                f"p99 {figures['p99_1_ms']:.2f} ms; "
                f"100 rows: {figures['rps_100']:.0f} req/s, p99 {figures['p99_100_ms']:.2f} ms"
            )


if __name__ == "__main__":
    main()
