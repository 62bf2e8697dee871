{{ config(alias='roll_coverage') }}
-- One row per state and source: what part of the state the roll covers.
-- Published as the mart holds it, so the dashboard reads one layer only.
with final as (
    select * from {{ ref('roll_coverage') }}
    where {{ in_analysis_window('analysis_date') }}
)

select * from final
