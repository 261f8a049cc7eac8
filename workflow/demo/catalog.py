"""The demo shop's catalogue: eleven categories with plausible names and prices.

A product's price is drawn in its category's range and ends in .99 or .49; its
cost leaves a 20-60 % margin, so unit_price > unit_cost > 0. Popularity follows
a long tail (a few products sell a lot). About 80 % of the products exist
before the first order; the others are launched during the period. About 3 %
are inactive: they were discontinued some weeks before now and sell nothing
after that. The ten most popular products are always on sale, so every
order can be filled. Excluded: price changes over time, stock (see stock.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workflow.demo.timeline import DAY

# name, SKU prefix, price range in whole currency units, share of the range, nouns, adjectives
CATEGORIES: tuple[tuple[str, str, int, int, float, tuple[str, ...], tuple[str, ...]], ...] = (
    ("Electronics", "ELC", 15, 600, 0.16,
     ("Headphones", "Charger", "Keyboard", "Mouse", "Speaker", "Webcam", "Power Bank", "Smartwatch",
      "Monitor", "USB-C Hub", "Router", "Earbuds"),
     ("Wireless", "Compact", "Pro", "Ultra", "Portable", "Noise-Cancelling", "Ergonomic", "Smart")),
    ("Books", "BOO", 8, 45, 0.12,
     ("Novel", "Cookbook", "Travel Guide", "Biography", "Atlas", "Poetry Collection", "Picture Book",
      "History of Europe", "Field Guide", "Crime Thriller"),
     ("Hardcover", "Paperback", "Illustrated", "Collector's", "Pocket", "Annotated")),
    ("Home & Kitchen", "HOM", 10, 250, 0.14,
     ("Chef's Knife", "Frying Pan", "Coffee Grinder", "Kettle", "Blender", "Cutting Board", "Mug Set",
      "Toaster", "Dutch Oven", "Salad Bowl", "Bath Towel Set"),
     ("Stainless", "Cast-Iron", "Bamboo", "Ceramic", "Non-Stick", "Classic", "Nordic")),
    ("Clothing", "CLO", 12, 180, 0.12,
     ("T-Shirt", "Hoodie", "Jeans", "Rain Jacket", "Sneakers", "Scarf", "Socks 3-Pack", "Dress", "Beanie"),
     ("Organic Cotton", "Slim-Fit", "Merino", "Everyday", "Relaxed", "Waterproof", "Vintage")),
    ("Sports & Outdoors", "SPO", 10, 400, 0.09,
     ("Yoga Mat", "Water Bottle", "Tent", "Backpack", "Running Shoes", "Dumbbell Set", "Cycling Gloves",
      "Headlamp", "Sleeping Bag"),
     ("Lightweight", "Trail", "Insulated", "Foldable", "Adjustable", "All-Weather")),
    ("Beauty & Personal Care", "BEA", 5, 120, 0.08,
     ("Face Cream", "Shampoo", "Eau de Parfum", "Lip Balm", "Hair Dryer", "Electric Toothbrush", "Sun Screen"),
     ("Natural", "Sensitive", "Daily", "Intense", "Fragrance-Free", "Travel-Size")),
    ("Toys & Games", "TOY", 8, 150, 0.08,
     ("Puzzle 1000 Pieces", "Board Game", "Building Blocks", "Plush Bear", "RC Car", "Card Game", "Kite"),
     ("Family", "Junior", "Deluxe", "Classic", "Wooden", "Glow-in-the-Dark")),
    ("Garden & DIY", "GAR", 8, 350, 0.07,
     ("Cordless Drill", "Garden Hose", "Pruning Shears", "Tool Set", "Plant Pot", "LED Work Light", "Rake"),
     ("Heavy-Duty", "Compact", "Expandable", "Terracotta", "Rechargeable", "Professional")),
    ("Office Supplies", "OFF", 3, 90, 0.06,
     ("Fountain Pen", "Desk Lamp", "Stapler", "Paper Ream", "Desk Organizer", "Notebook A5", "Whiteboard"),
     ("Refillable", "Recycled", "Minimal", "Executive", "Dotted", "Magnetic")),
    ("Pet Supplies", "PET", 5, 160, 0.05,
     ("Dog Leash", "Cat Tree", "Pet Bed", "Chew Toy", "Food Bowl", "Scratching Post", "Litter Box"),
     ("Reflective", "Orthopedic", "Washable", "Durable", "Non-Slip", "Cozy")),
    ("Food & Drink", "FOO", 3, 60, 0.03,
     ("Coffee Beans 1 kg", "Green Tea", "Olive Oil", "Dark Chocolate", "Wildflower Honey", "Pasta Box"),
     ("Organic", "Fair-Trade", "Single-Origin", "Premium", "Artisan", "Cold-Pressed")),
)  # fmt: skip
VARIANTS = ("Black", "White", "Grey", "Navy", "Green", "Red", "Small", "Large", "Mini", "Max", "2nd Gen", "Classic")
INACTIVE_SHARE = 0.03
LAUNCHED_LATER_SHARE = 0.2
ALWAYS_ON_SALE = 10


@dataclass(frozen=True)
class Catalog:
    """Products (index i is product id i + 1) and when each can be sold."""

    sku: np.ndarray  # bytes
    name: np.ndarray  # bytes
    category: np.ndarray  # bytes
    price_cents: np.ndarray
    cost_cents: np.ndarray
    active: np.ndarray
    created_at: np.ndarray  # Unix seconds
    on_sale_from: np.ndarray  # first moment an order may hold it
    on_sale_until: np.ndarray  # last moment (discontinued products), else far future
    popularity: np.ndarray  # sums to 1

    def __len__(self) -> int:
        return len(self.sku)


def product_count(orders: int) -> int:
    """About one product per 200 orders, at least 20 and at most 5,000."""
    return max(20, min(5000, orders // 200))


def make_catalog(rng: np.random.Generator, count: int, start: int, now: int) -> Catalog:
    """`count` products for a shop whose orders run from `start` to `now`."""
    shares = np.array([c[4] for c in CATEGORIES])
    category = rng.choice(len(CATEGORIES), size=count, p=shares / shares.sum())
    low = np.array([c[2] for c in CATEGORIES])[category]
    high = np.array([c[3] for c in CATEGORIES])[category]
    whole = np.exp(rng.uniform(np.log(low), np.log(high))).astype(np.int64)
    price = whole * 100 - np.where(rng.random(count) < 0.7, 1, 51)  # ends in .99 or .49
    margin = rng.uniform(0.20, 0.60, count)
    cost = np.clip(np.rint(price * (1.0 - margin)).astype(np.int64), 1, price - 1)

    popularity = rng.permutation(1.0 / np.arange(1, count + 1) ** 0.9)
    by_rank = np.argsort(-popularity)
    core = by_rank[:ALWAYS_ON_SALE]
    period = now - start
    created = start - rng.integers(30 * DAY, 400 * DAY, count)
    launched = rng.random(count) < LAUNCHED_LATER_SHARE
    launched[core] = False
    created = np.where(launched, start + (rng.random(count) * 0.9 * period).astype(np.int64), created)
    on_sale_from = created + DAY
    inactive = np.zeros(count, dtype=bool)
    candidates = np.setdiff1d(by_rank[ALWAYS_ON_SALE:], np.flatnonzero(launched))
    n_inactive = min(len(candidates), max(1, round(INACTIVE_SHARE * count)))
    inactive[rng.choice(candidates, size=n_inactive, replace=False)] = True
    until_days = rng.integers(20, 200, count)
    on_sale_until = np.where(inactive, np.maximum(now - until_days * DAY, on_sale_from), np.iinfo(np.int64).max)

    sku, name = [], []
    for i in range(count):  # one loop per product: a few thousand at most
        cat = CATEGORIES[category[i]]
        noun = cat[5][rng.integers(len(cat[5]))]
        adjective = cat[6][rng.integers(len(cat[6]))]
        variant = VARIANTS[rng.integers(len(VARIANTS))]
        sku.append(f"{cat[1]}-{i + 1:05d}")
        name.append(f"{adjective} {noun}, {variant}")
    return Catalog(
        sku=np.array(sku, dtype="S"),
        name=np.array([n.encode() for n in name], dtype="S"),
        category=np.array([c[0].encode() for c in CATEGORIES], dtype="S")[category],
        price_cents=price,
        cost_cents=cost,
        active=~inactive,
        created_at=created,
        on_sale_from=on_sale_from,
        on_sale_until=on_sale_until,
        popularity=popularity / popularity.sum(),
    )
