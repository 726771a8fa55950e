"""Roster CSV files: one learner per row, every EU micro-credential element in columns.

Columns (header names are fixed; order is free; multi-valued cells are separated by `|`):

| column              | required | meaning                                                        |
|---------------------|----------|----------------------------------------------------------------|
| learner_name        | yes      | learner's full name (kept in the private credential only)      |
| learner_email       | *        | e-mail, stored salted and hashed (OB3 IdentityObject)          |
| learner_did         | *        | the learner's DID (credentialSubject.id, holder binding)       |
| title               | yes      | title of the micro-credential                                  |
| description         | yes      | what it is about                                               |
| learning_outcomes   | yes      | outcome statements, `|`-separated                              |
| workload_hours      | **       | notional workload in hours                                     |
| ects_credits        | **       | notional workload in ECTS credits                              |
| eqf_level           | ***      | EQF level 1-8                                                  |
| nqf_level           | ***      | national qualifications framework level, free text             |
| assessment_type     | yes      | type of assessment                                             |
| participation_form  | yes      | online, onsite, blended, volunteering or work-experience       |
| quality_assurance   | yes      | type of quality assurance                                      |
| prerequisites       | no       | `|`-separated                                                  |
| skill_uris          | no       | ESCO skill URIs, `|`-separated                                 |
| skill_labels        | no       | their labels, same count and order                             |
| stackability        | no       | how it stacks or integrates into larger credentials            |
| grade               | no       | result, free text (e.g. A, 91%, Pass)                          |
| issued_on           | no       | date of issue, YYYY-MM-DD or an ISO date-time (default: now)   |
| valid_until         | no       | end of validity, same formats                                  |
| learner_address     | no       | the learner's Ethereum address: NFT mode mints the token to it |

\\* at least learner_name plus optionally e-mail and/or DID; \\*\\* at least one; \\*\\*\\* at least one.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from anchor import jsonsafe
from anchor.credentials.model import Award, Learner, MicroCredentialSpec, Skill
from anchor.errors import ConfigurationError
from anchor.types import check_address

COLUMNS = (
    "learner_name", "learner_email", "learner_did", "title", "description", "learning_outcomes",
    "workload_hours", "ects_credits", "eqf_level", "nqf_level", "assessment_type", "participation_form",
    "quality_assurance", "prerequisites", "skill_uris", "skill_labels", "stackability", "grade",
    "issued_on", "valid_until", "learner_address",
)  # fmt: skip
REQUIRED_COLUMNS = ("learner_name", "title", "description", "learning_outcomes", "assessment_type",
                    "participation_form", "quality_assurance")  # fmt: skip
#: The achievement's elements in a JSON roster (skills come as a list of {uri, label} objects).
ACHIEVEMENT_COLUMNS = tuple(
    c for c in COLUMNS[COLUMNS.index("title") : COLUMNS.index("grade")] if not c.startswith("skill_")
)
SAMPLE_ROSTER = Path(__file__).resolve().parent / "samples" / "roster.csv"


@dataclass(frozen=True)
class RosterRow:
    """One parsed row: its line number in the file, and what to issue (or why it cannot be)."""

    line: int
    learner_name: str
    spec: MicroCredentialSpec | None
    award: Award | None
    errors: tuple[str, ...] = ()
    #: Whether the row gave its date of issue (an undated row is issued "now", and its credential
    #: id must not depend on when the roster happened to be run).
    dated: bool = True
    #: The learner's Ethereum address (NFT mode only; never part of the credential).
    address: str | None = None


def read_roster(path: Path) -> list[RosterRow]:
    """A CSV roster, or a JSON one when the file name ends in .json (see parse_json_roster)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigurationError(f"no roster file at {path}") from None
    except UnicodeDecodeError as exc:
        raise ConfigurationError(f"{path} is not UTF-8 text ({exc}): save the CSV as UTF-8") from exc
    if path.suffix.lower() == ".json":
        try:
            data = jsonsafe.loads(text, what=str(path))
        except ValueError as exc:
            raise ConfigurationError(f"{path} is not JSON: {exc}") from None
        return list(parse_json_roster(data, source=str(path)))
    return list(parse_roster(text, source=str(path)))


def parse_roster(text: str, *, source: str = "roster", now: datetime | None = None) -> Iterator[RosterRow]:
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    repeated = sorted({h for h in header if header.count(h) > 1})
    if repeated:
        raise ConfigurationError(f"{source}: column(s) {', '.join(repeated)} appear more than once in the header")
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ConfigurationError(
            f"{source}: missing column(s) {', '.join(missing)}; the header must name columns from: {', '.join(COLUMNS)}"
        )
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise ConfigurationError(f"{source}: unknown column(s) {', '.join(unknown)}; known: {', '.join(COLUMNS)}")
    moment = now or datetime.now(UTC)
    while True:
        line = reader.line_num + 1  # where this record starts (a quoted cell may span several lines)
        record = next(reader, None)
        if record is None:
            return
        if not any(cell.strip() for cell in record):
            continue  # a blank line is not a learner
        if len(record) > len(header):
            name = record[header.index("learner_name")].strip()
            yield RosterRow(line, name, None, None, (f"more cells than the {len(header)} columns of the header",))
            continue
        cells = {column: (record[i] if i < len(record) else "").strip() for i, column in enumerate(header)}
        yield _row(line, cells, moment)


