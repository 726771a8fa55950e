from tests.unit.test_compare import *  # noqa

def test_dbg(run):
    print(run.credentials, run.comparison.learners, run.comparison.per_learner)
    print(json.dumps(run.result["modes"], indent=1))
    assert 0
