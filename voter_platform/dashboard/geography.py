"""US states for the map: names, and where each sits on the tile grid.

The map is a tile-grid choropleth: every state is one equal square placed roughly where it lies. It needs no
boundary files (plotly's geographic maps fetch them from a CDN at view time, which an offline or locked-down
analyst machine cannot do, and which would tell a third party who opened the dashboard), and small states
such as Delaware or Rhode Island are as easy to read and click as Texas.
"""

from voter_platform.lib.vocabularies import JURISDICTION_NAMES

# Every jurisdiction with a tile (states, DC and the territories), named from the one list (dbt seed states).
STATE_NAMES = JURISDICTION_NAMES

# (row, column) of each state's tile; row 0 is the top of the map.
_GRID = """
AK . . . . . . . . . . ME
. . . . . . . . . . VT NH
. WA ID MT ND MN IL WI MI NY RI MA
. OR NV WY SD IA IN OH PA NJ CT .
. CA UT CO NE MO KY WV VA MD DE .
. . AZ NM KS AR TN NC SC DC . .
. . . . OK LA MS AL GA . . .
. HI . . TX . . . . FL . PR
"""

TILE_POSITIONS: dict[str, tuple[int, int]] = {
    code: (row, column)
    for row, line in enumerate(_GRID.strip().splitlines())
    for column, code in enumerate(line.split())
    if code != "."
}
TILE_ROWS = len(_GRID.strip().splitlines())
TILE_COLUMNS = max(len(line.split()) for line in _GRID.strip().splitlines())


def state_name(code: str) -> str:
    return STATE_NAMES.get(code, code)
