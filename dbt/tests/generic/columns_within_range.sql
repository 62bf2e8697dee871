{#- Fails for every row in which one of the columns holds a non-null value outside
    [min_value, max_value]; the failing column is named in the result. One test for a family of
    columns (all the percentages of a mart) instead of one per column. -#}
{% test columns_within_range(model, columns, min_value, max_value) %}
{% for column in columns %}
select '{{ column }}' as failing_column, cast({{ column }} as double) as value
from {{ model }}
where {{ column }} < {{ min_value }} or {{ column }} > {{ max_value }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
{% endtest %}
