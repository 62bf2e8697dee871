"""The dbt project (../../dbt) as dagster-dbt sees it, and how its manifest gets prepared.

The way dagster-dbt intends: the manifest is prepared at set-up (`make run` / `make test` run
`dagster-dbt project prepare-and-package --file` on this module), and under `dg dev` it is prepared
again when the code location loads (`prepare_if_dev`), so an edited model shows up on reload.
Anywhere else, importing this module only reads the manifest.
"""

from pathlib import Path

from dagster_dbt import DbtProject

from voter_platform.settings import DBT_PROJECT_DIR

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()

_NOT_SOURCES = {"target", "logs", "dbt_packages"}


def _newest_source_mtime(project_dir: Path) -> float:
    newest = 0.0
    for path in project_dir.rglob("*"):
        if path.is_file() and not _NOT_SOURCES.intersection(path.relative_to(project_dir).parts):
            newest = max(newest, path.stat().st_mtime)
    return newest


def manifest_is_stale() -> bool:
    manifest = dbt_project.manifest_path
    return not manifest.exists() or manifest.stat().st_mtime < _newest_source_mtime(dbt_project.project_dir)


def prepare_manifest() -> Path:
    """Parse the dbt project when the manifest is missing or older than any file of it.

    The set-up step of the commands that load the definitions outside `dg dev` (`voter-platform build`,
    the bench, the test session); it costs a directory scan when nothing changed.
    """
    if manifest_is_stale():
        dbt_project.preparer.prepare(dbt_project)
    return dbt_project.manifest_path
