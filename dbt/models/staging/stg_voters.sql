-- Voters as loaded, one row per voter per snapshot, without PII: the source's voter id becomes a
-- salted key, names a salted hash (so a name change can be detected without the name), contact
-- details become presence flags (for completeness measures). birth_date is passed through for
-- the exact age on each analysis date; no model persists it. Registered party and the party of the
-- latest primary ballot (a state without party registration, e.g. Ohio) are two columns, never merged
-- here: registered_party stays Unknown where the state has no registration.
with source as (
    select * from {{ source('raw', 'voters') }}
),

renamed as (
    select
        source_id,
        partition_date as snapshot_date,
        file_name,
        voter_id,
        {{ salted_hash(['source_id', 'voter_id']) }} as voter_key,
        -- null when a name part is missing: a blank name is missing data, not a name change
        case
            when nullif(trim(first_name), '') is not null and nullif(trim(last_name), '') is not null
                then {{ salted_hash([
                    'lower(trim(first_name))', 'lower(trim(middle_name))', 'lower(trim(last_name))', 'lower(trim(name_suffix))'
                ]) }}
        end as name_hash,
        birth_date,
        birth_year,
        age as age_on_snapshot,
        {{ gender_label('gender') }} as gender,
        upper(trim(state)) as state,
        nullif(upper(trim(county)), '') as county,
        {{ party_label('party') }} as registered_party,
        {{ party_label('primary_ballot_party') }} as primary_ballot_party,
        registration_status,
        -- Registered = not REMOVED or DENIED; a missing status counts as registered.
        coalesce(registration_status not in ('REMOVED', 'DENIED'), true) as is_registered,
        registered_date,
        last_voted_date,
        updated_at,
        coalesce(trim(first_name), '') <> '' as has_first_name,
        coalesce(trim(last_name), '') <> '' as has_last_name,
        birth_date is not null as has_birth_date,
        coalesce(trim(email), '') <> '' as has_email,
        coalesce(trim(phone), '') <> '' as has_phone,
        coalesce(trim(street_address), '') <> '' as has_street_address,
        coalesce(trim(zip_code), '') <> '' as has_zip_code
    from source
),

final as (
    select * from renamed
)

select * from final
