"""Deeply nested JSON cannot kill a server worker (issue 19, item 1).

Importing the Ethereum libraries raised Python's recursion limit to 100,000 (py_ecc) so that nested
brackets overflowed the C stack: the worker died with SIGSEGV. Each check runs the server app in a fresh
interpreter, as a worker does, and asserts on its exit code: a crash cannot hide as a failed assertion.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

WORKER = textwrap.dedent(
    """
    import json, sys, zlib
    from pathlib import Path

    from fastapi.testclient import TestClient

    from anchor.credentials.qr import COMPACT_PREFIX, b45encode
    from anchor.settings import Settings
    from api.app import create_app
    from api.config import ApiSettings

    data = Path(sys.argv[1])
    # An RPC URL that answers nothing: the deep bodies must be refused before any route needs the chain.
    settings = ApiSettings(data=Settings(data), rpc="http://127.0.0.1:9/", database_url=f"sqlite:///{data}/db.sqlite")
    app = create_app(settings)
    answers = {"limit": sys.getrecursionlimit()}
    with TestClient(app, raise_server_exceptions=False) as client:
        deep = b"[" * 100_000 + b"]" * 100_000
        for name, content, kind in [
            ("verify", deep, "application/json"),
            ("verify-untyped", deep, None),
            ("verify-ld", b'{"verifiableCredential": ' + deep + b"}", "application/ld+json"),
        ]:
            headers = {} if kind is None else {"Content-Type": kind}
            response = client.post("/v1/verify", content=content, headers=headers)
            answers[name] = [response.status_code, response.headers["content-type"], response.json()]
        text = COMPACT_PREFIX + b45encode(zlib.compress(b"[" * 200_000, 9))
        response = client.post("/v1/qr/decode", json={"text": text})
        answers["qr"] = [response.status_code, response.headers["content-type"], response.json(), len(text)]
        answers["health"] = client.get("/health").status_code
    print(json.dumps(answers))
    """
)


def test_a_worker_keeps_the_default_recursion_limit_and_refuses_deep_bodies(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-c", WORKER, str(tmp_path)], cwd=REPO, capture_output=True,
                            text=True, timeout=300, check=False)  # fmt: skip
    assert result.returncode == 0, f"the worker died ({result.returncode}):\n{result.stderr[-3000:]}"
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    assert answers["limit"] == 1000  # CPython's default, not py_ecc's 100,000
    for name in ("verify", "verify-untyped", "verify-ld"):
        status, content_type, problem = answers[name]
        assert (status, content_type) == (400, "application/problem+json"), (name, problem)
        assert problem["type"].endswith("#too-deeply-nested") and "64 levels" in problem["detail"]
    status, content_type, problem, length = answers["qr"]
    assert length < 1000 and status == 400 and content_type == "application/problem+json", problem
    assert "levels deep" in problem["detail"]
    assert answers["health"] == 200


def test_even_unchecked_json_raises_instead_of_crashing_once_the_app_is_imported() -> None:
    # The recursion limit on its own: a parse the depth check does not guard still fails cleanly.
    probe = textwrap.dedent(
        """
        import json, sys
        import api.app
        from anchor.chain.adapter import Chain
        chain = Chain.embedded()  # py-evm (eth) raises the limit again on import
        chain.block_number()
        try:
            json.loads("[" * 200_000)
        except RecursionError:
            print(sys.getrecursionlimit())
        """
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=300,
                            check=False)  # fmt: skip
    assert result.returncode == 0, f"the interpreter died ({result.returncode}):\n{result.stderr[-3000:]}"
    assert result.stdout.strip() == "1000"
