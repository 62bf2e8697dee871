"""Duplicates, in SQL: one version of each record is loaded, every other one is recorded.

Among the records that passed the rules (a quarantined record never competes):

* identical records (same typed values) are kept once, at their first line; the repeats go to
  `raw.superseded_records` as `exact_duplicate`;
* records with the same key but different values: the newest `updated_at` wins, else the last line
  in the file; the others are `conflicting_older`. The key is the voter id for voters, and
  (voter id, election date, election type) for vote history.

Only keys that occur more than once are examined, so a clean file costs one aggregation.

Different ids that look like the same person (same first + last name and email, or same first + last
name and birth date) are listed in `raw.possible_duplicates` and never merged.
"""

from __future__ import annotations

from voter_platform.lib.ingest.formats import VOTER
from voter_platform.lib.ingest.records import typed_columns

# Larger groups sharing an email (or a name and birth date) are placeholders, not people.
MAX_GROUP = 10

DEDUP_KEYS = {VOTER: ("voter_id",), "vote_history": ("voter_id", "election_date", "election_type")}


def superseded_sql(
    candidates: str, record_kind: str, target: str, repeated_hashes: str | None, apart: str | None = None
) -> str:
    """CREATE `target` (line_number, part, voter_id, kept_line_number, reason) for the losers.

    `candidates` is a relation of the records still in the running (not quarantined) with their
    typed columns. `repeated_hashes` is a table of 64-bit key hashes seen more than once (collected
    while validating, see schemas.py); only the records with those hashes are compared exactly.
    None: no key repeats, nothing is superseded. `apart`: a column of `candidates` whose values never
    compete (the file of each record, when the parts of a product are read together: a record two
    parts hold is settled across parts, see parts.py).
    """
    keys = DEDUP_KEYS[record_kind]
    hashed_keys = ", ".join(keys)
    keys = ((apart,) if apart else ()) + keys
    key_list = ", ".join(keys)
    key_join = " and ".join(f"versions.{key} is not distinct from winners.{key}" for key in keys)
    value_columns = ", ".join(typed_columns(record_kind))
    newest = "updated_at" if record_kind == VOTER else "null::timestamp"
    if repeated_hashes is None:
        return f"""
            create or replace temp table {target} as
            select null::bigint as line_number, null::tinyint as part, null::varchar as voter_id,
                null::bigint as kept_line_number, null::varchar as reason
            where false
        """
    return f"""
        create or replace temp table {target} as
        with versions as (
            select line_number, part, {key_list},
                -- Records without updated_at compare as oldest, then by position in the file.
                coalesce({newest}, timestamp '0001-01-01') as newest,
                hash({value_columns}) as row_hash
            from {candidates} as candidates
            where hash({hashed_keys}) in (select key_hash from {repeated_hashes})
        ),
        version_summary as (
            select {key_list}, row_hash, max(newest) as newest,
                min(struct_pack(line := line_number, part := part)) as first_occurrence,
                max(struct_pack(line := line_number, part := part)) as last_occurrence
            from versions group by all
        ),
        winners as (
            select {key_list},
                arg_max(row_hash, struct_pack(newest := newest, "position" := last_occurrence)) as row_hash,
                arg_max(first_occurrence, struct_pack(newest := newest, "position" := last_occurrence)) as kept
            from version_summary group by all
        )
        select versions.line_number, versions.part, versions.voter_id,
            winners.kept.line as kept_line_number,
            case when versions.row_hash = winners.row_hash then 'exact_duplicate' else 'conflicting_older' end as reason
        from versions join winners on {key_join}
        where not (versions.line_number = winners.kept.line and versions.part = winners.kept.part)
    """


def possible_duplicates_sql(loaded: str) -> str:
    """SELECT (voter_id, other_voter_id, match_rule) pairs over the loaded voter records `loaded`.

    Values compare trimmed and case-insensitively; each pair is listed once per rule, lower id first.

    * same_name_and_email: the same email, and first and last names that agree wherever both are
      present (a record whose name was left blank still matches the record it probably repeats);
    * same_name_and_birth_date: the same first name, last name and birth date, all present.

    Groups of more than MAX_GROUP records are left out (placeholder values).
    """
    return f"""
        with people as (
            select voter_id, lower(trim(first_name)) as first_name, lower(trim(last_name)) as last_name,
                lower(trim(email)) as email, birth_date
            from {loaded}
        ),
        -- Only people whose email (or name and birth date) occurs more than once can pair up. A
        -- value shared by many records is a placeholder ("none@none.com"), not a person: listing
        -- every pair would grow with the square of the group.
        shared_email as (
            select * from people semi join (
                select email from people where email is not null
                group by email having count(*) between 2 and {MAX_GROUP}
            ) using (email)
        ),
        shared_name as (
            select * from people semi join (
                select first_name, last_name, birth_date from people
                where first_name is not null and last_name is not null and birth_date is not null
                group by all having count(*) between 2 and {MAX_GROUP}
            ) using (first_name, last_name, birth_date)
        ),
        by_email as (
            select a.voter_id, b.voter_id as other_voter_id, 'same_name_and_email' as match_rule
            from shared_email a join shared_email b on a.email = b.email and a.voter_id < b.voter_id
            where (a.first_name is null or b.first_name is null or a.first_name = b.first_name)
              and (a.last_name is null or b.last_name is null or a.last_name = b.last_name)
        ),
        by_birth_date as (
            select a.voter_id, b.voter_id as other_voter_id, 'same_name_and_birth_date' as match_rule
            from shared_name a join shared_name b
              on a.first_name = b.first_name and a.last_name = b.last_name and a.birth_date = b.birth_date
                and a.voter_id < b.voter_id
        )
        select * from by_email union all select * from by_birth_date
    """
