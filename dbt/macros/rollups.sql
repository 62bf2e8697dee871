{#- Rollups of the published layer (models/published): each published table carries an 'All' level for
    the dashboard's filter dimensions, so the dashboard picks the row of a filter combination instead of
    summing rows (which would drop suppressed cells from totals and cannot average averages). -#}

{#- The label of a rolled-up level (var rollup_all_label; the dashboard reads the same var through
    voter_platform/lib/vocabularies.py). -#}
{% macro rollup_all_label() -%}
    {{- var('rollup_all_label') -}}
{%- endmacro %}


{#- The column, or the 'All' label where GROUPING() rolled it up (a real null stays null). -#}
{% macro rolled_up(column) -%}
    case when grouping({{ column }}) = 1 then '{{ rollup_all_label() }}' else {{ column }} end
{%- endmacro %}


{#- A voter-weighted average that rolls up correctly (a mean of means would not). Summed as decimals: a
    parallel floating-point sum depends on thread timing in its last bits, and the published bytes must
    not. -#}
{% macro voter_weighted_average(column, weight='voters') -%}
    cast(
        sum(cast({{ column }} * {{ weight }} as decimal(38, 6)))
        / nullif(sum(case when {{ column }} is not null then {{ weight }} end), 0)
        as double
    )
{%- endmacro %}
