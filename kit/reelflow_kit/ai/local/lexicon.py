"""Word lists the local writer reads premises with (English, small and hand-made)."""

STOPWORDS = frozenset("""
a an the and or but nor so yet for of in on at to from by with without into onto upon over under
about above below after before during until while when where who whom whose which what that this
these those there here then than as if because though although since unless whether is are was
were be been being am do does did done has have had having it its it's he him his she her hers
they them their theirs we us our ours you your yours i me my mine one ones some any all each
every no not only just very too also still even ever never can could will would shall should may
might must out up down off again once more most much many few other another such own same both
either neither across along around through toward towards against between among behind beyond
near inside outside within via per like named called whose how why
""".split())

DETERMINERS = frozenset("""
a an the her his their its our my your this that these those one some two three several
""".split())
ARTICLES = frozenset("a an the".split())
PLACE_PREPOSITIONS = frozenset("in at to from near inside outside across through into on".split())

MODALS = frozenset("must can could will would should may might".split())
COMMON_VERBS = frozenset("""
is are was were has have finds find discovers discover learns learn meets meet tries try wants want
needs need decides decide realizes realize returns return loses lose wakes wake sets set falls fall
travels travel searches search fights fight runs run hides hide builds build keeps keep takes take
makes make gets get goes go comes come becomes become begins begin starts start helps help
receives receive uncovers uncover investigates investigate escapes escape inherits inherit
""".split())

# role noun -> rough age bracket for the character's introduction ("" = any)
ROLES = {
    "keeper": "", "detective": "", "chef": "", "cook": "", "baker": "", "pilot": "", "astronaut": "",
    "doctor": "", "nurse": "", "teacher": "", "student": "20s", "soldier": "20s", "sailor": "",
    "fisherman": "", "farmer": "", "king": "", "queen": "", "prince": "20s", "princess": "20s",
    "knight": "", "wizard": "70s", "witch": "", "robot": "", "android": "", "scientist": "",
    "engineer": "", "thief": "", "spy": "", "musician": "", "singer": "", "painter": "",
    "artist": "", "writer": "", "poet": "", "journalist": "", "reporter": "", "lawyer": "",
    "judge": "", "priest": "", "nun": "", "monk": "", "mechanic": "", "driver": "", "boxer": "",
    "dancer": "", "actor": "", "actress": "", "mother": "", "father": "", "daughter": "",
    "son": "", "sister": "", "brother": "", "grandmother": "70s", "grandfather": "70s",
    "widow": "60s", "widower": "60s", "orphan": "12", "girl": "10", "boy": "10", "kid": "10",
    "child": "8", "teenager": "16", "teen": "16", "woman": "", "man": "", "stranger": "",
    "hunter": "", "ranger": "", "guard": "", "captain": "", "sheriff": "", "cop": "",
    "officer": "", "agent": "", "hacker": "", "programmer": "", "gardener": "", "librarian": "",
    "shopkeeper": "", "janitor": "", "waitress": "", "waiter": "", "bartender": "", "miner": "",
    "explorer": "", "archaeologist": "", "ghost": "", "vampire": "", "dragon": "", "alien": "",
    "cat": "", "dog": "", "courier": "", "postman": "", "clerk": "", "nanny": "", "coach": "",
    "athlete": "", "runner": "", "climber": "", "diver": "", "surgeon": "", "inventor": "",
    "magician": "", "clown": "", "mayor": "", "president": "", "caretaker": "", "mapmaker": "",
}
OLD_WORDS = frozenset("old elderly retired aging ageing aged veteran".split())
YOUNG_WORDS = frozenset("young little teenage kid".split())

# place noun -> "INT" or "EXT"
PLACES = {
    "lighthouse": "INT", "kitchen": "INT", "restaurant": "INT", "bakery": "INT", "cafe": "INT",
    "diner": "INT", "bar": "INT", "pub": "INT", "library": "INT", "museum": "INT",
    "school": "INT", "classroom": "INT", "hospital": "INT", "office": "INT", "lab": "INT",
    "laboratory": "INT", "apartment": "INT", "house": "INT", "home": "INT", "attic": "INT",
    "basement": "INT", "cellar": "INT", "bedroom": "INT", "hotel": "INT", "motel": "INT",
    "church": "INT", "temple": "INT", "castle": "INT", "palace": "INT", "prison": "INT",
    "station": "INT", "ship": "INT", "spaceship": "INT", "submarine": "INT", "train": "INT",
    "bus": "INT", "car": "INT", "truck": "INT", "plane": "INT", "factory": "INT",
    "warehouse": "INT", "studio": "INT", "theater": "INT", "theatre": "INT", "shop": "INT",
    "store": "INT", "market": "EXT", "cabin": "INT", "barn": "INT", "mansion": "INT",
    "tower": "INT", "bunker": "INT", "mine": "INT", "cave": "INT", "gym": "INT", "court": "INT",
    "courtroom": "INT", "garage": "INT", "workshop": "INT", "greenhouse": "INT",
    "city": "EXT", "town": "EXT", "village": "EXT", "street": "EXT", "road": "EXT",
    "highway": "EXT", "forest": "EXT", "woods": "EXT", "jungle": "EXT", "desert": "EXT",
    "mountain": "EXT", "mountains": "EXT", "island": "EXT", "beach": "EXT", "shore": "EXT",
    "coast": "EXT", "sea": "EXT", "ocean": "EXT", "lake": "EXT", "river": "EXT",
    "harbor": "EXT", "harbour": "EXT", "port": "EXT", "dock": "EXT", "docks": "EXT",
    "field": "EXT", "farm": "EXT", "garden": "EXT", "park": "EXT", "cemetery": "EXT",
    "graveyard": "EXT", "bridge": "EXT", "rooftop": "EXT", "roof": "EXT", "alley": "EXT",
    "square": "EXT", "plaza": "EXT", "valley": "EXT", "canyon": "EXT", "glacier": "EXT",
    "swamp": "EXT", "orchard": "EXT", "vineyard": "EXT", "camp": "EXT", "planet": "EXT",
    "moon": "EXT", "kingdom": "EXT", "suburb": "EXT", "neighborhood": "EXT",
    "neighbourhood": "EXT", "stadium": "EXT", "racetrack": "EXT", "pier": "EXT", "cliff": "EXT",
}

FALLBACK_PLACES = (
    ("KITCHEN", "INT"), ("ROOFTOP", "EXT"), ("ALL-NIGHT DINER", "INT"), ("HARBOR", "EXT"),
    ("HOSPITAL CORRIDOR", "INT"), ("CITY STREET", "EXT"), ("FOREST ROAD", "EXT"),
    ("PUBLIC LIBRARY", "INT"), ("TRAIN PLATFORM", "EXT"), ("BEACH", "EXT"), ("GARAGE", "INT"),
    ("OLD CHURCH", "INT"), ("MARKET SQUARE", "EXT"), ("BUS", "INT"), ("PARKING LOT", "EXT"),
)

GIVEN_NAMES = (
    "Mara", "Noah", "Iris", "Theo", "Lena", "Jonah", "Rosa", "Eli", "Nina", "Samuel", "Ava",
    "Felix", "June", "Oscar", "Hanna", "Leo", "Ada", "Milo", "Vera", "Tomas", "Edie", "Ruben",
)

SIDEKICK_ROLES = ("{hero}'s oldest friend", "a neighbour", "a colleague", "a stranger",
                  "{hero}'s former partner", "{hero}'s old teacher")
"""Who the friend is when the premise does not say; `{hero}` is the hero's name."""
