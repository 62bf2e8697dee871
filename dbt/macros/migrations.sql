{#- Changes to a mart's contract that an incremental model cannot make on a table built before them
    (dbt adds new columns, but never drops a constraint). Used as pre-hooks; idempotent, and a no-op
    when the table does not exist yet. -#}

{#- A column that may now be null (e.g. targeting_opportunities.opportunity_score, null since a segment
    without any voter of known history has no score). -#}
{% macro drop_not_null(column) -%}
    {%- set existing = adapter.get_relation(database=this.database, schema=this.schema, identifier=this.identifier) if execute else none -%}
    {%- if existing is not none -%}
        alter table {{ existing }} alter column {{ adapter.quote(column) }} drop not null
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
