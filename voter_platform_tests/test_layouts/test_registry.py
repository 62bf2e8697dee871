"""The layout registry: every YAML file loads and is consistent; a mistake names its file and field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from voter_platform.layouts.registry import LAYOUTS_DIR, LayoutError, layouts
from voter_platform.lib import vocabularies as vocab


def test_every_layout_file_loads():
    found = layouts()
    assert set(found) == {path.stem for path in LAYOUTS_DIR.glob("*.yaml")}
    assert {
        "canonical_voters",
        "canonical_vote_history",
        "goodparty",
        "nc_ncvoter",
        "nc_ncvhis",
        "nc_vr_snapshot",
    } <= set(found)


@pytest.mark.parametrize("layout_id", sorted(layouts()))
def test_code_tables_map_onto_the_canonical_vocabularies(layout_id):
    layout = layouts()[layout_id]
    for canonical in vocab.CANONICAL_VALUES:
        table = layout.code_table(canonical)
        if table is not None:
            assert set(table.values()) <= set(vocab.CANONICAL_VALUES[canonical]), (layout_id, canonical)


def write_layout(folder: Path, name: str, **changes) -> Path:
    data = yaml.safe_load((LAYOUTS_DIR / "goodparty.yaml").read_text())
    data.update(changes, id=name)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_a_typo_fails_with_the_file_and_the_field(tmp_path):
    write_layout(tmp_path, "oops", recognise={"header": "exact", "optional_trailling": ["updated_at"]})
    with pytest.raises(
        LayoutError, match=r"layout oops.yaml: recognise.optional_trailling: Extra inputs are not permitted"
    ):
        layouts.__wrapped__(tmp_path)


def test_a_code_outside_the_vocabulary_is_refused(tmp_path):
    write_layout(tmp_path, "oops", codes={"party": {"D": "Democratic"}})
    with pytest.raises(
        LayoutError, match=r"code table 'party' maps to values outside the vocabulary: \['Democratic'\]"
    ):
        layouts.__wrapped__(tmp_path)


def test_a_field_feeding_an_unknown_column_is_refused(tmp_path):
    fields = yaml.safe_load((LAYOUTS_DIR / "goodparty.yaml").read_text())["fields"]
    fields[3]["canonical"] = "ages"
    write_layout(tmp_path, "oops", fields=fields)
    with pytest.raises(LayoutError, match=r"field 'age': 'ages' is not a canonical voter column"):
        layouts.__wrapped__(tmp_path)


def test_a_ballot_party_rule_needs_a_ballot_party(tmp_path):
    write_layout(tmp_path, "oops", party_ballot_marks_primary=True)
    with pytest.raises(LayoutError, match=r"party_ballot_marks_primary needs a field feeding party_ballot"):
        layouts.__wrapped__(tmp_path)


def test_the_file_name_is_the_id(tmp_path):
    path = write_layout(tmp_path, "right")
    path.rename(tmp_path / "wrong.yaml")
    with pytest.raises(LayoutError, match=r"id 'right' must equal the file name \('wrong'\)"):
        layouts.__wrapped__(tmp_path)


def test_the_readme_lists_every_layout():
    """The README's format table is `voter-platform layouts`' output (regenerate it when a layout changes)."""
    from voter_platform.cli.layouts import table

    readme = (LAYOUTS_DIR.parents[1] / "README.md").read_text()
    listed = readme.split("<!-- layouts:start -->\n", 1)[1].split("\n<!-- layouts:end -->", 1)[0]
    assert listed == table()


def test_a_history_of_election_codes_needs_the_lookup_that_dates_them(tmp_path):
    """MI's legacy history names elections by code: its voters layout must name the code lookup."""
    for layout_id in ("mi_qvf_voters_lst", "mi_qvf_history_lst", "mi_qvf_election_codes"):
        (tmp_path / f"{layout_id}.yaml").write_text((LAYOUTS_DIR / f"{layout_id}.yaml").read_text())
    assert layouts.__wrapped__(tmp_path)["mi_qvf_voters_lst"].history.lookup == "mi_qvf_election_codes"
    voters = yaml.safe_load((tmp_path / "mi_qvf_voters_lst.yaml").read_text())
    voters["history"].pop("lookup")
    (tmp_path / "mi_qvf_voters_lst.yaml").write_text(yaml.safe_dump(voters))
    with pytest.raises(
        LayoutError, match=r"mi_qvf_voters_lst.yaml: history layout 'mi_qvf_history_lst' has election codes"
    ):
        layouts.__wrapped__(tmp_path)
    voters["history"]["lookup"] = "mi_qvf_history_lst"
    (tmp_path / "mi_qvf_voters_lst.yaml").write_text(yaml.safe_dump(voters))
    with pytest.raises(LayoutError, match=r"history lookup 'mi_qvf_history_lst' is not an election-map layout"):
        layouts.__wrapped__(tmp_path)
