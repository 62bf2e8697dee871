{#- Voter-level rows outside raw are keyed by a salted hash, never by the source's voter id.
    The salt comes from the environment (VOTER_PLATFORM_KEY_SALT, set by the platform from a
    per-installation file), so it is never a dbt var on a logged command line. Parsing works
    without it; running a model that hashes does not. -#}

{% macro voter_key_salt() -%}
    {%- set salt = env_var('VOTER_PLATFORM_KEY_SALT', '') -%}
    {%- if execute and not salt -%}
        {{ exceptions.raise_compiler_error(
            "VOTER_PLATFORM_KEY_SALT is not set: voter keys are salted hashes and cannot be computed. "
            ~ "Run dbt through the platform (voter-platform build / Dagster), which sets it, or export it.") }}
    {%- endif -%}
    {{- return(salt) -}}
{%- endmacro %}


{#- sha256 over the salt and the given expressions, separated so that ('ab', 'c') and ('a', 'bc')
    never collide. Null parts hash as empty strings. -#}
{% macro salted_hash(expressions) -%}
    {{ return(adapter.dispatch('salted_hash')(expressions)) }}
{%- endmacro %}

{% macro default__salted_hash(expressions) -%}
    sha2(concat_ws('|', '{{ voter_key_salt() }}'{% for expression in expressions %}, coalesce(cast({{ expression }} as varchar), ''){% endfor %}), 256)
{%- endmacro %}

{% macro duckdb__salted_hash(expressions) -%}
    sha256(concat_ws('|', '{{ voter_key_salt() }}'{% for expression in expressions %}, coalesce(cast({{ expression }} as varchar), ''){% endfor %}))
{%- endmacro %}
