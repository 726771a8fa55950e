import copy, traceback
from tests.api.conftest import *  # noqa
from anchor.presentation import verify_presentation

def test_probe(api):
    issued = api.issue(); api.anchor_all(); good = api.stored(issued["id"])
    v = api.client.app.state.services.verifier("microcredential")
    vv = api.client.app.state.services.verifier("vc")
    for f in [lambda c: c.update(credentialSubject="x"), lambda c: c.update({"@context": ["https://www.w3.org/ns/credentials/v2", "https://unknown.example/ctx"]})]:
        c = copy.deepcopy(good); f(c)
        for ver in (v, vv):
            try:
                print(ver.profile, ver.verify(c).to_dict()["checks"]["schema"])
            except Exception:
                traceback.print_exc(limit=-4)
    try:
        verify_presentation({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"], "verifiableCredential": [{"credentialSubject": [1, {"id": ["x"]}]}]}, vv)
    except Exception:
        traceback.print_exc(limit=-3)
