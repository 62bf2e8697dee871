"""Built-in tables for synthetic people: common given names and surnames, streets, email domains.

No external data and no real people: names are common ones combined at random, street numbers and
phone lines are random, phone numbers use the 555 exchange, and email addresses are derived from the
synthetic name. Lists are ordered roughly by US frequency; draws weight them by a Zipf-like rank
curve so that Smith and Mary are common and the tail is rare. Some names carry accents, as in real
vendor files (José, Muñoz, Díaz at their usual ranks, rarer ones in the tail): about 3% of voters,
so that every file but the tiniest is recognisably UTF-8 (canonical, goodparty) or latin-1 (ncsbe).
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pyarrow as pa

FEMALE_FIRST = """
Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Betty Margaret Sandra
Ashley Kimberly Emily Donna Michelle Carol Amanda Dorothy Melissa Deborah Stephanie Rebecca Sharon Laura
Cynthia Kathleen Amy Angela Shirley Anna Brenda Pamela Emma Nicole Helen Samantha Katherine Christine Debra
Rachel Carolyn Janet Catherine Maria Heather Diane Ruth Julie Olivia Joyce Virginia Victoria Kelly Lauren
Christina Joan Evelyn Judith Megan Andrea Cheryl Hannah Jacqueline Martha Gloria Teresa Ann Sara Madison
Frances Kathryn Janice Jean Abigail Alice Judy Sophia Grace Denise Amber Doris Marilyn Danielle Beverly
Isabella Theresa Diana Natalie Brittany Charlotte Marie Kayla Alexis Lori Tiffany Tammy Crystal Erin
Valerie Ava Mia Chloe Brianna Destiny Jasmine Gabriela Latoya Keisha Tamika Yolanda Guadalupe Rosa Carmen
Ana Lucia Mei Priya Aaliyah Harper Layla Zoey Nora Leah Stella Aubrey Hazel Savannah Paisley María
Renée Chloé Inés Zoë Sofía
""".split()

MALE_FIRST = """
James Robert John Michael David William Richard Joseph Thomas Christopher Charles Daniel Matthew Anthony
Mark Donald Steven Andrew Paul Joshua Kenneth Kevin Brian George Timothy Ronald Jason Edward Jeffrey Ryan
Jacob Gary Nicholas Eric Jonathan Stephen Larry Justin Scott Brandon Benjamin Samuel Gregory Alexander
Patrick Frank Raymond Jack Dennis Jerry Tyler Aaron José Adam Nathan Henry Zachary Douglas Peter Kyle Noah
Ethan Jeremy Walter Christian Keith Roger Terry Austin Sean Gerald Carl Harold Dylan Arthur Lawrence Jordan
Jesse Bryan Billy Bruce Gabriel Joe Logan Alan Juan Albert Willie Elijah Wayne Randy Vincent Mason Roy
Ralph Bobby Russell Bradley Philip Eugene Liam Lucas Carlos Luis Miguel Jamal Darnell Terrence Andre
Malik DeShawn Wei Raj Hiroshi Mateo Santiago Diego Caleb Isaiah Owen Hunter Wyatt Levi Jaxon Lincoln
André Ramón Andrés Jesús
""".split()

LAST = """
Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson
Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramírez Lewis
Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall
Rivera Campbell Mitchell Carter Roberts Gómez Phillips Evans Turner Díaz Parker Cruz Edwards Collins Reyes
Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard
Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price
Alvarez Castillo Sanders Patel Myers Long Ross Foster Jiménez Powell Jenkins Perry Russell Sullivan Bell
Coleman Butler Henderson Barnes Gonzales Fisher Vasquez Simmons Romero Jordan Patterson Alexander Hamilton
Graham Reynolds Griffin Wallace Moreno West Cole Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar
Stevens Murray Ford Castro Marshall Owens Harrison Fernandez McDonald Woods Washington Kennedy Wells Vargas
Henry Chen Freeman Webb Tucker Guzman Burns Crawford Olson Simpson Porter Hunter Gordon Mendez Silva Shaw
Snyder Mason Dixon Muñoz Hunt Hicks Holmes Palmer Wagner Black Robertson Boyd Rose Stone Salazar Fox
Warren Mills Meyer Rice Schmidt Garza Daniels Ferguson Nichols Stephens Soto Weaver Ryan Gardner Payne
Grant Dunn Kelley Spencer Hawkins Arnold Pierce Vazquez Hansen Peters Santos Hart Bradley Knight Elliott
Cunningham Duncan Armstrong Hudson Carroll Lane Riley Andrews Alvarado Ray Delgado Berry Perkins Hoffman
Johnston Matthews Peña Richards Contreras Willis Carpenter Lawrence Sandoval Guerrero George Chapman Rios
Estrada Ortega Watkins Greene Núñez Wheeler Valdez Harper Burke Larson Santiago Maldonado Morrison Franklin
Carlson Austin Dominguez Carr Lawson Jacobs O'Brien Lynch Singh Vega Bishop Montgomery Oliver Jensen Harvey
Williamson Gilbert Dean Sims Espinoza Howell Li Wong Reid Hanson Le McCoy Garrett Burton Fuller Wang Weber
Welch Rojas Lucas Marquez Fields Park Yang Little Banks Padilla Day Walsh Bowman Schultz Luna Fowler Mejia
Davidson Acosta Brewer May Holland Juarez Newman Pearson Curtis Cortez Douglas Schneider Joseph Barrett
Navarro Figueroa Keller Avila Wade Molina Stanley Hopkins Campos Barnett Bates Chambers Caldwell Beck
Lambert Miranda Byrd Craig Ayala Lowe Frazier Powers Neal Leonard Gregory Carrillo Sutton Fleming Rhodes
Shelton Schwartz Norris Jennings Watts Duran Walters Cohen McDaniel Moran Parks Steele Vaughn Becker
Holt DeLeon Barker Terry Hale Leon Benson Haynes Horton Miles Lyons Pham Graves Bush Thornton Wolfe
Warner Cabrera McKinney Mann Zimmerman Dawson Lara Fletcher Page McCarthy Love Robles Cervantes Solis
Erickson Reeves Chang Klein Salinas Fuentes Baldwin Daniel Simon Velasquez Hardy Higgins Aguirre Lin
Cummings Chandler Sharp Barber Bowen Ochoa Dennis Robbins Liu Ramsey Francis Griffith Paul Blair
O'Connor Cardenas Pacheco Cross Calderon Quinn Moss Swanson Chan Rivas Khan Rodgers Serrano Fitzgerald
Rosales Stevenson Christensen Manning Gill Curry McLaughlin Harmon McGee Gross Doyle Garner Newton Burgess
Reese Walton Blake Trujillo Adkins Brady Goodman Roman Webster Goodwin Fischer Huang Potter Delacruz
Montoya Todd Wu Hines Mullins Castaneda Malone Cannon Tate Mack Sherman Hubbard Hodges Zhang Guerra Wolf
Valencia Saunders Franco Rowe Gallagher Farmer Hammond Hampton Townsend Ingram Wise Gallegos Clarke Barton
Schroeder Maxwell Waters Logan Camacho Strickland Norman Person Colon Parsons Frank Harrington Glover
Osborne Buchanan Casey Floyd Patton Ibarra Ball Tyler Suarez Bowers Orozco Salas Cobb Gibbs Andrade Bauer
Conner Moody Escobar McGuire Lloyd Mueller Hartman French Kramer McBride Pope Lindsey Velazquez Norton
McCormick Sparks Flynn Yates Hogan Marsh Macias Villanueva Zamora Pratt Stokes Owen Ballard Lang Brock
Villarreal Charles Drake Barrera Cain Patrick Ibáñez
""".split()

SUFFIXES = ("", "JR", "SR", "II", "III", "IV")
SUFFIX_WEIGHTS = (0.968, 0.018, 0.006, 0.003, 0.004, 0.001)

STREET_NAMES = """
Main Oak Pine Maple Cedar Elm Washington Lake Hill Park Walnut Spring North Ridge Church Willow Mill Sunset
Railroad Jackson Cherry Highland Jefferson Lincoln Franklin Chestnut Madison Center Forest River Meadow
Dogwood Magnolia Hickory Poplar Birch Sycamore Laurel Holly Valley Spruce Adams Lee Woodland Hillcrest
Broad Market College School Union Liberty Greenwood Fairview Lakeview Orchard Heritage Creekside Brookside
Summit Meadowbrook Cypress Juniper Aspen Bayview Harbor Prospect Grove Pleasant Front Water
""".split()
STREET_TYPES = ("St", "Ave", "Rd", "Dr", "Ln", "Ct", "Way", "Blvd", "Pl", "Cir", "Trl", "Pkwy")
STREET_TYPE_WEIGHTS = (0.24, 0.16, 0.17, 0.14, 0.09, 0.07, 0.04, 0.02, 0.02, 0.02, 0.02, 0.01)

EMAIL_DOMAINS = (
    "gmail.com",
    "yahoo.com",
    "hotmail.com",
    "outlook.com",
    "aol.com",
    "icloud.com",
    "email.com",
    "comcast.net",
)
EMAIL_DOMAIN_WEIGHTS = (0.42, 0.16, 0.10, 0.09, 0.06, 0.07, 0.06, 0.04)

# One well-known area code per state for the synthetic phone numbers (AAA-555-NNNN).
AREA_CODES = {
    "AK": "907",
    "AL": "205",
    "AR": "501",
    "AZ": "602",
    "CA": "213",
    "CO": "303",
    "CT": "203",
    "DC": "202",
    "DE": "302",
    "FL": "305",
    "GA": "404",
    "HI": "808",
    "IA": "515",
    "ID": "208",
    "IL": "312",
    "IN": "317",
    "KS": "316",
    "KY": "502",
    "LA": "504",
    "MA": "617",
    "MD": "410",
    "ME": "207",
    "MI": "313",
    "MN": "612",
    "MO": "314",
    "MS": "601",
    "MT": "406",
    "NC": "919",
    "ND": "701",
    "NE": "402",
    "NH": "603",
    "NJ": "201",
    "NM": "505",
    "NV": "702",
    "NY": "212",
    "OH": "216",
    "OK": "405",
    "OR": "503",
    "PA": "215",
    "RI": "401",
    "SC": "803",
    "SD": "605",
    "TN": "615",
    "TX": "214",
    "UT": "801",
    "VA": "804",
    "VT": "802",
    "WA": "206",
    "WI": "414",
    "WV": "304",
    "WY": "307",
}

# First three ZIP digits used by each state (USPS ranges, inclusive).
ZIP3_RANGES = {
    "AK": (995, 999),
    "AL": (350, 369),
    "AR": (716, 729),
    "AZ": (850, 865),
    "CA": (900, 961),
    "CO": (800, 816),
    "CT": (60, 69),
    "DC": (200, 205),
    "DE": (197, 199),
    "FL": (320, 349),
    "GA": (300, 319),
    "HI": (967, 968),
    "IA": (500, 528),
    "ID": (832, 838),
    "IL": (600, 629),
    "IN": (460, 479),
    "KS": (660, 679),
    "KY": (400, 427),
    "LA": (700, 714),
    "MA": (10, 27),
    "MD": (206, 219),
    "ME": (39, 49),
    "MI": (480, 499),
    "MN": (550, 567),
    "MO": (630, 658),
    "MS": (386, 397),
    "MT": (590, 599),
    "NC": (270, 289),
    "ND": (580, 588),
    "NE": (680, 693),
    "NH": (30, 38),
    "NJ": (70, 89),
    "NM": (870, 884),
    "NV": (889, 898),
    "NY": (100, 149),
    "OH": (430, 459),
    "OK": (730, 749),
    "OR": (970, 979),
    "PA": (150, 196),
    "RI": (28, 29),
    "SC": (290, 299),
    "SD": (570, 577),
    "TN": (370, 385),
    "TX": (750, 799),
    "UT": (840, 847),
    "VA": (220, 246),
    "VT": (50, 59),
    "WA": (980, 994),
    "WI": (530, 549),
    "WV": (247, 268),
    "WY": (820, 831),
}

# Accented given names used for the `non_utf8` defect (the line is then written in latin-1).
ACCENTED_FIRST = ("José", "María", "Renée", "Zoë", "Inés", "André", "Ramón", "Sofía", "Chloé", "Jesús")


def zipf_weights(count: int, exponent: float = 0.9) -> np.ndarray:
    weights = 1.0 / np.arange(1, count + 1) ** exponent
    return weights / weights.sum()


def ascii_lower(name: str) -> str:
    """Email-safe form of a name: accents stripped, apostrophes dropped, lower case."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return plain.replace("'", "").lower()


