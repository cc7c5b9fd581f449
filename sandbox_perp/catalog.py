"""Static reference lists the seeded generator draws from."""

FIRST_NAMES = [
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "James", "Isabella",
    "Lucas", "Mia", "Mateo", "Amelia", "Benjamin", "Harper", "Henry", "Evelyn",
    "Theodore", "Aaliyah", "Jack", "Chloé", "Diego", "Priya", "Wei", "Fatima",
    "Kenji", "Zoë", "Rafael", "Ingrid", "Tomás", "Aisha", "Connor", "Sofía", "Malik",
]
LAST_NAMES = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
    "Rodriguez", "Martinez", "Hernandez", "Lopez", "Wilson", "Anderson", "Thomas",
    "Taylor", "Moore", "Jackson", "Martin", "Lee", "Nguyen", "O'Brien", "Müller",
    "Kowalski", "Patel", "Okafor", "Yamamoto", "Schmidt", "Rossi", "Dubois",
]
COMPANIES = [
    "Blue Harbor Coffee", "Summit Realty Group", "Greenleaf Landscaping", "Northside Dental",
    "Pixel & Pine Studio", "Riverside Brewing Co.", "Atlas Fitness", "Maple Street Bakery",
    "Brightpath Events", "Cobalt Tech Solutions", "Lakeside Yoga", "Redwood Auto Repair",
    "Harbor Lights Marina", "Golden Spoon Catering", "Evergreen Property Management",
    "Sunrise Pediatrics", "Iron Anchor Tattoo", "Velvet Room Salon", "Copperline Electric",
    "Westfield Little League",
]
EMAIL_DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "icloud.com", "fastmail.com"]
STREETS = [
    "Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Elm St", "Park Blvd", "Lakeview Rd",
    "Sunset Blvd", "Washington Ave", "Hillcrest Dr", "Bay St", "Mill Rd",
]
CITIES = [
    ("Portland", "OR", "97201"), ("Austin", "TX", "78701"), ("Denver", "CO", "80202"),
    ("Madison", "WI", "53703"), ("Raleigh", "NC", "27601"), ("Tucson", "AZ", "85701"),
    ("Boise", "ID", "83702"), ("Savannah", "GA", "31401"), ("Burlington", "VT", "05401"),
    ("Sacramento", "CA", "95814"), ("Columbus", "OH", "43215"), ("Spokane", "WA", "99201"),
]
SALES_REPS = ["Dana Whitfield", "Marcus Cole", "Priya Raman", "Jordan Blake", None]

# (product name, unit price range in cents, quantity choices, colour for generated art)
PRODUCTS = [
    ("Vinyl Banner 3x6 ft", (4500, 12000), (1, 2, 3, 5), "#1f77b4"),
    ("Mesh Banner 4x8 ft", (8900, 18900), (1, 2), "#17becf"),
    ("Business Cards (500)", (2500, 6000), (1, 2, 4), "#2ca02c"),
    ("Die-Cut Stickers (100)", (3500, 9000), (1, 3, 5, 10), "#ff7f0e"),
    ("Flyers A5 (1000)", (8000, 16000), (1, 2, 5), "#d62728"),
    ("Posters A2", (800, 2500), (10, 25, 50, 100), "#9467bd"),
    ("Vinyl Decals", (500, 2000), (10, 20, 50, 200), "#8c564b"),
    ("Roll-Up Stand 85x200 cm", (12000, 22000), (1, 2, 4), "#e377c2"),
    ("Brochures Tri-Fold (500)", (11000, 19500), (1, 2), "#7f7f7f"),
    ("Yard Signs 18x24 in", (900, 2200), (10, 25, 50), "#bcbd22"),
]

ORDER_STATUS_DISPLAY = {
    "pending": "Pending",
    "in_production": "In Production",
    "on_hold": "On Hold",
    "ready_to_ship": "Ready to Ship",
    "shipped": "Shipped",
    "delivered": "Delivered",
    "cancelled": "Cancelled",
}
ACTIVE_ORDER_STATUSES = ("pending", "in_production", "on_hold", "ready_to_ship")
# Weighted mix for customers whose order statuses are not scripted.
ORDER_STATUS_WEIGHTS = {
    "pending": 8, "in_production": 12, "on_hold": 5, "ready_to_ship": 5,
    "shipped": 10, "delivered": 50, "cancelled": 10,
}
# How many days before the anchor an order in each status may have been placed.
ORDER_AGE_DAYS = {
    "pending": (0, 3), "in_production": (2, 9), "on_hold": (3, 13), "ready_to_ship": (6, 13),
    "shipped": (10, 19), "delivered": (20, 420), "cancelled": (5, 300),
}

PRODUCTION_STAGES = [
    ("prepress", "Prepress"),
    ("printing", "Printing"),
    ("finishing", "Finishing"),
    ("quality_check", "Quality Check"),
    ("packaging", "Packaging"),
]
VIP_TIERS = ("silver", "gold", "platinum")
CASHBACK_PERCENT = {"silver": 2, "gold": 3, "platinum": 5}
