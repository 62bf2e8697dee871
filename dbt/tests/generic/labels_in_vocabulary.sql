{#- Fails for every row whose label columns hold a value (null included) outside the shared
    vocabulary (macro label_vocabularies). `columns` maps a column to its vocabulary's name when
    they differ, e.g. {presidential_lean: lean}; `extra` adds allowed values to one column,
    e.g. {gender: [All]}; `nullable` lists the columns that may be null (a label that does not
    apply). One test covers all the labels of a model. -#}
{% test labels_in_vocabulary(model, columns, extra={}, nullable=[]) %}
{%- set vocabularies = label_vocabularies() -%}
{% for column in columns %}
{%- set name = column if column is string else (column.keys() | list)[0] -%}
{%- set vocabulary = column if column is string else column[name] -%}
{%- set allowed = vocabularies[vocabulary] + extra.get(name, []) -%}
select '{{ name }}' as failing_column, cast({{ name }} as varchar) as value, count(*) as rows
from {{ model }}
where {% if name not in nullable %}{{ name }} is null or {% endif %}{{ name }} not in ({% for value in allowed %}'{{ value }}'{% if not loop.last %}, {% endif %}{% endfor %})
group by {{ name }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
{% endtest %}
