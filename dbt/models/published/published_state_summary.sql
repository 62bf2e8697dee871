{{ config(alias='state_summary') }}
-- One row per state already; the national level comes from the engagement cube.
-- Published as the mart holds it, so the dashboard reads one layer only.
with final as (
    select * from {{ ref('state_summary') }}
    where {{ in_analysis_window('analysis_date') }}
)

select * from final
