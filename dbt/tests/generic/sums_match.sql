{#- Reconciliation between two models: per group, sum(column_name) in the tested model (rows
    kept by its `where` config and `row_filter`) equals the compare_expression aggregated in
    compare_model (rows kept by compare_filter, which may use __in_analysis_window__ as well).
    A group present on one side only fails too. Returns the groups that differ. -#}
{% test sums_match(model, column_name, compare_model, compare_expression, group_by, row_filter='true', compare_filter='true') %}
{%- set compare_filter = replace_analysis_window_placeholder(compare_filter) -%}
with tested as (
    select {{ group_by | join(', ') }}, sum({{ column_name }}) as tested_total
    from {{ model }}
    where {{ row_filter }}
    group by {{ group_by | join(', ') }}
),

compared as (
    select {{ group_by | join(', ') }}, {{ compare_expression }} as compared_total
    from {{ compare_model }}
    where {{ compare_filter }}
    group by {{ group_by | join(', ') }}
)

select *
from tested
full outer join compared using ({{ group_by | join(', ') }})
where tested_total is distinct from compared_total
{% endtest %}
