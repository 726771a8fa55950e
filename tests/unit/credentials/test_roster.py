"""Roster CSV parsing (every row gets an outcome) and issuing a roster from an issuer on disk."""

from __future__ import annotations

import csv
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anchor.credentials.anchor_proofs import credential_hash
from anchor.credentials.issuance import REPORT_NAME, CredentialIssuer, RowOutcome, issue_roster, url_uuid5_urn
from anchor.credentials.issuers import create_issuer, load_key, load_profile
from anchor.credentials.model import AwardingBody
from anchor.credentials.roster import COLUMNS, SAMPLE_ROSTER, parse_roster, read_roster
from anchor.crypto.did import DidResolver
from anchor.crypto.proofs import verify_proofs
from anchor.errors import ConfigurationError
from anchor.settings import Settings

HEADER, *SAMPLE_ROWS = SAMPLE_ROSTER.read_text(encoding="utf-8").splitlines()
PASSPHRASE = "a long enough passphrase"
NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def row_cells(**cells: str) -> str:
    """One CSV line for the sample header: Ana's sample row with some cells changed."""
    values = dict(zip(HEADER.split(","), next(csv.reader([SAMPLE_ROWS[0]])), strict=True))
    values.update(cells)
    return _csv_line(values.values())


def _csv_line(cells) -> str:
    out = []
    for cell in cells:
        out.append(f'"{cell}"' if any(c in cell for c in ',"\n') else cell)
    return ",".join(out)


def parse(*lines: str) -> list:
    return list(parse_roster("\n".join([HEADER, *lines]) + "\n", now=NOW))


# -- parsing ---------------------------------------------------------------------------------------


def test_the_sample_roster_parses_into_four_valid_rows():
    rows = read_roster(SAMPLE_ROSTER)
    assert [(r.line, r.learner_name, r.errors) for r in rows] == [
        (2, "Ana Sousa", ()),
        (3, "Kwame Mensah", ()),
        (4, "Zoë Ñúñez", ()),
        (5, "Li Wei", ()),
    ]
    assert all(r.spec is not None and r.award is not None for r in rows)


def test_sample_row_contents():
    ana, _, zoe, li = read_roster(SAMPLE_ROSTER)
    assert ana.spec.title == "Data Literacy Essentials"
    assert ana.spec.learning_outcomes == (
        "Clean a tabular data set with a spreadsheet",
        "Choose a chart that answers a question",
        "Explain a result to a non-specialist",
    )
    assert (ana.spec.workload_hours, ana.spec.ects_credits, ana.spec.eqf_level) == (75, 3, 5)
    assert [s.name for s in ana.spec.skills] == ["data analytics", "visualise data"]
    assert ana.award.learner.email == "ana.sousa@example.org"
    assert ana.award.grade == "A"
    assert ana.award.issued_on == datetime(2026, 6, 30, tzinfo=UTC)
    assert zoe.award.learner.did == "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
    assert (zoe.spec.eqf_level, zoe.spec.nqf_level, zoe.spec.skills) == (None, "NQF 3 (PT)", ())
    assert zoe.award.valid_until == datetime(2029, 7, 15, tzinfo=UTC)
    assert li.spec.participation_form == "blended"


def test_the_sample_header_names_every_column():
    assert tuple(HEADER.split(",")) == COLUMNS


@pytest.mark.parametrize("column", ["learner_name", "title", "learning_outcomes", "quality_assurance"])
def test_a_missing_required_column_is_named(column):
    header = ",".join(c for c in HEADER.split(",") if c != column)
    with pytest.raises(ConfigurationError, match=f"missing column\\(s\\) {column};"):
        list(parse_roster(header + "\n"))


def test_an_unknown_column_is_named():
    with pytest.raises(ConfigurationError, match="unknown column\\(s\\) favourite_colour;"):
        list(parse_roster(HEADER + ",favourite_colour\n"))


