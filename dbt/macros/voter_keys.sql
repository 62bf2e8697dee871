{#- Voter-level rows outside raw are keyed by a salted hash, never by the source's voter id.
    The salt comes from the environment (VOTER_PLATFORM_KEY_SALT, set by the platform from a
    per-installation file), so it is never a dbt var on a logged command line. Parsing works
    without it; running a model that hashes does not. -#}

{% macro voter_key_salt() -%}
    {#- Parsing renders models without running them: no salt is needed then, and not reading it
        keeps it out of dbt's partial-parse state (target/partial_parse.msgpack). -#}
    {%- if not execute -%}
        {{- return('') -}}
    {%- endif -%}
    {%- set salt = env_var('VOTER_PLATFORM_KEY_SALT', '') -%}
    {%- if not salt -%}
        {{ exceptions.raise_compiler_error(
            "VOTER_PLATFORM_KEY_SALT is not set: voter keys are salted hashes and cannot be computed. "
            ~ "Run dbt through the platform (voter-platform build / Dagster), which sets it, or export it.") }}
    {%- endif -%}
    {{- return(salt) -}}
{%- endmacro %}


{#- A 128-bit key: the first half of sha256 over the salt and the given expressions (separated,
    so that ('ab', 'c') and ('a', 'bc') differ; nulls hash as empty strings). 16 bytes instead of
    a 64-character hex string: voter-level tables of millions of rows are written, sorted and
    joined on it. -#}
{% macro salted_hash(expressions) -%}
    {{ return(adapter.dispatch('salted_hash')(expressions)) }}
{%- endmacro %}

{% macro default__salted_hash(expressions) -%}
    left(sha2(concat_ws('|', '{{ voter_key_salt() }}'{% for expression in expressions %}, coalesce(cast({{ expression }} as varchar), ''){% endfor %}), 256), 32)
{%- endmacro %}

{#- DuckDB 1.5 casts a '0x…' hex string to at most 64 bits (2.0 casts 128): the two halves are cast apart and
    joined, the same number as the single 128-bit cast gave (keys written by either version agree). -#}
{% macro duckdb__salted_hash(expressions) -%}
    {%- set digest -%}
        sha256(concat_ws('|', '{{ voter_key_salt() }}'{% for expression in expressions %}, coalesce(cast({{ expression }} as varchar), ''){% endfor %}))
    {%- endset -%}
    ((cast(cast('0x' || left({{ digest }}, 16) as ubigint) as uhugeint) << 64)
        | cast(cast('0x' || substr({{ digest }}, 17, 16) as ubigint) as uhugeint))
{%- endmacro %}
