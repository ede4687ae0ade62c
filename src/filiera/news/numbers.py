"""Money and quantities in news text (it, en, fr, de): the two finders in one place.

`find_money` (money.py) reads amounts such as "1,2 miliardi di euro", "€6.5bn" or "CHF 40
Mio."; `find_quantities` (quantities.py) reads counted things such as "oltre 80 aziende" or
"200.000 Artilleriegeschosse". Behind them: numerals.py reads numbers in each language's
style, units.py and quantity_words.py hold the lexicons, count_filters.py says which
numbers count nothing.
"""

from __future__ import annotations

from filiera.news.money import find_money
from filiera.news.quantities import find_quantities

__all__ = ["find_money", "find_quantities"]
