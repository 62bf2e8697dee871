{#- Fails for every non-null value that does not fully match the regular expression. -#}
{% test matches_regex(model, column_name, pattern) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} is not null
  and not {{ regex_full_match(column_name, pattern) }}
{% endtest %}
