{#- The analysis dates of a run come from the vars first_analysis_date and last_analysis_date
    (inclusive), which Dagster sets from the partition window (voter_platform/lib/dbt_vars.py).
    Every model that depends on the date reads them through these macros, so a malformed or
    inverted window fails the run before any SQL is executed. -#}

{% macro _analysis_date_var(name) -%}
    {%- set value = var(name) | string -%}
    {%- if execute -%}
        {%- if not modules.re.fullmatch('\d{4}-\d{2}-\d{2}', value) -%}
            {{ exceptions.raise_compiler_error("dbt var " ~ name ~ " must be an ISO date YYYY-MM-DD, got '" ~ value ~ "'") }}
        {%- endif -%}
        {%- do modules.datetime.date.fromisoformat(value) -%}
    {%- endif -%}
    {{- return(value) -}}
{%- endmacro %}


{% macro first_analysis_date() -%}
    {%- set first = _analysis_date_var('first_analysis_date') -%}
    {%- set last = _analysis_date_var('last_analysis_date') -%}
    {%- if execute and first > last -%}
        {{ exceptions.raise_compiler_error("first_analysis_date " ~ first ~ " is after last_analysis_date " ~ last) }}
    {%- endif -%}
    cast('{{ first }}' as date)
{%- endmacro %}


{% macro last_analysis_date() -%}
    cast('{{ _analysis_date_var('last_analysis_date') }}' as date)
{%- endmacro %}


{#- One row per analysis date of the run, column analysis_date. -#}
{% macro analysis_date_series() -%}
    {{ return(adapter.dispatch('analysis_date_series')()) }}
{%- endmacro %}

{% macro default__analysis_date_series() -%}
    select cast(date_day as date) as analysis_date
    from ({{ dbt.date_spine('day', first_analysis_date(), dbt.dateadd('day', 1, last_analysis_date())) }}) as spine
{%- endmacro %}

{% macro duckdb__analysis_date_series() -%}
    select cast(unnest(generate_series({{ first_analysis_date() }}, {{ last_analysis_date() }}, interval 1 day)) as date) as analysis_date
{%- endmacro %}


{#- A SQL condition keeping the rows of the run's analysis dates. -#}
{% macro in_analysis_window(column='analysis_date') -%}
    {{ column }} between {{ first_analysis_date() }} and {{ last_analysis_date() }}
{%- endmacro %}
