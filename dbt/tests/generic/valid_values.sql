{#- Every row-level rule of a model in one test, checked in one scan.

    Fails with one row per broken rule: the rule, how many rows break it and the smallest offending
    value (for rules on one column). One dbt test per model instead of one per column and rule
    keeps the run short (each dbt test costs a node of its own) and the big models are read once.

    Arguments (all optional):
      not_null         [column, ...]                  the column holds a value
      labels           [column | {column: vocabulary}, ...]
                                                      a label of a shared vocabulary (macro
                                                      label_vocabularies; by default the column's
                                                      own name); null fails unless the column is
                                                      in nullable_labels
      nullable_labels  [column, ...]                  label columns where null means "does not apply"
      rolled_up_labels [column, ...]                  label columns that may also hold the rollup
                                                      level (macro rollup_all_label) of a published table
      accepted_values  {column: [value, ...]}         one of these values (null passes)
      ranges           {column: {min: x, max: y}}     within the bounds, inclusive; either bound may
                                                      be left out; bounds are SQL expressions (null passes)
      percentages      [column, ...]                  within 0-100 (null passes)
      patterns         {column: regular expression}   matches in full (null passes)
      expressions      {rule name: SQL condition}     true on every row (null fails)
-#}
{% test valid_values(model, not_null=[], labels=[], nullable_labels=[], rolled_up_labels=[], accepted_values={}, ranges={}, percentages=[], patterns={}, expressions={}) %}
{%- set rules = [] -%}
{%- for column in not_null -%}
    {%- do rules.append({'name': column ~ ' is not null', 'fails': column ~ ' is null', 'value': none}) -%}
{%- endfor -%}
{%- set vocabularies = label_vocabularies() -%}
{%- for label in labels -%}
    {%- set column = label if label is string else (label.keys() | list)[0] -%}
    {%- set vocabulary = label if label is string else label[column] -%}
    {%- set null_fails = '' if column in nullable_labels else column ~ ' is null or ' -%}
    {%- set members = vocabularies[vocabulary] -%}
    {%- if members is mapping -%}
        {%- set allowed = 'select ' ~ members.column ~ ' from ' ~ ref(members.seed) -%}
    {%- else -%}
        {%- set allowed = sql_string_list(members) -%}
    {%- endif -%}
    {%- set also_rolled_up = " and " ~ column ~ " <> '" ~ rollup_all_label() ~ "'" if column in rolled_up_labels else '' -%}
    {%- do rules.append({
        'name': column ~ ' is a ' ~ vocabulary ~ ' label' ~ (' or ' ~ rollup_all_label() if also_rolled_up else ''),
        'fails': null_fails ~ '(' ~ column ~ ' not in (' ~ allowed ~ ')' ~ also_rolled_up ~ ')',
        'value': column}) -%}
{%- endfor -%}
{%- for column, values in accepted_values.items() -%}
    {%- do rules.append({
        'name': column ~ ' in (' ~ values | join(', ') ~ ')',
        'fails': column ~ ' not in (' ~ sql_string_list(values) ~ ')',
        'value': column}) -%}
{%- endfor -%}
{%- for column, bounds in ranges.items() -%}
    {%- set low, high = bounds.get('min'), bounds.get('max') -%}
    {%- if low is not none and high is not none -%}
        {%- set name, fails = column ~ ' within [' ~ low ~ ', ' ~ high ~ ']', column ~ ' < ' ~ low ~ ' or ' ~ column ~ ' > ' ~ high -%}
    {%- elif low is not none -%}
        {%- set name, fails = column ~ ' >= ' ~ low, column ~ ' < ' ~ low -%}
    {%- else -%}
        {%- set name, fails = column ~ ' <= ' ~ high, column ~ ' > ' ~ high -%}
    {%- endif -%}
    {%- do rules.append({'name': name, 'fails': fails, 'value': column}) -%}
{%- endfor -%}
{%- for column in percentages -%}
    {%- do rules.append({'name': column ~ ' within [0, 100]', 'fails': column ~ ' < 0 or ' ~ column ~ ' > 100', 'value': column}) -%}
{%- endfor -%}
{%- for column, pattern in patterns.items() -%}
    {%- do rules.append({
        'name': column ~ ' matches ' ~ pattern,
        'fails': column ~ ' is not null and not ' ~ regex_full_match(column, pattern),
        'value': column}) -%}
{%- endfor -%}
{%- for name, condition in expressions.items() -%}
    {%- do rules.append({'name': name, 'fails': 'not coalesce((' ~ condition ~ '), false)', 'value': none}) -%}
{%- endfor -%}

with checked as (
    select
        {%- for rule in rules %}
        sum(case when {{ rule.fails }} then 1 else 0 end) as failing_{{ loop.index }},
        {%- if rule.value is not none %}
        min(case when {{ rule.fails }} then cast({{ rule.value }} as varchar) end) as example_{{ loop.index }}
        {%- else %}
        cast(null as varchar) as example_{{ loop.index }}
        {%- endif %}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ model }}
),

rules as (
    {%- for rule in rules %}
    select {{ loop.index }} as rule_number, {{ sql_string(rule.name) }} as rule
    {{- ' union all' if not loop.last }}
    {%- endfor %}
),

results as (
    select
        rules.rule,
        case rules.rule_number
            {%- for rule in rules %}
            when {{ loop.index }} then checked.failing_{{ loop.index }}
            {%- endfor %}
        end as failing_rows,
        case rules.rule_number
            {%- for rule in rules %}
            when {{ loop.index }} then checked.example_{{ loop.index }}
            {%- endfor %}
        end as example_value
    from rules
    cross join checked
)

select * from results
where failing_rows > 0
{% endtest %}

