{#- Data tests on the marts check only the analysis dates of the run (the marts keep every date;
    re-testing all of history on every run would grow without bound). Tests say so with
    `where: "__in_analysis_window__"` (set for the marts folder in dbt_project.yml); the placeholder
    is replaced here at run time, because the window is a run-time var. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if where -%}
        {%- set where = where | replace('__in_analysis_window__', in_analysis_window('analysis_date')) -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- else -%}
        {{ return(relation) }}
    {%- endif -%}
{%- endmacro %}
