"""The raw layer of the DuckDB warehouse: the tables the ingest writes and dbt reads.

This is the contract between the ingest (voter_platform/lib/ingest, defs/ingest) and the dbt
project (dbt/models/staging reads these as the `raw` source). Columns marked PII never leave the
warehouse: staging models do not select them.

Vocabularies (normalised by the ingest, whatever the source spelled):
  party                Democrat | Republican | Libertarian | Green | Independent | Other | NULL (none recorded)
  gender               F | M | X | U
  registration_status  ACTIVE | INACTIVE | REMOVED | DENIED | TEMPORARY | NULL
  election_type        GENERAL | PRIMARY | RUNOFF | SPECIAL | MUNICIPAL | OTHER
  voting_method        IN_PERSON | EARLY | ABSENTEE | MAIL | PROVISIONAL | OTHER | NULL
  history_coverage     per_election (the source ships one row per voter per election)
                       | last_vote_only (only a last-vote date: earlier participation is unknown)
                       | none (a voters file without its history file: participation is unknown)
  race                 White | Black | Hispanic | Asian | American Indian | Pacific Islander | Two or More
                       | Other | Unknown | NULL
  ethnicity            Hispanic | Not Hispanic | Unknown | NULL
"""

from __future__ import annotations

import duckdb

RAW_SCHEMA = "raw"

