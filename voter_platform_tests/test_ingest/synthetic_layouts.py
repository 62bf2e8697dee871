"""Small layouts in the registry's language, one per structural pattern, for the engine's tests.

The real state layouts live in voter_platform/layouts/; these exercise each pattern on a few
hand-written lines so a failure points at the engine, not at a state's details. `registered()`
makes them the registry for the duration of a test.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from voter_platform.layouts import registry
from voter_platform.lib.ingest import formats

WIDE = """
id: test_wide
family: testwide
title: test wide history (header, one column per election, county-range parts)
record_kind: voter
state: OH
history:
  kind: election_columns
  columns: {pattern: '^(?P<type>primary|general|special)-(?P<date>\\d{2}/\\d{2}/\\d{4})$', date_format: '%m/%d/%Y'}
  cells:
    X: {}
    D: {party_ballot: Democrat}
    R: {party_ballot: Republican}
parts: {file_name: 'TESTWIDE_(?P<part>\\d+_\\d+)', expected: ['1_22', '23_44', '45_66', '67_88']}
recognise: {header: names, required: [TEST_VOTERID, TEST_COUNTY, TEST_PARTY]}
text: {delimiter: ",", encoding: latin-1}
codes:
  primary_ballot_party: {D: Democrat, R: Republican}
  registration_status: {ACTIVE: ACTIVE, CONFIRMATION: INACTIVE}
fields:
  - {name: TEST_VOTERID, canonical: voter_id}
  - {name: TEST_COUNTY, canonical: county}
  - {name: TEST_LAST, canonical: last_name}
  - {name: TEST_BIRTH, canonical: birth_date}
  - {name: TEST_STATUS, canonical: registration_status}
  - {name: TEST_PARTY, canonical: primary_ballot_party}
"""

HEADERLESS = """
id: test_headerless
family: testhl
title: test headerless per-county voters (tab, 6 fields)
record_kind: voter
state: FL
history: {kind: history_file, layout: test_headerless_history}
parts: {file_name: '^(?P<part>[A-Z]{3})_\\d{8}\\.txt$', expected: county_codes}
ignore_members: '(^|/)(VerificationFiles|ProcessedFiles)/'
recognise: {header: none, file_name: '^[A-Z]{3}_\\d{8}\\.txt$'}
text: {delimiter: "\\t", quote: null}
date_format: "%m/%d/%Y"
codes:
  county: {ALA: ALACHUA, BAK: BAKER, BAY: BAY}
  party: {DEM: Democrat, REP: Republican, NPA: Independent}
  race: {"1": American Indian, "3": Black, "5": White, "9": Unknown}
fields:
  - {name: County Code, canonical: county, pattern: '[A-Z]{3}'}
  - {name: Voter ID, canonical: voter_id, pattern: '\\d{10}'}
  - {name: Name Last, canonical: last_name}
  - {name: Race, canonical: race}
  - {name: Birth Date, canonical: birth_date, pattern: '\\d{2}/\\d{2}/\\d{4}'}
  - {name: Party Affiliation, canonical: party}
"""

HEADERLESS_HISTORY = """
id: test_headerless_history
family: testhl
title: test headerless per-county history (tab, 5 fields)
record_kind: vote_history
state: FL
parts: {file_name: '^(?P<part>[A-Z]{3})_H_\\d{8}\\.txt$', expected: county_codes}
recognise: {header: none, file_name: '^[A-Z]{3}_H_\\d{8}\\.txt$'}
text: {delimiter: "\\t", quote: null}
date_format: "%m/%d/%Y"
codes:
  county: {ALA: ALACHUA, BAK: BAKER, BAY: BAY}
  election_type: {GEN: GENERAL, PRI: PRIMARY, PPP: PRIMARY, RUN: RUNOFF, OTH: OTHER}
  voting_method: {Y: IN_PERSON, A: MAIL, E: EARLY, P: PROVISIONAL}
fields:
  - {name: County Code, pattern: '[A-Z]{3}'}
  - {name: Voter ID, canonical: voter_id, pattern: '\\d{10}'}
  - {name: Election Date, canonical: election_date, pattern: '\\d{2}/\\d{2}/\\d{4}'}
  - {name: Election Type, canonical: election_type}
  - {name: History Code, canonical: voting_method}
"""

FIXED = """
id: test_fixed
family: testfixed
title: test fixed width voters (27-character records)
record_kind: voter
state: TX
history: {kind: none}
recognise: {header: none, file_name: '^testfixed', line_length: [27]}
text: {}
date_format: "%Y%m%d"
codes:
  registration_status: {V: ACTIVE, S: INACTIVE, C: REMOVED}
fields:
  - {name: County_Code, canonical: county, start: 1, width: 3}
  - {name: VUID, canonical: voter_id, start: 4, width: 10}
  - {name: Last_Name, canonical: last_name, start: 14, width: 5}
  - {name: Date_of_Birth, canonical: birth_date, start: 19, width: 8}
  - {name: Status_Code, canonical: registration_status, start: 27, width: 1}