def test_columns_may_come_in_any_order_with_spaces():
    header = " title , learner_name,description,learning_outcomes,assessment_type,participation_form,quality_assurance,"
    header += "workload_hours,eqf_level"
    (row,) = parse_roster(header + "\nIntro,Ana,About,Outcome,Exam,Online,QA,10,4\n", now=NOW)
    assert row.errors == ()
    assert (row.learner_name, row.spec.title, row.spec.participation_form) == ("Ana", "Intro", "online")
    assert row.award.issued_on.date() == NOW.date()


@pytest.mark.parametrize(
    ("cells", "error"),
    [
        ({"workload_hours": "seventy"}, "workload_hours: 'seventy' is not a number"),
        ({"ects_credits": "3 ECTS"}, "ects_credits: '3 ECTS' is not a number"),
        ({"eqf_level": "five"}, "eqf_level: 'five' is not a whole number"),
        ({"eqf_level": "5.5"}, "eqf_level: '5.5' is not a whole number"),
        ({"issued_on": "30/06/2026"}, "issued_on: '30/06/2026' is not a date (YYYY-MM-DD) or ISO date-time"),
        ({"valid_until": "next year"}, "valid_until: 'next year' is not a date"),
        ({"title": ""}, "title: required, but empty"),
        ({"learning_outcomes": ""}, "learning_outcomes: required, but empty"),
        ({"quality_assurance": "  "}, "quality_assurance: required, but empty"),
        ({"skill_labels": "data analytics"}, "skill_uris has 2 entries but skill_labels has 1"),
        ({"skill_uris": ""}, "skill_uris has 0 entries but skill_labels has 2"),
    ],
)
def test_a_bad_cell_is_reported_on_its_row(cells, error):
    rows = parse(SAMPLE_ROWS[1], row_cells(**cells), SAMPLE_ROWS[2])
    assert [r.line for r in rows] == [2, 3, 4]
    bad = rows[1]
    assert bad.learner_name == "Ana Sousa"
    assert bad.spec is None and bad.award is None
    assert any(e.startswith(error) for e in bad.errors), bad.errors
    assert rows[0].errors == rows[2].errors == ()


def test_all_problems_of_a_row_are_reported_together():
    (row,) = parse(row_cells(title="", eqf_level="x", issued_on="soon", skill_labels="one"))
    assert [e.split(":")[0].split(" ")[0] for e in row.errors] == ["title", "skill_uris", "eqf_level", "issued_on"]


def test_a_row_with_too_many_cells_is_kept_with_an_error():
    rows = parse(SAMPLE_ROWS[0], SAMPLE_ROWS[1] + ",surplus", SAMPLE_ROWS[2])
    assert [r.line for r in rows] == [2, 3, 4]
    assert rows[1].errors == (f"more cells than the {len(COLUMNS)} columns of the header",)
    assert rows[1].spec is None
    assert rows[0].errors == rows[2].errors == ()


def test_a_row_with_too_few_cells_reports_the_missing_required_ones():
    (row,) = parse("Ana Sousa,ana@example.org")
    assert row.line == 2
    assert "title: required, but empty" in row.errors
    assert "quality_assurance: required, but empty" in row.errors


def test_blank_lines_are_skipped_and_line_numbers_stay_true():
    # an empty line, a line of empty cells and a line of spaces are all blank
    rows = parse("", SAMPLE_ROWS[0], "", ",,,,,,,,,,,,,,,,,,,", "   ", SAMPLE_ROWS[1])
    assert [(r.line, r.learner_name, r.errors) for r in rows] == [(3, "Ana Sousa", ()), (7, "Kwame Mensah", ())]


def test_outcome_separators_alone_are_a_row_error(issuer, tmp_path):
    (row,) = parse(row_cells(learning_outcomes=" | "))
    assert row.spec is None and any("learning_outcomes: give at least one outcome" in e for e in row.errors)
    (outcome,) = issue_roster([row], issuer, tmp_path / "out")
    assert outcome.status == "failed" and outcome.errors == row.errors


