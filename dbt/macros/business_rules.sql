{#- The platform's business rules, one macro each, with thresholds from dbt vars (defaults in
    dbt_project.yml). Models call these instead of repeating the CASE expressions, and the unit
    tests in the model YAML pin their boundaries. -#}

{#- Party labels (seed party_labels): the ingest normalises to the recorded parties; none recorded
    is 'Unknown', and anything else a source still carries is 'Other'. -#}
{% macro party_label(party) -%}
    case
        when {{ party }} is null or trim({{ party }}) = '' then 'Unknown'
        when {{ party }} in (select party from {{ ref('party_labels') }} where is_recorded_party) then {{ party }}
        else 'Other'
    end
{%- endmacro %}


{% macro gender_label(gender) -%}
    case {{ gender }}
        when 'F' then 'Female'
        when 'M' then 'Male'
        when 'X' then 'Other'
        else 'Unknown'
    end
{%- endmacro %}


{#- The party a state's numbers are analysed by, on one date: its party basis.
      registration    at least registration_lean_min_party_recorded_pct of the state's registered
                      voters have a registered party: party is the registered party;
      primary_ballot  otherwise, when the party of a primary ballot is known for some voter (Ohio's
                      PARTY_AFFILIATION, or a party ballot in the vote history of a state without
                      party registration): party is the party of the voter's latest primary ballot
                      (Unknown for a voter without one). It is never reported as a registration;
      none            otherwise: the registered party where one is recorded, mostly Unknown.
    A registration lean (state_summary) is drawn only from the registration basis. -#}
{% macro party_basis(voters, registered_party_voters, primary_ballot_party_voters) -%}
    case
        when 100.0 * ({{ registered_party_voters }}) >= {{ var('registration_lean_min_party_recorded_pct') }} * ({{ voters }})
            and ({{ registered_party_voters }}) > 0 then 'registration'
        when ({{ primary_ballot_party_voters }}) > 0 then 'primary_ballot'
        else 'none'
    end
{%- endmacro %}


{#- How the party basis reads beside a state's party numbers. -#}
{% macro party_basis_label(party_basis) -%}
    case {{ party_basis }}
        when 'registration' then 'registered party'
        when 'primary_ballot' then 'party from primary ballots'
        else 'party not recorded'
    end
{%- endmacro %}


{#- A voter's party under the state's party basis (labels of macro party_label). Where the state records
    no party (basis 'none'), the few voters a file still gives a party are not counted as that party: a
    segment named "Republicans in Mississippi" would claim what the roll does not record. -#}
{% macro party_of_basis(party_basis, registered_party, primary_ballot_party) -%}
    case {{ party_basis }}
        when 'registration' then {{ registered_party }}
        when 'primary_ballot' then {{ primary_ballot_party }}
        else 'Unknown'
    end
{%- endmacro %}


{#- Age from a birth year alone: the age the voter reaches in the calendar year of on_date. On that
    date they are that age or one year younger (to within a year); it is never stored as an age,
    only used for age groups and the "at least 18 on election day" rule. -#}
{% macro age_from_birth_year(birth_year, on_date) -%}
    (cast(extract(year from {{ on_date }}) as integer) - {{ birth_year }})
{%- endmacro %}


{#- Age groups 18-29, 30-49, 50-64, 65+; a missing or implausible age (under 18 or over 120,
    e.g. a pre-registered 17-year-old) is 'Unknown'. -#}
{% macro age_group(age) -%}
    {%- set age = '(' ~ age ~ ')' -%}
    case
        when {{ age }} between 18 and 29 then '18-29'
        when {{ age }} between 30 and 49 then '30-49'
        when {{ age }} between 50 and 64 then '50-64'
        when {{ age }} between 65 and 120 then '65+'
        else 'Unknown'
    end
{%- endmacro %}


{#- Engagement tier from the number of federal general elections held since the voter's last vote
    (null = no vote on record). Current 0, Missed Last Election 1, Occasional 2..occasional_max,
    Infrequent ..infrequent_max, Dormant beyond. No vote on record is Never Voted where the source
    records votes (history_coverage per_election or last_vote_only) and History Unknown where it
    records none (a voters file loaded without vote history: history_coverage none). -#}
{% macro engagement_tier(generals_missed, history_coverage) -%}
    {%- set generals_missed = '(' ~ generals_missed ~ ')' -%}
    case
        when {{ generals_missed }} is null and {{ history_coverage }} in ('per_election', 'last_vote_only') then 'Never Voted'
        when {{ generals_missed }} is null then 'History Unknown'
        when {{ generals_missed }} = 0 then 'Current'
        when {{ generals_missed }} = 1 then 'Missed Last Election'
        when {{ generals_missed }} <= {{ var('tier_occasional_max_missed') }} then 'Occasional'
        when {{ generals_missed }} <= {{ var('tier_infrequent_max_missed') }} then 'Infrequent'
        else 'Dormant'
    end
{%- endmacro %}


{#- The sort position of an engagement tier (seed engagement_tiers), null for any other label. -#}
{% macro tier_order(tier) -%}
    (select tiers.tier_order from {{ ref('engagement_tiers') }} as tiers where tiers.engagement_tier = {{ tier }})
{%- endmacro %}


{#- Opportunity score 0-100 of a group of voters:
    100 * (w_missed * share who missed only the last election
           + w_lapsed * share who lapsed 2-3 elections
           + w_tenure * min(average tenure years / tenure cap, 1)
           + w_size * min(voters / size cap, 1)).
    Shares are fractions (0-1). Rounded to two decimals so a rebuild gives the same value. -#}
{% macro opportunity_score(missed_last_share, lapsed_2_3_share, avg_tenure_years, voters) -%}
    round(100.0 * (
        {{ var('opportunity_weight_missed_last') }} * coalesce({{ missed_last_share }}, 0)
        + {{ var('opportunity_weight_lapsed_2_3') }} * coalesce({{ lapsed_2_3_share }}, 0)
        + {{ var('opportunity_weight_tenure') }} * least(coalesce({{ avg_tenure_years }}, 0) / {{ var('opportunity_tenure_cap_years') }}, 1.0)
        + {{ var('opportunity_weight_size') }} * least(({{ voters }}) * 1.0 / {{ var('opportunity_size_cap_voters') }}, 1.0)
    ), 2)
{%- endmacro %}


{#- Priority of a targeting segment: High / Medium by score thresholds, only for segments of at
    least the minimum size; everything else Low. -#}
{% macro priority_tier(score, meets_min_size) -%}
    case
        when not {{ meets_min_size }} then 'Low'
        when {{ score }} >= {{ var('priority_high_min_score') }} then 'High'
        when {{ score }} >= {{ var('priority_medium_min_score') }} then 'Medium'
        else 'Low'
    end
{%- endmacro %}


{#- Partisan lean from a margin in percentage points (D minus R):
    Strong > strong_above, Lean from lean_from up to strong_above, Competitive from
    competitive_from up to lean_from, Highly Competitive below competitive_from. -#}
{% macro lean_label(margin_pts) -%}
    {%- set margin_pts = '(' ~ margin_pts ~ ')' -%}
    case
        when {{ margin_pts }} is null then null
        when abs({{ margin_pts }}) < {{ var('lean_competitive_from_pts') }} then 'Highly Competitive'
        when abs({{ margin_pts }}) < {{ var('lean_lean_from_pts') }} then 'Competitive ' || case when {{ margin_pts }} > 0 then 'D' else 'R' end
        when abs({{ margin_pts }}) <= {{ var('lean_strong_above_pts') }} then 'Lean ' || case when {{ margin_pts }} > 0 then 'D' else 'R' end
        else 'Strong ' || case when {{ margin_pts }} > 0 then 'D' else 'R' end
    end
{%- endmacro %}


{#- Percentage of part in whole (0-100), null when the whole is empty. -#}
{% macro pct(part, whole) -%}
    round(100.0 * ({{ part }}) / nullif({{ whole }}, 0), 2)
{%- endmacro %}


{#- The label vocabularies every mart shares (shared brief, "Labels used in every mart"). The
    valid_values test (tests/generic/valid_values.sql) checks label columns against them. A vocabulary
    that lives in a seed (one home for SQL and Python: voter_platform/lib/vocabularies.py reads the same
    file) is named as {'seed': name, 'column': column} and read by the test from the warehouse. -#}
{% macro label_vocabularies() -%}
    {%- set gender = ['Female', 'Male', 'Other', 'Unknown'] -%}
    {%- set lean = ['Strong D', 'Lean D', 'Competitive D', 'Highly Competitive', 'Competitive R', 'Lean R', 'Strong R'] -%}
    {{ return({
        'party': {'seed': 'party_labels', 'column': 'party'},
        'gender': gender,
        'age_group': ['18-29', '30-49', '50-64', '65+', 'Unknown'],
        'engagement_tier': {'seed': 'engagement_tiers', 'column': 'engagement_tier'},
        'change_type': ['new_registration', 'removed', 'moved', 'party_switch', 'name_change'],
        'measure_group': ['volume', 'quarantine_reason', 'duplicates', 'completeness'],
        'priority_tier': ['High', 'Medium', 'Low'],
        'lean': lean,
        'registration_lean': lean + ['No party registration'],
        'party_basis': ['registration', 'primary_ballot', 'none'],
        'party_basis_label': ['registered party', 'party from primary ballots', 'party not recorded'],
        'segment_gender': gender + [rollup_all_label()],
    }) }}
{%- endmacro %}


{#- Coverage of a roll of one state (a source's snapshot, or every source of the state on a date):
      full     its counties hold at least statewide_min_registered_pct of the state's registered
               voters (reference: November 2016), or the state has a single county (DC);
      partial  fewer (a county extract);
      unknown  the roll records no county, or the state is not in the reference (a territory).
    Only a full roll is compared with statewide figures (presidential results, VEP turnout). -#}
{% macro roll_coverage(counties_recognised, counties_in_state, registered_share_pct) -%}
    case
        when {{ counties_in_state }} is null then 'unknown'
        when {{ counties_in_state }} = 1 then 'full'
        when coalesce({{ counties_recognised }}, 0) = 0 then 'unknown'
        when {{ registered_share_pct }} >= {{ var('statewide_min_registered_pct') }} then 'full'
        else 'partial'
    end
{%- endmacro %}


{#- How a roll's coverage reads beside a state's numbers: 'statewide', '1 of 100 counties',
    'coverage unknown'. -#}
{% macro coverage_label(coverage, counties_recognised, counties_in_state) -%}
    case {{ coverage }}
        when 'full' then 'statewide'
        when 'partial' then cast({{ counties_recognised }} as varchar) || ' of ' || cast({{ counties_in_state }} as varchar) || ' counties'
        else 'coverage unknown'
    end
{%- endmacro %}


{#- Why a state's numbers are not compared with statewide figures (null when they are). -#}
{% macro statewide_comparison_note(coverage, counties_recognised, counties_in_state, registered_share_pct) -%}
    case {{ coverage }}
        when 'full' then null
        when 'partial' then 'Not compared with statewide figures: the roll covers '
            || cast({{ counties_recognised }} as varchar) || ' of ' || cast({{ counties_in_state }} as varchar)
            || ' counties (' || cast(round({{ registered_share_pct }}, 1) as varchar)
            || '% of the state''s registered voters).'
        else 'Not compared with statewide figures: the roll records no county, so how much of the state it covers is unknown.'
    end
{%- endmacro %}
