{#- The analysis dates of a run, inclusive, come from the environment variables
    VOTER_PLATFORM_FIRST_ANALYSIS_DATE and VOTER_PLATFORM_LAST_ANALYSIS_DATE, which Dagster sets
    from the partition window (voter_platform/lib/dbt_vars.py). By hand:

        VOTER_PLATFORM_FIRST_ANALYSIS_DATE=2026-11-04 VOTER_PLATFORM_LAST_ANALYSIS_DATE=2026-11-04 dbt build

    Why not dbt vars: dbt re-parses the whole project whenever --vars change, i.e. on every run.
    The variables are read only while a model executes (dbt also renders every model when it
    parses, with `execute` false); a parse therefore never depends on the window and dbt's
    partial-parse state stays valid from one date to the next.

    Every model that depends on the date reads it through these macros, so a missing, malformed or
    inverted window fails the run before any SQL is executed. -#}

{% macro _analysis_date_env(name) -%}
    {%- if not execute -%}
        {#- parsing: the SQL is not run, any date will do -#}
        {{- return('1900-01-01') -}}
    {%- endif -%}
    {%- set value = env_var(name, '') -%}
    {%- if not value -%}
        {{ exceptions.raise_compiler_error(
            name ~ " is not set: the analysis dates of a run come from VOTER_PLATFORM_FIRST_ANALYSIS_DATE and "
            ~ "VOTER_PLATFORM_LAST_ANALYSIS_DATE (inclusive, YYYY-MM-DD). Dagster sets them from the partition; "
            ~ "by hand, export both.") }}
    {%- endif -%}
    {%- if not modules.re.fullmatch('\d{4}-\d{2}-\d{2}', value) -%}
        {{ exceptions.raise_compiler_error(name ~ " must be an ISO date YYYY-MM-DD, got '" ~ value ~ "'") }}
    {%- endif -%}
    {%- do modules.datetime.date.fromisoformat(value) -%}
    {{- return(value) -}}
{%- endmacro %}


{% macro first_analysis_date() -%}
    {%- set first = _analysis_date_env('VOTER_PLATFORM_FIRST_ANALYSIS_DATE') -%}
    {%- set last = _analysis_date_env('VOTER_PLATFORM_LAST_ANALYSIS_DATE') -%}
    {%- if execute and first > last -%}
        {{ exceptions.raise_compiler_error("VOTER_PLATFORM_FIRST_ANALYSIS_DATE " ~ first ~ " is after VOTER_PLATFORM_LAST_ANALYSIS_DATE " ~ last) }}
    {%- endif -%}
    cast('{{ first }}' as date)
{%- endmacro %}


{% macro last_analysis_date() -%}
    cast('{{ _analysis_date_env('VOTER_PLATFORM_LAST_ANALYSIS_DATE') }}' as date)
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


{#- Test conditions stand for the run's dates with the placeholder __in_analysis_window__ (the
    window is known only when the test runs, not when the YAML is written): replace it here. -#}
{% macro replace_analysis_window_placeholder(condition) -%}
    {{ return(condition | replace('__in_analysis_window__', in_analysis_window('analysis_date'))) }}
{%- endmacro %}