def test_decimal_commas_and_iso_datetimes():
    (row,) = parse(row_cells(ects_credits="1,5", issued_on="2026-06-30T14:00:00+02:00", valid_until="2027-01-01Z"))
    assert row.errors == (), row.errors
    assert row.spec.ects_credits == 1.5
    assert row.award.issued_on == datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
    assert row.award.valid_until == datetime(2027, 1, 1, tzinfo=UTC)


def test_an_empty_issue_date_means_today():
    (row,) = parse(row_cells(issued_on=""))
    assert row.award.issued_on.tzinfo is not None
    assert row.award.issued_on.date() == NOW.date()


def test_a_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(b"\xef\xbb\xbf" + SAMPLE_ROSTER.read_bytes())
    assert [r.learner_name for r in read_roster(path)] == ["Ana Sousa", "Kwame Mensah", "Zoë Ñúñez", "Li Wei"]


def test_windows_line_endings_are_accepted(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(SAMPLE_ROSTER.read_bytes().replace(b"\n", b"\r\n"))
    rows = read_roster(path)
    assert [r.line for r in rows] == [2, 3, 4, 5] and all(r.errors == () for r in rows)


def test_non_utf8_bytes_are_a_configuration_error(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(SAMPLE_ROSTER.read_text(encoding="utf-8").encode("latin-1"))
    with pytest.raises(ConfigurationError, match="is not UTF-8 text") as caught:
        read_roster(path)
    assert "save the CSV as UTF-8" in str(caught.value)


def test_a_missing_roster_file_is_a_configuration_error(tmp_path):
    with pytest.raises(ConfigurationError, match="no roster file at"):
        read_roster(tmp_path / "absent.csv")


# -- issuing a roster ------------------------------------------------------------------------------


@pytest.fixture
def issuer(tmp_path: Path) -> CredentialIssuer:
    settings = Settings(data_dir=tmp_path / "data")
    body = AwardingBody(did="", name="Universidade Exemplo", country_code="PT", region="Lisboa")
    created = create_issuer(settings, "uni", body, PASSPHRASE)
    slug, profile = load_profile(settings, None)
    assert (slug, profile.did) == ("uni", created.did)
    return CredentialIssuer(profile, load_key(settings, slug, PASSPHRASE))


@pytest.fixture
def roster(tmp_path: Path) -> Path:
    """The sample roster plus a row that cannot be parsed and one that parses but is not a valid credential."""
    path = tmp_path / "roster.csv"
    bad_parse = row_cells(learner_name="Bad Number", learner_email="bad@example.org", workload_hours="lots")
    bad_credential = row_cells(learner_name="Bad Form", learner_email="form@example.org", participation_form="remote")
    path.write_text("\n".join([HEADER, *SAMPLE_ROWS, bad_parse, bad_credential]) + "\n", encoding="utf-8")
    return path


def read_report(out: Path) -> list[dict[str, str]]:
    with (out / REPORT_NAME).open(newline="", encoding="utf-8") as report:
        return list(csv.DictReader(report))


def credential_files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.name != REPORT_NAME}


def test_issue_roster_gives_every_row_an_outcome(issuer, roster, tmp_path):
    out = tmp_path / "out"
    seen: list[RowOutcome] = []
    outcomes = issue_roster(read_roster(roster), issuer, out, on_row=seen.append)
    assert seen == outcomes
    assert [(o.line, o.learner, o.status) for o in outcomes] == [
        (2, "Ana Sousa", "issued"),
        (3, "Kwame Mensah", "issued"),
        (4, "Zoë Ñúñez", "issued"),
        (5, "Li Wei", "issued"),
        (6, "Bad Number", "failed"),
        (7, "Bad Form", "failed"),
    ]
    report = read_report(out)
    assert len(report) == 6  # one line per data row
    assert [(r["line"], r["learner"], r["status"]) for r in report] == [
        (str(o.line), o.learner, o.status) for o in outcomes
    ]


def test_issued_credentials_verify(issuer, roster, tmp_path):
    out = tmp_path / "out"
    outcomes = issue_roster(read_roster(roster), issuer, out)
    issued = [o for o in outcomes if o.status == "issued"]
    assert sorted(o.file for o in issued) == sorted(credential_files(out))
    for outcome in issued:
        credential = json.loads((out / outcome.file).read_text(encoding="utf-8"))
        assert credential["id"] == outcome.credential_id
        assert credential["issuer"]["id"] == issuer.key.did
        (result,) = verify_proofs(credential, DidResolver())
        assert result.verified, (outcome.file, result.reason)
    names = {
        json.loads((out / o.file).read_text())["credentialSubject"]["identifier"][0]["identityHash"] for o in issued
    }
    assert names == {"Ana Sousa", "Kwame Mensah", "Zoë Ñúñez", "Li Wei"}


def test_failed_rows_are_listed_with_their_errors(issuer, roster, tmp_path):
    out = tmp_path / "out"
    outcomes = {o.learner: o for o in issue_roster(read_roster(roster), issuer, out)}
    assert outcomes["Bad Number"].errors == ("workload_hours: 'lots' is not a number",)
    assert outcomes["Bad Number"].file == ""
    (form_error,) = outcomes["Bad Form"].errors
    assert form_error.startswith("credentialSubject.achievement.participationForm: ")
    assert "'form of participation'" in form_error
    report = {r["learner"]: r for r in read_report(out)}
    assert report["Bad Number"]["errors"] == "workload_hours: 'lots' is not a number"
    assert report["Bad Form"]["errors"] == form_error
    assert report["Bad Form"]["file"] == ""
    assert not any(name.startswith("bad-") for name in credential_files(out))


def test_a_second_run_writes_nothing_new(issuer, roster, tmp_path):
    out = tmp_path / "out"
    first = issue_roster(read_roster(roster), issuer, out)
    files = credential_files(out)
    assert len(files) == 4

    second = issue_roster(read_roster(roster), issuer, out)
    assert credential_files(out) == files  # the same names, byte for byte
    assert [(o.line, o.status) for o in second] == [
        (2, "already-issued"),
        (3, "already-issued"),
        (4, "already-issued"),
        (5, "already-issued"),
        (6, "failed"),
        (7, "failed"),
    ]
    assert [(o.credential_id, o.file) for o in second[:4]] == [(o.credential_id, o.file) for o in first[:4]]
    assert [r["status"] for r in read_report(out)] == [o.status for o in second]
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]


