{#- SQL string literals from Jinja values: the one place quotes are escaped in this project
    (Python's counterpart is voter_platform/lib/sql.py). -#}
{% macro sql_string(value) -%}
    '{{ value | string | replace("'", "''") }}'
{%- endmacro %}


{#- A comma-separated list of string literals, for `x in (...)`. -#}
{% macro sql_string_list(values) -%}
    {%- set literals = [] -%}
    {%- for value in values -%}{%- do literals.append(sql_string(value)) -%}{%- endfor -%}
    {{- literals | join(', ') -}}
{%- endmacro %}