def parse_json_roster(data: Any, *, source: str = "roster", now: datetime | None = None) -> Iterator[RosterRow]:
    """Rows from JSON: one object or a list of them, each shaped like the API's credential request —
    `{"learner": {"name", "email", "did"}, "achievement": {"title", …, "skills": [{"uri", "label"}]},
    "grade", "issued_on", "valid_until"}`. Rows are numbered from 1 in the order given."""
    items = data if isinstance(data, list) else [data]
    moment = now or datetime.now(UTC)
    for position, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("learner"), dict):
            yield RosterRow(position, "", None, None, ("each entry must be an object with learner and achievement",))
            continue
        learner, achievement = item["learner"], item.get("achievement")
        if not isinstance(achievement, dict):
            name = str(learner.get("name") or "")
            yield RosterRow(position, name, None, None, ("achievement: required, an object",))
            continue
        skills = achievement.get("skills") or []
        cells: dict[str, Any] = {f"learner_{k}": learner.get(k) for k in ("name", "email", "did", "address")}
        cells.update({k: achievement[k] for k in ACHIEVEMENT_COLUMNS if k in achievement})
        cells.update({k: item.get(k) for k in ("grade", "issued_on", "valid_until")})
        if isinstance(skills, list) and all(isinstance(x, dict) for x in skills):
            cells["skill_uris"] = [x.get("uri") for x in skills]
            cells["skill_labels"] = [x.get("label") for x in skills]
        else:
            cells["skill_uris"] = "skills must be a list of {uri, label} objects"
        problems = [f"{k}: {v}" for k, v in cells.items() if k == "skill_uris" and isinstance(v, str)]
        unknown = sorted(set(achievement) - set(ACHIEVEMENT_COLUMNS) - {"skills"})
        known = ", ".join((*ACHIEVEMENT_COLUMNS, "skills"))
        problems += [f"achievement.{k}: unknown element (known: {known})" for k in unknown]
        text = {
            k: _cell(v) for k, v in cells.items() if v is not None and not (k == "skill_uris" and isinstance(v, str))
        }
        row = _row(position, text, moment)
        if problems:
            row = RosterRow(position, row.learner_name, None, None, (*problems, *row.errors), row.dated)
        yield row


def _cell(value: Any) -> str | list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if v is not None and str(v).strip()]
    return str(value).strip()


def _row(line: int, cells: Mapping[str, str | list[str]], now: datetime) -> RosterRow:
    errors: list[str] = []

    def get(column: str, default: str = "") -> str:
        value = cells.get(column, default)
        return "|".join(value) if isinstance(value, list) else value

    def number(column: str, kind: type[int] | type[float]) -> float | int | None:
        raw = get(column, "")
        if not raw:
            return None
        try:
            return kind(raw.replace(",", ".") if kind is float else raw)
        except ValueError:
            errors.append(f"{column}: {raw!r} is not {'a whole number' if kind is int else 'a number'}")
            return None

    def moment(column: str) -> datetime | None:
        raw = get(column, "")
        if not raw:
            return None
        try:
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            errors.append(f"{column}: {raw!r} is not a date (YYYY-MM-DD) or ISO date-time")
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    def many(column: str) -> tuple[str, ...]:
        value = cells.get(column, "")
        parts = value if isinstance(value, list) else value.split("|")  # JSON gives lists, CSV `|`-joined text
        return tuple(part.strip() for part in parts if part.strip())

    for column in REQUIRED_COLUMNS:
        if not get(column):
            errors.append(f"{column}: required, but empty")
    if get("learning_outcomes") and not many("learning_outcomes"):
        errors.append("learning_outcomes: give at least one outcome (statements are separated by |)")
    uris, labels = many("skill_uris"), many("skill_labels")
    if len(uris) != len(labels):
        errors.append(f"skill_uris has {len(uris)} entries but skill_labels has {len(labels)}: give one label per URI")
    spec = MicroCredentialSpec(
        title=get("title", ""),
        description=get("description", ""),
        learning_outcomes=many("learning_outcomes"),
        assessment_type=get("assessment_type", ""),
        participation_form=get("participation_form", "").lower(),
        quality_assurance=get("quality_assurance", ""),
        workload_hours=number("workload_hours", float),
        ects_credits=number("ects_credits", float),
        eqf_level=number("eqf_level", int),  # type: ignore[arg-type]
        nqf_level=get("nqf_level") or None,
        prerequisites=many("prerequisites"),
        skills=tuple(Skill(uri, label) for uri, label in zip(uris, labels, strict=False)),
        stackability=get("stackability") or None,
    )
    learner = Learner(name=get("learner_name", ""), email=get("learner_email") or None, did=get("learner_did") or None)
    award = Award(learner=learner, issued_on=moment("issued_on") or now, grade=get("grade") or None,
                  valid_until=moment("valid_until"))  # fmt: skip
    dated = bool(get("issued_on"))
    address = get("learner_address") or None
    if address is not None:
        try:
            address = check_address(address, "learner_address")
        except ConfigurationError as exc:
            errors.append(str(exc))
    if errors:
        return RosterRow(line, learner.name, None, None, tuple(errors), dated)
    return RosterRow(line, learner.name, spec, award, (), dated, address)
