import copy, traceback
from tests.api.conftest import *  # noqa

def test_probe(api, caplog):
    issued = api.issue(); api.anchor_all(); good = api.stored(issued["id"])
    cases = []
    def mut(f):
        c = copy.deepcopy(good); f(c); cases.append(c)
    mut(lambda c: c.update(issuer=[1]))
    mut(lambda c: c.update(credentialSubject="x"))
    mut(lambda c: c.update({"@context": "x"}))
    mut(lambda c: c.update({"@context": [5]}))
    mut(lambda c: c.update({"@context": ["https://www.w3.org/ns/credentials/v2", "https://unknown.example/ctx"]}))
    mut(lambda c: c.update(id=5))
    mut(lambda c: c.update(type=5))
    mut(lambda c: c["credentialSubject"].update(x="\x01"))
    for path in ["/v1/verify", "/credentials/verify"]:
        for i, c in enumerate(cases):
            body = c if path == "/v1/verify" else {"verifiableCredential": c}
            caplog.clear()
            r = api.client.post(path, json=body)
            if r.status_code >= 500:
                print(path, i, r.status_code)
                for rec in caplog.records:
                    if rec.exc_info:
                        print("".join(traceback.format_exception(*rec.exc_info)[-3:]))
