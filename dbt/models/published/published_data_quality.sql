{{ config(alias='data_quality') }}
-- Line counts per file and reason: about files, not voters.
-- Published as the mart holds it, so the dashboard reads one layer only.
with final as (
    select * from {{ ref('data_quality') }}
    where {{ in_analysis_window('analysis_date') }}
)

select * from final
