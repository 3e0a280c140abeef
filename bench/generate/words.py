"""The words generated names are made of (one item a line keeps them easy to extend)."""


def words(text: str) -> list[str]:
    """The items of a `|`-separated (or, without `|`, space-separated) list."""
    if "|" not in text:
        return text.split()
    return [item.strip() for item in text.replace("\n", "").split("|")]


COMPANY_WORDS = words("""
Northern|Atlas|Harbor|Summit|Blue River|Ironwood|Keystone|Pioneer|Redline|Silverline|Oakridge|
Lakeside|Granite|Evergreen|Meridian|Crescent|Falcon|Orion|Vertex|Zenith|Müller|Øresund|Bellevue|
Copperfield|Rhein-Main|Castell|Vistula|Douro|Tatra|Kestrel
""")
COMPANY_TRADES = words("""
Supply|Industrial|Engineering|Tools|Components|Fasteners|Hydraulics|Electrics|Logistics|
Machining|Automation|Fabrication|Plant Hire|Marine
""")
COMPANY_FORMS = words("Ltd|GmbH|SA|BV|AB|Inc.|& Co.|S.r.l.|Sp. z o.o.|A/S")
STREETS = words("""
Harbour Road|Industriestraße|Rue du Port|Mill Lane|Kanaalweg|Via Roma|Station Street|Calle Mayor|
Ringvej|Park Avenue
""")
FIRST_NAMES = words("""
Anna Ben Clara David Eva Felix Greta Hugo Ines Jonas Karin Luca Marta Nils Olga Pavel Rosa Sven
Tara Ugo
""")
LAST_NAMES = words("""
Andersen Berg Costa Dubois Eriksson Fischer García Horvat Ivanova Jansen Kowalski Lindqvist Moreau
Novak O'Brien
""")
PART_THINGS = words("""
Hex bolt|Washer|Ball bearing|Gasket|Hose|Ball valve|Bracket|Cable|Relay|Fuse|Pump|Filter|Sensor|
Spring|Coupling|Gear|Shaft seal|Hose clamp|Connector|Motor|Nut|Pipe|Flange
""")
PART_MATERIALS = words("steel|stainless A2|brass|nylon|aluminium|EPDM|copper|PVC")
PART_SIZES = words('M4|M6|M8|M10|M12|M16|M20|DN15|DN25|DN40|6 mm|10 mm|1/2"|3/4"|24 V|230 V')
CARRIERS = words("DHL|UPS|DB Schenker|DPD|GLS|FedEx|Own fleet")
HOLD_REASONS = words("Credit check|Customer asked to wait|Awaiting payment|Price query")

# (city, country, currency)
PLACES = [
    ("Berlin", "Germany", "EUR"),
    ("Hamburg", "Germany", "EUR"),
    ("Lyon", "France", "EUR"),
    ("Paris", "France", "EUR"),
    ("Rotterdam", "Netherlands", "EUR"),
    ("Antwerp", "Belgium", "EUR"),
    ("Milan", "Italy", "EUR"),
    ("Madrid", "Spain", "EUR"),
    ("Vienna", "Austria", "EUR"),
    ("Gothenburg", "Sweden", "EUR"),
    ("Manchester", "United Kingdom", "GBP"),
    ("Leeds", "United Kingdom", "GBP"),
    ("Dublin", "Ireland", "EUR"),
    ("Chicago", "United States", "USD"),
    ("Warsaw", "Poland", "EUR"),
    ("Porto", "Portugal", "EUR"),
    ("Aarhus", "Denmark", "EUR"),
    ("Brno", "Czechia", "EUR"),
]
# (unit, weight): most parts are counted in pieces.
UNITS = [("pcs", 80), ("box", 8), ("m", 6), ("kg", 4), ("l", 2)]
QUANTITIES = [1, 1, 1, 2, 2, 3, 4, 5, 5, 6, 8, 10, 10, 12, 15, 20, 24, 25, 30, 40, 50]
