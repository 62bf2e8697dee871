{#- Incremental strategy `analysis_dates`: replace exactly the analysis dates of the run.

    Every mart row carries its analysis_date. A run for its analysis window (macros/analysis_window.sql)
    deletes those dates and inserts what the model computed for them, in one transaction. Unlike
    delete+insert on unique_key, a date for which the model now yields no rows (say its only
    snapshot was rejected since) is emptied too, and re-running a date never doubles it. -#}
{% macro get_incremental_analysis_dates_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }}
    where {{ in_analysis_window('analysis_date') }};

    insert into {{ target }} ({{ columns }})
    select {{ columns }}
    from {{ source }}
    where {{ in_analysis_window('analysis_date') }}
{%- endmacro %}
