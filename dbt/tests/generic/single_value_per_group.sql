{#- Fails for every group in which the column takes more than one distinct value (e.g. a total
    repeated on every row of a state must be the same on all of them). -#}
{% test single_value_per_group(model, column_name, group_by) %}
select {{ group_by | join(', ') }}, count(distinct {{ column_name }}) as distinct_values
from {{ model }}
group by {{ group_by | join(', ') }}
having count(distinct {{ column_name }}) > 1
{% endtest %}
