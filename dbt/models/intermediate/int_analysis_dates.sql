-- The analysis dates of this run: one row per day in [first_analysis_date, last_analysis_date].
-- Every date-dependent model crosses its inputs with these rows, so a range runs set-based in
-- one dbt invocation.
with analysis_dates as (
    {{ analysis_date_series() }}
),

final as (
    select analysis_date from analysis_dates
)

select * from final