"""

SLOTS = """
id: test_slots
family: testslots
title: test slot history (header only in the first part)
record_kind: voter
state: IA
history:
  kind: slots
  groups:
    - count: 2
      election_type: GENERAL
      numbers: ['', '.1']
      columns: {election_date: 'GENERAL_DATE{n}', voting_method: 'GENERAL_METHOD{n}'}
    - count: 2
      columns: {election_label: 'HISTORY {n}'}
      election: {pattern: '^(?P<type>GE|PR)(?P<year>\\d{2})$', types: {GE: GENERAL, PR: PRIMARY}}
parts: {file_name: 'TESTSLOTS Part(?P<part>\\d+)', expected: numbers, header_in_first_only: true}
recognise: {header: names, required: [REGN_NUM, GENERAL_DATE]}
text: {delimiter: ","}
date_format: "%m/%d/%Y"
codes:
  voting_method: {A: ABSENTEE, V: IN_PERSON}
fields:
  - {name: REGN_NUM, canonical: voter_id}
  - {name: LAST_NAME, canonical: last_name}
  - {name: GENERAL_DATE}
  - {name: GENERAL_METHOD}
  - {name: GENERAL_DATE.1}
  - {name: GENERAL_METHOD.1}
  - {name: HISTORY 1}
  - {name: HISTORY 2}
"""

STRING = """
id: test_string
family: teststring
title: test history string (headerless, all quoted)
record_kind: voter
state: NY
history:
  kind: history_string
  column: VoterHistory
  separator: ";"
  # a year and a type word, in either order
  items:
    pattern: '^(?=.*?(?P<year>(?:19|20)\\d{2}))(?=.*?(?P<type>GENERAL|PRIMARY|SPECIAL|\\bGE\\b|\\bPP\\b))'
    types: {GE: GENERAL, PP: PRIMARY}
recognise: {header: none, file_name: '^teststring'}
text: {delimiter: ","}
fields:
  - {name: SBOEID, canonical: voter_id, pattern: 'NY\\d{8}'}
  - {name: LASTNAME, canonical: last_name}
  - {name: VoterHistory}
"""

MAPPED = """
id: test_mapped
family: testmapped
title: test slots decoded by a per-county election map (headerless, tab)
record_kind: voter
state: PA
history:
  kind: slots
  lookup: test_mapped_map
  groups:
    - {count: 2, columns: {voting_method: 'Election {n} Vote Method', party_ballot: 'Election {n} Party'}}
parts: {file_name: '^(?P<part>[A-Z]+) FVE \\d{8}', expected: numbers}
recognise: {header: none, file_name: ' FVE \\d{8}'}
text: {delimiter: "\\t"}
codes:
  party: {D: Democrat, R: Republican, NF: Independent}
  voting_method: {AP: IN_PERSON, AB: ABSENTEE, P: PROVISIONAL}
fields:
  - {name: ID Number, canonical: voter_id}
  - {name: Last Name, canonical: last_name}
  - {name: Party Code, canonical: party}
  - {name: Election 1 Vote Method}
  - {name: Election 1 Party}
  - {name: Election 2 Vote Method}
  - {name: Election 2 Party}
  - {name: County, canonical: county}
"""

MAPPED_MAP = """
id: test_mapped_map
family: testmapped
title: test election map (county, slot, description, date)
record_kind: election_map
state: PA
recognise: {header: none, file_name: ' Election Map \\d{8}'}
text: {delimiter: "\\t"}
date_format: "%m/%d/%Y"
fields:
  - {name: County Name, canonical: county}
  - {name: Election Number, canonical: slot}
  - {name: Election Description, canonical: election_label}
  - {name: Election Date, canonical: election_date}
"""

# The header of a TESTWIDE file (WIDE): the voter fields, then one column per election.
WIDE_HEADER = (
    "TEST_VOTERID,TEST_COUNTY,TEST_LAST,TEST_BIRTH,TEST_STATUS,TEST_PARTY,"
    "PRIMARY-03/15/2016,GENERAL-11/08/2016,SPECIAL-08/02/2016"
)

ALL = (WIDE, HEADERLESS, HEADERLESS_HISTORY, FIXED, SLOTS, STRING, MAPPED, MAPPED_MAP)


@contextmanager
def registered(monkeypatch, folder: Path, extra: tuple[str, ...] = ()) -> Iterator[None]:
    """A registry of the synthetic layouts alone (and `extra` ones), for the test's duration: the
    real state layouts would compete for the same small files."""
    for text in ALL + extra:
        data = yaml.safe_load(text)
        (folder / f"{data['id']}.yaml").write_text(text)
    extended = registry.layouts.__wrapped__(folder)
    monkeypatch.setattr(registry, "layouts", lambda folder=None: extended)
    monkeypatch.setattr(formats, "layouts", lambda folder=None: extended)
    import voter_platform.lib.ingest.partition as partition

    monkeypatch.setattr(partition, "layouts", lambda folder=None: extended)
    formats.formats.cache_clear()
    try:
        yield
    finally:
        formats.formats.cache_clear()