def test_credential_ids_are_stable_and_distinct(issuer):
    rows = read_roster(SAMPLE_ROSTER)
    ids = [issuer.credential_id(r.spec, r.award) for r in rows]
    assert ids == [issuer.credential_id(r.spec, r.award) for r in read_roster(SAMPLE_ROSTER)]
    assert len(set(ids)) == 4 and all(i.startswith("urn:uuid:") for i in ids)


@given(st.text())
def test_credential_ids_are_rfc_9562_uuid5_of_the_url_namespace(name):
    """The id is written by hand for speed: it must be exactly uuid.uuid5's value."""
    assert url_uuid5_urn(name) == f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def test_a_retry_of_a_row_without_an_issue_date_is_not_issued_twice(issuer, tmp_path):
    out = tmp_path / "out"
    text = "\n".join([HEADER, row_cells(issued_on="")]) + "\n"
    (first,) = issue_roster(parse_roster(text, now=NOW), issuer, out)
    (second,) = issue_roster(parse_roster(text, now=NOW + timedelta(hours=1)), issuer, out)
    assert first.status == "issued"
    assert second.status == "already-issued"
    assert len(credential_files(out)) == 1


def test_a_repeated_header_column_is_refused():
    with pytest.raises(ConfigurationError, match="learner_name appear more than once"):
        list(parse_roster(HEADER + ",learner_name\n"))