RAW_TABLES_DDL = """
create schema if not exists raw;

-- One row per (source, snapshot date) the ingest has loaded. dbt's "latest snapshot on or before the
-- analysis date" reads this table; only accepted snapshots count.
create table if not exists raw.snapshots (
    source_id            varchar   not null,  -- canonical:NC | goodparty:goodparty_voters | ncsbe:NC | fl:FL ...
    partition_date       date      not null,  -- the snapshot's as-of date (Dagster partition)
    file_format          varchar   not null,  -- canonical | goodparty | ncsbe
    voters_file          varchar,
    history_file         varchar,
    history_coverage     varchar   not null,  -- per_election | last_vote_only | none
    voters_loaded        bigint    not null,
    history_rows_loaded  bigint    not null,
    rows_quarantined     bigint    not null,
    quarantine_rate_pct  double    not null,
    accepted             boolean   not null,  -- false: over the quarantine threshold, kept for inspection only
    run_id               varchar,
    loaded_at            timestamp not null,
    voters_file_sha256   varchar,             -- identifies the snapshot: the same file again is a no-op
    history_file_sha256  varchar,
    message              varchar,             -- why a snapshot was not accepted
    primary key (source_id, partition_date)
);

create table if not exists raw.voters (
    partition_date       date      not null,
    source_id            varchar   not null,
    file_name            varchar   not null,
    line_number          bigint    not null,  -- physical line in the file, 1 = header
    voter_id             varchar   not null,  -- the source's id, unique per (source_id, partition_date)
    first_name           varchar,             -- PII
    middle_name          varchar,             -- PII
    last_name            varchar,             -- PII
    name_suffix          varchar,             -- PII
    email                varchar,             -- PII
    phone                varchar,             -- PII
    street_address       varchar,             -- PII
    city                 varchar,             -- PII
    zip_code             varchar,             -- PII
    birth_date           date,                -- PII
    birth_year           integer,
    age                  integer,             -- age on partition_date (given by the source or derived)
    gender               varchar   not null,
    race                 varchar,
    ethnicity            varchar,
    state                varchar   not null,  -- USPS code
    county               varchar,             -- county name, upper case
    party                varchar,             -- registered party; NULL where the state has no registration
    primary_ballot_party varchar,             -- the latest primary ballot's party, where the state derives one (OH)
    registration_status  varchar,
    status_reason        varchar,
    registered_date      date,
    last_voted_date      date,
    updated_at           timestamp,
    confidential         boolean,             -- the source marks the record confidential (address withheld)
    record_fingerprint   varchar   not null,  -- md5 over (voter_id, first_name, last_name, email)
    quality_flags        varchar[] not null   -- soft-rule findings on a loaded row, e.g. invalid_email
);

create table if not exists raw.vote_history (
    partition_date       date      not null,
    source_id            varchar   not null,
    file_name            varchar   not null,
    line_number          bigint    not null,
    voter_id             varchar   not null,
    election_date        date      not null,
    election_type        varchar   not null,
    election_label       varchar,             -- the source's own label, e.g. "11/08/2016 GENERAL"
    voting_method        varchar,
    party_ballot         varchar,
    quality_flags        varchar[]            -- soft-rule findings, e.g. unknown_voting_method
);

-- Lines that could not be loaded, with why. raw_line is the text as read (PII: warehouse only).
create table if not exists raw.quarantine (
    partition_date       date      not null,
    source_id            varchar,
    file_name            varchar   not null,
    line_number          bigint,              -- null only for file-level problems
    record_kind          varchar   not null,  -- voter | vote_history | file
    voter_id             varchar,
    reasons              varchar[] not null,
    raw_line             varchar,
    detail               varchar              -- e.g. "9 fields, expected 11"; never contains the line's values
);

-- Lines that were loaded once but not twice: exact duplicates, and older conflicting versions of
-- the same voter id. Never errors, never silently dropped.
create table if not exists raw.superseded_records (
    partition_date       date      not null,
    source_id            varchar   not null,
    file_name            varchar   not null,
    line_number          bigint    not null,
    record_kind          varchar   not null,  -- voter | vote_history
    voter_id             varchar   not null,
    kept_line_number     bigint    not null,  -- the line that was loaded instead
    reason               varchar   not null,  -- exact_duplicate | conflicting_older | in_another_part
    kept_file_name       varchar              -- in_another_part: the part (file) whose copy was kept
);

-- Different ids that look like the same person; flagged, never merged.
create table if not exists raw.possible_duplicates (
    partition_date       date      not null,
    source_id            varchar   not null,
    voter_id             varchar   not null,
    other_voter_id       varchar   not null,
    match_rule           varchar   not null   -- same_name_and_email | same_name_and_birth_date
);

-- One row per file per run: what happened to it.
create table if not exists raw.ingest_log (
    run_id               varchar,
    partition_date       date,
    file_name            varchar   not null,
    file_size            bigint,
    file_sha256          varchar,
    file_mtime           timestamp,
    date_source          varchar,             -- file name | file content | modification time
    file_format          varchar,
    source_id            varchar,
    encoding             varchar,
    status               varchar   not null,  -- loaded | rejected | unchanged | duplicate_drop | missing | empty
                                              -- | unreadable | unknown_format | failed
    message              varchar,
    lines_read           bigint,
    header_lines         bigint,
    blank_lines          bigint,
    rows_loaded          bigint,
    rows_quarantined     bigint,
    rows_superseded      bigint,
    rows_recovered       bigint,              -- records recovered from glued lines
    quarantine_reasons   varchar,             -- JSON object reason -> count
    started_at           timestamp,
    finished_at          timestamp,
    file_layout          varchar,             -- e.g. goodparty (10 columns + 3 empty), ncsbe_ncvoter (71 columns)
    glued_lines          bigint,              -- lines split into two records (each adds one record)
    quality_flags        varchar,             -- JSON object flag -> count, over the loaded rows
    quarantine_rate_pct  double,              -- rows_quarantined / records, in percent
    history_rows_derived bigint,              -- vote-history rows read from the voters file's own history columns
    continuation_lines   bigint               -- lines continuing a record (a line break inside a quoted value)
);
"""


# Columns added after the first release: a warehouse created before them gains them (nullable).
RAW_TABLES_MIGRATIONS = """
alter table raw.voters add column if not exists primary_ballot_party varchar;
alter table raw.voters add column if not exists confidential boolean;
alter table raw.superseded_records add column if not exists kept_file_name varchar;
alter table raw.ingest_log add column if not exists history_rows_derived bigint;
alter table raw.ingest_log add column if not exists continuation_lines bigint;
"""


def ensure_raw_tables(connection: duckdb.DuckDBPyConnection) -> None:
    """Create the raw schema and tables when missing, and add later columns (idempotent)."""
    connection.execute(RAW_TABLES_DDL)
    connection.execute(RAW_TABLES_MIGRATIONS)
