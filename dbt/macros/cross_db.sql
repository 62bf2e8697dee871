{#- Dialect-specific expressions, dispatched so the project can move to another warehouse by
    adding implementations here rather than editing models. -#}

{#- Completed years from start_date to end_date (an age, a tenure). -#}
{% macro whole_years_between(start_date, end_date) -%}
    {{ return(adapter.dispatch('whole_years_between')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__whole_years_between(start_date, end_date) -%}
    (extract(year from {{ end_date }}) - extract(year from {{ start_date }})
     - case when extract(month from {{ end_date }}) * 100 + extract(day from {{ end_date }})
                 < extract(month from {{ start_date }}) * 100 + extract(day from {{ start_date }})
            then 1 else 0 end)
{%- endmacro %}

{% macro duckdb__whole_years_between(start_date, end_date) -%}
    date_sub('year', {{ start_date }}, {{ end_date }})
{%- endmacro %}


{#- The values of a date expression in a group (rows meeting the condition), as an array; order
    and duplicates are not guaranteed (a sorted distinct aggregate costs 6x as much). -#}
{% macro date_array_agg(expression, condition='true') -%}
    {{ return(adapter.dispatch('date_array_agg')(expression, condition)) }}
{%- endmacro %}

{% macro duckdb__date_array_agg(expression, condition) -%}
    coalesce(list({{ expression }}) filter (where {{ condition }}), [])
{%- endmacro %}

{% macro default__date_array_agg(expression, condition) -%}
    array_agg(case when {{ condition }} then {{ expression }} end)
{%- endmacro %}


{#- Whether an array holds a value. -#}
{% macro array_has(array, value) -%}
    {{ return(adapter.dispatch('array_has')(array, value)) }}
{%- endmacro %}

{% macro duckdb__array_has(array, value) -%}
    list_contains({{ array }}, {{ value }})
{%- endmacro %}

{% macro default__array_has(array, value) -%}
    array_contains({{ array }}, {{ value }})
{%- endmacro %}


{#- Whether a string fully matches a regular expression. -#}
{% macro regex_full_match(expression, pattern) -%}
    {{ return(adapter.dispatch('regex_full_match')(expression, pattern)) }}
{%- endmacro %}

{% macro duckdb__regex_full_match(expression, pattern) -%}
    regexp_full_match({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{% macro default__regex_full_match(expression, pattern) -%}
    regexp_like({{ expression }}, '^(?:{{ pattern }})$')
{%- endmacro %}


{#- A county name reduced to upper-case letters and digits, so that spellings of one county match
    ("St. Clair", "ST CLAIR" -> STCLAIR; "New Hanover", "NEW HANOVER" -> NEWHANOVER). -#}
{% macro county_key(expression) -%}
    {{ return(adapter.dispatch('county_key')(expression)) }}
{%- endmacro %}

{% macro duckdb__county_key(expression) -%}
    regexp_replace(upper({{ expression }}), '[^A-Z0-9]', '', 'g')
{%- endmacro %}

{% macro default__county_key(expression) -%}
    regexp_replace(upper({{ expression }}), '[^A-Z0-9]', '')
{%- endmacro %}


{#- The value of the row with the greatest order_by in a group (rows meeting the condition); ties
    broken by the greatest value, so a rebuild gives the same answer. -#}
{% macro value_at_max(value, order_by, condition='true') -%}
    {{ return(adapter.dispatch('value_at_max')(value, order_by, condition)) }}
{%- endmacro %}

{% macro duckdb__value_at_max(value, order_by, condition) -%}
    arg_max({{ value }}, struct_pack(o := {{ order_by }}, v := {{ value }})) filter (where {{ condition }})
{%- endmacro %}

{% macro default__value_at_max(value, order_by, condition) -%}
    max_by(case when {{ condition }} then {{ value }} end, case when {{ condition }} then {{ order_by }} end)
{%- endmacro %}
