{#- Fails for every row in which one of the columns is null, naming the column. One test for the
    required columns of a model instead of one per column. -#}
{% test columns_not_null(model, columns) %}
{% for column in columns %}
select '{{ column }}' as failing_column, count(*) as null_rows
from {{ model }}
where {{ column }} is null
having count(*) > 0
{% if not loop.last %}union all{% endif %}
{% endfor %}
{% endtest %}
