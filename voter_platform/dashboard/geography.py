"""US states for the map: names, and where each sits on the tile grid.

The map is a tile-grid choropleth: every state is one equal square placed roughly where it lies. It needs no
boundary files (plotly's geographic maps fetch them from a CDN at view time, which an offline or locked-down
analyst machine cannot do, and which would tell a third party who opened the dashboard), and small states
such as Delaware or Rhode Island are as easy to read and click as Texas.
"""

STATE_NAMES = {
    "AK": "Alaska",
    "AL": "Alabama",
    "AR": "Arkansas",
    "AZ": "Arizona",
    "CA": "California",
    "CO": "Colorado",
    "CT": "Connecticut",
    "DC": "District of Columbia",
    "DE": "Delaware",
    "FL": "Florida",
    "GA": "Georgia",
    "HI": "Hawaii",
    "IA": "Iowa",
    "ID": "Idaho",
    "IL": "Illinois",
    "IN": "Indiana",
    "KS": "Kansas",
    "KY": "Kentucky",
    "LA": "Louisiana",
    "MA": "Massachusetts",
    "MD": "Maryland",
    "ME": "Maine",
    "MI": "Michigan",
    "MN": "Minnesota",
    "MO": "Missouri",
    "MS": "Mississippi",
    "MT": "Montana",
    "NC": "North Carolina",
    "ND": "North Dakota",
    "NE": "Nebraska",
    "NH": "New Hampshire",
    "NJ": "New Jersey",
    "NM": "New Mexico",
    "NV": "Nevada",
    "NY": "New York",
    "OH": "Ohio",
    "OK": "Oklahoma",
    "OR": "Oregon",
    "PA": "Pennsylvania",
    "RI": "Rhode Island",
    "SC": "South Carolina",
    "SD": "South Dakota",
    "TN": "Tennessee",
    "TX": "Texas",
    "UT": "Utah",
    "VA": "Virginia",
    "VT": "Vermont",
    "WA": "Washington",
    "WI": "Wisconsin",
    "WV": "West Virginia",
    "WY": "Wyoming",
    "PR": "Puerto Rico",
    "GU": "Guam",
    "VI": "U.S. Virgin Islands",
    "AS": "American Samoa",
    "MP": "Northern Mariana Islands",
}

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
