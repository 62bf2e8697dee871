{#- Fails for every non-null value outside [min_value, max_value] (bounds optional; exclusive
    when inclusive is false). Bounds are SQL expressions: numbers, or dates as
    "cast('2008-01-01' as date)", or other columns of the row. -#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}
select *
from {{ model }}
where {{ column_name }} is not null
  and (
    false
    {%- if min_value is not none %}
    or {{ column_name }} {{ '<' if inclusive else '<=' }} {{ min_value }}
    {%- endif %}
    {%- if max_value is not none %}
    or {{ column_name }} {{ '>' if inclusive else '>=' }} {{ max_value }}
    {%- endif %}
  )
{% endtest %}
