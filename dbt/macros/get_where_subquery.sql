{#- Data tests on the marts check only the analysis dates of the run (the marts keep every date;
    re-testing all of history on every run would grow without bound). Tests say so with
    `where: "__in_analysis_window__"` (set for the marts folder in dbt_project.yml); the placeholder
    is replaced here at run time (macros/analysis_window.sql). -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if where -%}
        {%- set where = replace_analysis_window_placeholder(where) -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- else -%}
        {{ return(relation) }}
    {%- endif -%}
{%- endmacro %}