def test_a_learner_address_is_checksummed_and_a_bad_one_is_named():
    rows = parse(SAMPLE_ROWS[0])
    assert rows[0].address == "0xD502197038eE31a7683B31913fd786744703F780"
    (bad,) = parse(SAMPLE_ROWS[0].rsplit(",", 1)[0] + ",0x1234")
    assert bad.spec is None and any(e.startswith("learner_address") for e in bad.errors)


# -- issuing a roster into the anchoring queue (the one issue-and-queue path) ----------------------


class MemoryQueue:
    """A CredentialQueue in memory, as the store is one: what was queued, for which account, under which file."""

    def __init__(self) -> None:
        self.queued: dict[str, tuple[dict, bytes, str, str | None]] = {}

    def document(self, credential_id: str) -> dict | None:
        entry = self.queued.get(credential_id)
        return entry[0] if entry else None

    def queue(self, credential: dict, credential_hash: bytes, issuer_account: str, *, file_name: str | None = None):
        if credential["id"] in self.queued:
            return False
        self.queued[credential["id"]] = (credential, credential_hash, issuer_account, file_name)
        return True


ACCOUNT = "0x" + "ab" * 20


def test_a_queued_roster_queues_each_credential_under_its_file_name(issuer, roster, tmp_path):
    queue = MemoryQueue()
    outcomes = issue_roster(read_roster(roster), issuer, tmp_path / "out", queue=queue, account=ACCOUNT)
    issued = [o for o in outcomes if o.status == "issued"]
    assert len(issued) == 4 and {o.status for o in outcomes} == {"issued", "failed"}
    assert {cid: (account, name) for cid, (_, _, account, name) in queue.queued.items()} == {
        o.credential_id: (ACCOUNT, o.file) for o in issued
    }
    for outcome in issued:
        credential, leaf, _, _ = queue.queued[outcome.credential_id]
        assert json.loads((tmp_path / "out" / outcome.file).read_text()) == credential
        assert leaf == credential_hash(credential)


def test_a_queued_credential_is_written_again_not_signed_again(issuer, roster, tmp_path):
    """A run that died after queueing and before writing the file: the next run writes the queued one."""
    queue = MemoryQueue()
    first = issue_roster(read_roster(roster), issuer, tmp_path / "first", queue=queue, account=ACCOUNT)
    second = issue_roster(read_roster(roster), issuer, tmp_path / "second", queue=queue, account=ACCOUNT)
    assert [o.status for o in second] == ["already-issued"] * 4 + ["failed"] * 2
    assert len(queue.queued) == 4
    for before, after in zip(first[:4], second[:4], strict=True):
        assert (tmp_path / "second" / after.file).read_bytes() == (tmp_path / "first" / before.file).read_bytes()


def test_a_queued_credential_is_not_signed_again_with_another_cryptosuite(issuer, roster, tmp_path):
    queue = MemoryQueue()
    issue_roster(read_roster(roster), issuer, tmp_path / "rdfc", queue=queue, account=ACCOUNT)
    jcs = CredentialIssuer(issuer.body, issuer.key, cryptosuite="eddsa-jcs-2022")
    outcomes = issue_roster(read_roster(roster), jcs, tmp_path / "jcs", queue=queue, account=ACCOUNT)
    assert [o.status for o in outcomes] == ["failed"] * 6
    assert "was issued before with eddsa-rdfc-2022, not eddsa-jcs-2022" in outcomes[0].errors[0]
    assert credential_files(tmp_path / "jcs") == {}


def test_a_queue_needs_the_account_that_anchors(issuer, roster, tmp_path):
    with pytest.raises(ValueError, match="both queue and account"):
        issue_roster(read_roster(roster), issuer, tmp_path / "out", queue=MemoryQueue())