class NameTables:
    """The name lists as Arrow dictionaries, so that a column of names is just an index array."""

    def __init__(self) -> None:
        # One first-name dictionary: female names then male names; a person's index points into it.
        self.first = pa.array(FEMALE_FIRST + MALE_FIRST)
        # Middle names come from the first-name list; the extra last entry is "no middle name".
        self.middle = pa.array(FEMALE_FIRST + MALE_FIRST + [""])
        self.middle_none = len(FEMALE_FIRST) + len(MALE_FIRST)
        self.first_email = pa.array([ascii_lower(name) for name in FEMALE_FIRST + MALE_FIRST])
        self.first_initial = pa.array([ascii_lower(name)[0] for name in FEMALE_FIRST + MALE_FIRST])
        self.last = pa.array(LAST)
        self.last_email = pa.array([ascii_lower(name) for name in LAST])
        self.female_weights = zipf_weights(len(FEMALE_FIRST))
        self.male_weights = zipf_weights(len(MALE_FIRST))
        self.last_weights = zipf_weights(len(LAST), exponent=0.75)
        self.female_offset = 0
        self.male_offset = len(FEMALE_FIRST)
        self.street = pa.array(STREET_NAMES)
        self.street_weights = zipf_weights(len(STREET_NAMES), exponent=0.5)
        self.street_type = pa.array(STREET_TYPES)
        self.suffix = pa.array(SUFFIXES)
        self.email_domain = pa.array(EMAIL_DOMAINS)

    def draw_first(self, rng: np.random.Generator, is_female: np.ndarray) -> np.ndarray:
        """First-name indices (into `self.first`) matching each person's gender."""
        names = np.empty(len(is_female), dtype=np.uint16)
        women = np.flatnonzero(is_female)
        men = np.flatnonzero(~is_female)
        names[women] = rng.choice(len(FEMALE_FIRST), size=len(women), p=self.female_weights) + self.female_offset
        names[men] = rng.choice(len(MALE_FIRST), size=len(men), p=self.male_weights) + self.male_offset
        return names

    def draw_last(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.choice(len(LAST), size=size, p=self.last_weights).astype(np.uint16)


NAMES = NameTables()
