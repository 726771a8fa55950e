import copy, traceback
from fastapi.testclient import TestClient
from tests.api.conftest import *  # noqa

def test_probe(api):
    issued = api.issue(); api.anchor_all(); good = api.stored(issued["id"])
    client = TestClient(api.client.app, raise_server_exceptions=True)
    cases = []
    def mut(f):
        c = copy.deepcopy(good); f(c); cases.append(c)
    mut(lambda c: c.update({"@context": [5]}))
    mut(lambda c: c.update({"@context": ["https://www.w3.org/ns/credentials/v2", "https://unknown.example/ctx"]}))
    mut(lambda c: c.update(id=5))
    mut(lambda c: c.update(type=5))
    for i, c in enumerate(cases):
        try:
            r = client.post("/v1/verify", json=c); print(i, r.status_code)
        except Exception:
            print(i); traceback.print_exc(limit=-4)
